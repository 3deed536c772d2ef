"""Running trials on the device: one static bucket's members as a compiled
population.

:class:`Members` holds a population's device state: the hyperparameters,
the state, and each member's state at its best evaluation (early stopping: a
GAN that degrades or diverges late keeps the state of its best evaluation).
What the host keeps of each member (its best metrics, curves, evaluations)
is a :class:`~jaxgan.search.history.History` beside it. The functions here
train members with an evaluation after every chunk, report every chunk to a
watcher (progress, TensorBoard), keep the survivors of a successive-halving
rung and run PBT's exploit/explore step.
"""

import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from jax.sharding import NamedSharding

from jaxgan import data, distributed, pbt, population, train
from jaxgan.search.history import CURVES, History, windows
from jaxgan.types import PyTree


class Members(NamedTuple):
  """Running trials of one bucket, on the device.

  Attributes:
    cfg: the bucket's config.
    static: its static values (``{'model.width': 64}``, or ``{}``).
    pop: the compiled population; ``pop.size`` >= the number of members.
    hp: dynamic hyperparameters on the mesh, ``pop.size`` long.
    state: the population state.
    best_state: each member's state at its best evaluation.
  """
  cfg: ml_collections.ConfigDict
  static: dict[str, Any]
  pop: population.Population
  hp: dict
  state: train.GANState
  best_state: train.GANState


class Chunk(NamedTuple):
  """What a watcher of :func:`train_to` sees after every chunk.

  Attributes:
    cfg: the members' bucket config.
    ids: the members' trial ids, ``(n,)``.
    steps: steps every member has trained, after this chunk.
    chunk: steps in this chunk.
    curves: this chunk's part of :attr:`History.curves`.
    quality: this evaluation's metrics, ``{name: (n,)}``.
    samples: the first :data:`WATCHED_SAMPLES` samples of the evaluation,
      ``(n, k, ...)``.
    best_objective: each member's best objective so far, times the sign of
      :func:`train_to`, ``(n,)``.
  """
  cfg: ml_collections.ConfigDict
  ids: np.ndarray
  steps: int
  chunk: int
  curves: dict[str, np.ndarray]
  quality: dict[str, np.ndarray]
  samples: np.ndarray
  best_objective: np.ndarray


# Samples per member a watcher gets with every evaluation, by data kind.
WATCHED_SAMPLES = {'images': 64, 'points': 512}


def population_size(n: int, mesh) -> int:
  """The padded size for ``n`` members: the next power of two, rounded up to
  a multiple of the 'pop' axis, so that a search compiles few sizes."""
  return population.padded_size(1 << (n - 1).bit_length(), mesh)


@jax.jit
def _keep_best(best: PyTree, new: PyTree, improved: jax.Array) -> PyTree:
  def pick(b, n):
    mask = improved.reshape(improved.shape + (1,) * (n.ndim - 1))
    return jnp.where(mask, n, b)
  return jax.tree.map(pick, best, new)


def start(bucket: population.Bucket, size: int, mesh,
          make_population: Callable = population.make_population) -> Members:
  """Initialises a bucket's members (member ``i`` from its seed) in a
  population of ``size`` (at least the bucket's members; see
  :func:`population_size`), which must split over the mesh."""
  pop = make_population(bucket.cfg, mesh, size)
  hp = pop.put(population.pad(bucket.hparams, pop.size))
  state = pop.init(jax.random.key(0), hp)
  every = pop.put(np.ones(pop.size, bool))
  return Members(cfg=bucket.cfg, static=dict(bucket.static), pop=pop, hp=hp,
                 state=state, best_state=_keep_best(state, state, every))


def train_to(m: Members, h: History, steps: int, objective: str,
             watch: Callable[[Chunk], None] | None = None, sign: float = 1.0
             ) -> tuple[Members, History]:
  """Trains until every member has taken ``steps`` steps, evaluating after
  every ``cfg.train.chunk_steps`` steps and keeping each member's best; or
  until every member has diverged (a diverged member's state no longer
  changes, so the rest would only repeat its last evaluation, and the
  search hears of the failures a round sooner).

  Args:
    m: the members.
    h: their history.
    steps: the step count to reach.
    objective: the metric that picks each member's best evaluation.
    watch: called with a :class:`Chunk` after every chunk's evaluation, while
      the next chunk is not yet started (it must not keep the device
      waiting long).
    sign: 1 where lower is better, -1 where higher is (see
      :meth:`History.evaluated`).
  """
  n = len(h.ids)
  state, best_state = m.state, m.best_state
  while h.steps < steps:
    chunk = min(m.cfg.train.chunk_steps, steps - h.steps)
    state, step_metrics = m.pop.train_chunk(state, m.hp, chunk)
    done = h.steps + chunk
    quality = distributed.to_host(m.pop.evaluate(state))
    quality = {k: np.asarray(v[:n]) for k, v in quality.items()}
    step_metrics = distributed.to_host({k: step_metrics[k] for k in CURVES})
    part = windows(step_metrics, n, done, chunk)
    h, improved = h.evaluated(
        done, part, {k: np.mean(step_metrics[k][:n], axis=1)
                     for k in ('d_loss', 'g_loss')}, quality, objective, sign)
    if improved.any():
      mask = np.zeros(m.pop.size, bool)
      mask[:n] = improved
      best_state = _keep_best(best_state, state, m.pop.put(mask))
    if watch is not None:
      samples = distributed.to_host(m.pop.sample(
          state, WATCHED_SAMPLES[data.for_config(m.cfg).kind]))
      watch(Chunk(cfg=m.cfg, ids=h.ids, steps=done, chunk=chunk, curves=part,
                  quality=quality, samples=samples[:n],
                  best_objective=h.best_objective))
    if all(diverged(m._replace(state=state), n)):
      break
  return m._replace(state=state, best_state=best_state), h


@functools.partial(jax.jit, static_argnums=2)
def _gather(tree: PyTree, index: jax.Array, split: NamedSharding) -> PyTree:
  return jax.lax.with_sharding_constraint(
      jax.tree.map(lambda x: x[index], tree), split)


def _take(tree: PyTree, index: np.ndarray, pop) -> PyTree:
  """Members ``index`` of ``tree``, split over ``pop``'s devices."""
  split = NamedSharding(pop.mesh, jax.P(population.POP))
  return _gather(tree, jnp.asarray(index), split)


def keep(m: Members, survivors: np.ndarray, mesh,
         make_population: Callable = population.make_population) -> Members:
  """The members at positions ``survivors``, continuing from their state in
  a population of their (padded) size."""
  n = len(survivors)
  pop = make_population(m.cfg, mesh, population_size(n, mesh))
  index = np.asarray(survivors)[np.minimum(np.arange(pop.size), n - 1)]
  return m._replace(pop=pop, hp=_take(m.hp, index, pop),
                    state=_take(m.state, index, pop),
                    best_state=_take(m.best_state, index, pop))


_exploit = jax.jit(pbt.exploit_explore, static_argnums=(4,))


def exploit(m: Members, key, scores: np.ndarray, rule: pbt.Perturbation
            ) -> tuple[Members, np.ndarray]:
  """PBT's exploit/explore step over the members.

  The worst ``rule.fraction`` copy the best and perturb the hyperparameter
  groups ``rule.perturb`` (see :func:`jaxgan.pbt.exploit_explore`);
  non-finite scores rank last. Every member's best state restarts from its
  new state. The members must be unpadded (``start`` with ``size`` their
  number).

  Returns:
    The members and, for each, the position of the member it continues.
  """
  n = len(scores)
  assert m.pop.size == n, 'PBT members must not be padded'
  scores = np.where(np.isfinite(scores), scores, np.inf).astype(np.float32)
  state, hp, parents = _exploit(key, m.state, m.hp, m.pop.put(scores),
                                rule)
  every = m.pop.put(np.ones(n, bool))
  m = m._replace(hp=hp, state=state,
                 best_state=_keep_best(state, state, every))
  return m, distributed.to_host(parents)


def member_state(m: Members, j: int) -> dict:
  """Member ``j``'s best networks on the host (:func:`jaxgan.train.networks`):
  G, D, EMA and statistics."""
  nets = distributed.to_host(train.networks(m.best_state))
  return jax.tree.map(lambda x: x[j], nets)


def best_samples(m: Members, n: int, members: int) -> np.ndarray:
  """``n`` samples from the generators of the first ``members`` members at
  their best evaluation, ``(members, n, ...)``."""
  return distributed.to_host(m.pop.sample(m.best_state, n))[:members]


def host_hparams(m: Members, members: int) -> list[dict]:
  """The dynamic hyperparameters of the first ``members`` members, one
  mapping of numpy scalars each."""
  hp = distributed.to_host(m.hp)
  return [{k: v[j] for k, v in hp.items()} for j in range(members)]


def diverged(m: Members, members: int) -> list[bool]:
  """Whether each of the first ``members`` members diverged."""
  return [bool(d) for d in distributed.to_host(m.state.diverged)[:members]]
