"""Trials in training: one static bucket's members as a running population.

:class:`Members` holds a population's state together with what the search
needs to judge it: every member's best evaluation so far (early stopping: a
GAN that degrades or diverges late keeps the state of its best evaluation),
the step it happened at, the last chunk's losses, and each member's history:
its training curves (the per-step diagnostics of
:data:`jaxgan.train.STEP_METRICS`, averaged over :data:`CURVE_WINDOWS`
windows of every chunk) and every evaluation. The functions here train
members with an evaluation after every chunk, report every chunk to a
watcher (progress, TensorBoard), keep the survivors of a successive-halving
rung, run PBT's exploit/explore step, and turn members into trial records.
"""

import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from jax.sharding import NamedSharding

from jaxgan import data, distributed, losses, pbt, population, train
from jaxgan.search import diagnostics
from jaxgan.types import PyTree

# Points of the training curves per chunk: each is the mean of one window of
# the chunk's steps.
CURVE_WINDOWS = 10
# The training curves kept: every step diagnostic but the finite flag.
CURVES = tuple(k for k in train.STEP_METRICS if k != 'finite')


class Members(NamedTuple):
  """Running trials of one bucket.

  Attributes:
    cfg: the bucket's config.
    static: its static values (``{'model.width': 64}``, or ``{}``).
    pop: the compiled population; ``pop.size`` >= the number of members.
    ids: trial id of each member, shape ``(n,)``.
    points: each member's search point.
    hp: dynamic hyperparameters on the mesh, ``pop.size`` long.
    state: the population state.
    best_state: each member's state at its best evaluation.
    best: metrics of each member's best evaluation, ``{name: (n,)}``.
    best_objective: the objective there (``inf`` before any finite one).
    best_step: the step of the best evaluation (0 before any).
    objective: the objective at the latest evaluation (``inf`` before any).
    losses: mean D and G losses of the last chunk, ``{name: (n,)}``.
    steps: steps every member has trained.
    curves: training curves, ``{'step': (T,), name: (n, T)}``: the last step
      of each window and the window means of :data:`CURVES`.
    evaluations: ``{'step': (E,), metric: (n, E)}``, every evaluation.
  """
  cfg: ml_collections.ConfigDict
  static: dict[str, Any]
  pop: population.Population
  ids: np.ndarray
  points: list
  hp: dict
  state: train.GANState
  best_state: train.GANState
  best: dict[str, np.ndarray]
  best_objective: np.ndarray
  best_step: np.ndarray
  objective: np.ndarray
  losses: dict[str, np.ndarray]
  steps: int
  curves: dict[str, np.ndarray]
  evaluations: dict[str, np.ndarray]


class Chunk(NamedTuple):
  """What a watcher of :func:`train_to` sees after every chunk.

  Attributes:
    cfg: the members' bucket config.
    ids: the members' trial ids, ``(n,)``.
    steps: steps every member has trained, after this chunk.
    chunk: steps in this chunk.
    curves: this chunk's part of :attr:`Members.curves`.
    quality: this evaluation's metrics, ``{name: (n,)}``.
    samples: the first :data:`WATCHED_SAMPLES` samples of the evaluation,
      ``(n, k, ...)``.
    best_objective: each member's best objective so far, ``(n,)``.
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


def _empty_history(n: int) -> tuple[dict, dict]:
  curves = {'step': np.zeros(0, np.int64),
            **{k: np.zeros((n, 0)) for k in CURVES}}
  return curves, {'step': np.zeros(0, np.int64)}


def _windows(step_metrics: dict, n: int, done: int, chunk: int) -> dict:
  """Window means of a chunk's step metrics, and each window's last step."""
  bounds = np.array_split(np.arange(chunk), min(CURVE_WINDOWS, chunk))
  out = {'step': np.asarray([done - chunk + b[-1] + 1 for b in bounds])}
  for k in CURVES:
    v = np.asarray(step_metrics[k][:n], np.float64)
    out[k] = np.stack([v[:, b].mean(axis=1) for b in bounds], axis=1)
  return out


def _extend(history: dict, part: dict) -> dict:
  out = {'step': np.concatenate([history['step'], part['step']])}
  for k, v in part.items():
    if k != 'step':
      old = history.get(k, np.full((len(v), len(history['step'])), np.nan))
      out[k] = np.concatenate([old, v], axis=1)
  return out


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


def start(bucket: population.Bucket, ids, points: list, mesh,
          make_population: Callable = population.make_population,
          padded: bool = True) -> Members:
  """Initialises a bucket's members (member ``i`` from its seed).

  Args:
    bucket: the members' static config and hyperparameters.
    ids: their trial ids.
    points: their search points.
    mesh: the device mesh.
    make_population: builds the compiled population.
    padded: pad to :func:`population_size`; otherwise the population has
      exactly ``len(ids)`` members, which must split over the mesh.
  """
  n = len(ids)
  pop = make_population(bucket.cfg, mesh,
                        population_size(n, mesh) if padded else n)
  hp = pop.put(population.pad(bucket.hparams, pop.size))
  state = pop.init(jax.random.key(0), hp)
  every = pop.put(np.ones(pop.size, bool))
  curves, evaluations = _empty_history(n)
  return Members(
      cfg=bucket.cfg, static=dict(bucket.static), pop=pop,
      ids=np.asarray(ids, np.int64), points=list(points), hp=hp, state=state,
      best_state=_keep_best(state, state, every), best={},
      best_objective=np.full(n, np.inf), best_step=np.zeros(n, np.int64),
      objective=np.full(n, np.inf), losses={}, steps=0, curves=curves,
      evaluations=evaluations)


def train_to(m: Members, steps: int, objective: str,
             watch: Callable[[Chunk], None] | None = None) -> Members:
  """Trains until every member has taken ``steps`` steps, evaluating after
  every ``cfg.train.chunk_steps`` steps and keeping each member's best.

  Args:
    m: the members.
    steps: the step count to reach.
    objective: the metric to minimise.
    watch: called with a :class:`Chunk` after every chunk's evaluation, while
      the next chunk is not yet started (it must not keep the device
      waiting long).
  """
  n = len(m.ids)
  state, best_state, done = m.state, m.best_state, m.steps
  best = {k: v.copy() for k, v in m.best.items()}
  best_objective, best_step = m.best_objective.copy(), m.best_step.copy()
  losses, last = m.losses, m.objective
  curves, evaluations = m.curves, m.evaluations
  while done < steps:
    chunk = min(m.cfg.train.chunk_steps, steps - done)
    state, step_metrics = m.pop.train_chunk(state, m.hp, chunk)
    done += chunk
    quality = distributed.to_host(m.pop.evaluate(state))
    step_metrics = distributed.to_host(
        {k: step_metrics[k] for k in CURVES})
    losses = {k: np.mean(step_metrics[k][:n], axis=1)
              for k in ('d_loss', 'g_loss')}
    part = _windows(step_metrics, n, done, chunk)
    curves = _extend(curves, part)
    evaluations = _extend(evaluations, {
        'step': np.asarray([done]),
        **{k: np.asarray(v[:n], np.float64)[:, None]
           for k, v in quality.items()}})
    value = np.asarray(quality[objective][:n], np.float64)
    improved = np.isfinite(value) & (value < best_objective)
    if improved.any():
      mask = np.zeros(m.pop.size, bool)
      mask[:n] = improved
      best_state = _keep_best(best_state, state, m.pop.put(mask))
      for k, v in quality.items():
        best.setdefault(k, np.full(n, np.nan))
        best[k] = np.where(improved, v[:n], best[k])
      best_objective = np.where(improved, value, best_objective)
      best_step = np.where(improved, done, best_step)
    last = np.where(np.isfinite(value), value, np.inf)
    if watch is not None:
      samples = distributed.to_host(m.pop.sample(
          state, WATCHED_SAMPLES[data.for_config(m.cfg).kind]))
      watch(Chunk(cfg=m.cfg, ids=m.ids, steps=done, chunk=chunk, curves=part,
                  quality={k: np.asarray(v[:n]) for k, v in quality.items()},
                  samples=samples[:n], best_objective=best_objective))
  return m._replace(state=state, best_state=best_state, best=best,
                    best_objective=best_objective, best_step=best_step,
                    objective=last, losses=losses, steps=done, curves=curves,
                    evaluations=evaluations)


def plain(values) -> list:
  """Host values as JSON: a list, with non-finite floats as None."""
  x = np.asarray(values)
  if x.dtype.kind == 'f':
    return [float(v) if np.isfinite(v) else None for v in x]
  return x.tolist()


def unplain(values, dtype=np.float64) -> np.ndarray:
  """The inverse of :func:`plain`, with None as ``inf``."""
  return np.asarray([np.inf if v is None else v for v in values], dtype)


def history(m: Members, j: int) -> tuple[dict, dict]:
  """Member ``j``'s curves and evaluations as JSON: ``{'step': [...],
  name: [...]}`` each."""
  def one(h):
    return {'step': plain(h['step']),
            **{k: plain(v[j]) for k, v in h.items() if k != 'step'}}
  return one(m.curves), one(m.evaluations)


def records(m: Members, objective: str) -> list[dict]:
  """One trial record per member (see :mod:`jaxgan.search.store`), with
  status ``'diverged'`` or ``'finished'``, its history and the flags of
  :func:`jaxgan.search.diagnostics.diagnose`."""
  n = len(m.ids)
  hp = distributed.to_host(m.hp)
  diverged = distributed.to_host(m.state.diverged)[:n]
  out = []
  for j in range(n):
    value = m.best_objective[j]
    curves, evaluations = history(m, j)
    out.append(dict(
        id=int(m.ids[j]), bucket=m.static,
        hparams={k: losses.LOSS_NAMES[v[j]] if k == 'loss' else v[j].item()
                 for k, v in hp.items()},
        objective=float(value) if np.isfinite(value) else None,
        metrics={k: float(v[j]) for k, v in m.best.items()
                 if np.isfinite(v[j])},
        best_step=int(m.best_step[j]), steps=m.steps,
        losses={k: float(v[j]) for k, v in m.losses.items()
                if np.isfinite(v[j])},
        diverged=bool(diverged[j]),
        status='diverged' if diverged[j] else 'finished',
        curves=curves, evaluations=evaluations,
        flags=diagnostics.diagnose(curves, evaluations, bool(diverged[j]),
                                   objective)))
  return out


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
  index = np.minimum(np.arange(pop.size), n - 1)
  index = np.asarray(survivors)[index]
  return m._replace(
      pop=pop, ids=m.ids[survivors], points=[m.points[i] for i in survivors],
      hp=_take(m.hp, index, pop), state=_take(m.state, index, pop),
      best_state=_take(m.best_state, index, pop),
      best={k: v[survivors] for k, v in m.best.items()},
      best_objective=m.best_objective[survivors],
      best_step=m.best_step[survivors], objective=m.objective[survivors],
      losses={k: v[survivors] for k, v in m.losses.items()},
      curves=_rows(m.curves, survivors),
      evaluations=_rows(m.evaluations, survivors))


def _rows(h: dict, index) -> dict:
  return {k: v if k == 'step' else v[np.asarray(index)] for k, v in h.items()}


@functools.partial(jax.jit, static_argnums=(4, 5))
def _exploit(key, state, hp, scores, fraction, perturb):
  return pbt.exploit_explore(key, state, hp, scores, fraction,
                             perturb=perturb)


def exploit(m: Members, key, scores: np.ndarray, fraction: float,
            perturb: tuple[tuple[str, ...], ...], new_ids: np.ndarray
            ) -> tuple[Members, np.ndarray]:
  """PBT's exploit/explore step over the members.

  The worst ``fraction`` copy the best and perturb the hyperparameter groups
  ``perturb`` (see :func:`jaxgan.pbt.exploit_explore`); non-finite scores
  rank last. Every member then starts a new trial, ``new_ids``, with its best
  evaluation reset. The members must be unpadded (``start(...,
  padded=False)``).

  Returns:
    The members and, for each, the position of the member it continues.
  """
  n = len(m.ids)
  assert m.pop.size == n, 'PBT members must not be padded'
  scores = np.where(np.isfinite(scores), scores, np.inf).astype(np.float32)
  state, hp, parents = _exploit(key, m.state, m.hp, m.pop.put(scores),
                                fraction, perturb)
  parents = distributed.to_host(parents)
  every = m.pop.put(np.ones(n, bool))
  curves, evaluations = _empty_history(n)
  return m._replace(
      ids=np.asarray(new_ids, np.int64), hp=hp, state=state,
      best_state=_keep_best(state, state, every), best={},
      best_objective=np.full(n, np.inf), best_step=np.zeros(n, np.int64),
      objective=np.full(n, np.inf), losses={}, curves=curves,
      evaluations=evaluations), parents


def member_state(m: Members, j: int) -> dict:
  """Member ``j``'s best networks on the host: G, D, EMA and statistics."""
  nets = distributed.to_host({k: getattr(m.best_state, k) for k in (
      'g_params', 'g_stats', 'd_params', 'd_stats', 'ema_params')})
  return jax.tree.map(lambda x: x[j], nets)


def best_samples(m: Members, n: int) -> np.ndarray:
  """``n`` samples from every member's generator at its best evaluation,
  ``(members, n, ...)``."""
  return distributed.to_host(m.pop.sample(m.best_state, n))[:len(m.ids)]
