"""A stand-in for ``population.make_population`` with a known objective.

A member's state records how far it has trained (``g_params['x']``, in
steps) and a quality floor set by its hyperparameters at init
(``d_params['q'] = (log10(lr_d) + 3)^2 + SEED_EFFECT * (seed % 100)``). Its
objective is ``q + 1 / (1 + x)``: lowest for lr_d = 1e-3, improving with
training, a little worse for every seed after the first. Its ``reverse_kl``
is ``(log10(lr_d) + 2)^2 + 1 / (1 + x)``, lowest for lr_d = 1e-2: the two
conflict, and their Pareto front is lr_d in [1e-3, 1e-2]. A member
with lr_g > 0.03 diverges: its objective is NaN. The search's schedules run on
it in milliseconds, so tests can check what they decide.
"""

import json
import os

import jax
import pytest
import jax.numpy as jnp

from conftest import tiny_config
from jaxgan import population, search, train

DIVERGES_ABOVE = 0.03
SEED_EFFECT = 1e-3


def quality_floor(lr_d):
  return (jnp.log10(lr_d) + 3.0) ** 2


def make_population(cfg, mesh, size):
  del cfg

  def init(key, hp):
    zeros = jnp.zeros(size)
    return train.GANState(
        step=jnp.zeros(size, jnp.int32), key=jax.random.split(key, size),
        g_params={'x': zeros}, g_stats={}, d_params={'q': quality_floor(
            hp['lr_d']) + SEED_EFFECT * (hp['seed'] % 100),
                                          'lr_d': hp['lr_d']}, d_stats={},
        ema_params={'x': zeros},
        g_opt_state={'count': zeros}, d_opt_state={'count': zeros},
        diverged=hp['lr_g'] > DIVERGES_ABOVE)

  def train_chunk(state, hp, n_steps):
    del hp
    x = state.g_params['x'] + n_steps
    zeros = jnp.zeros((size, n_steps))
    return state.replace(step=state.step + n_steps, g_params={'x': x},
                         ema_params={'x': x}), {
                             k: zeros for k in train.STEP_METRICS}

  def evaluate(state):
    value = state.d_params['q'] + 1.0 / (1.0 + state.g_params['x'])
    value = jnp.where(state.diverged, jnp.nan, value)
    other = (jnp.log10(state.d_params['lr_d']) + 2.0) ** 2 + (
        1.0 / (1.0 + state.g_params['x']))
    other = jnp.where(state.diverged, jnp.nan, other)
    return dict(partition_kl=value, reverse_kl=other,
                modes=jnp.full(size, 25.0), high_quality=1.0 / (1.0 + value))

  def sample(state, n):
    return jnp.broadcast_to(state.g_params['x'][:, None, None], (size, n, 2))

  return population.Population(
      size=size, mesh=mesh, fns=None, init=jax.jit(init),
      train_chunk=train_chunk, evaluate=jax.jit(evaluate), sample=sample,
      put=lambda tree: jax.tree.map(jnp.asarray, tree))


# The search's trainer over make_population.
TRAINER = search.Trainer(make_population=make_population)


def searching(penalty='none', **space):
  """A tiny grid-25 config whose search space is exactly ``space`` (dotted
  names for static fields)."""
  cfg = tiny_config(penalty=penalty)
  for name in cfg.search.space:
    if isinstance(cfg.search.space[name], str):
      cfg.search.space[name] = ''
  for name, text in space.items():
    node = cfg.search.space
    *parents, leaf = name.split('.')
    for p in parents:
      node = node[p]
    node[leaf] = text
  return cfg


def config(method, **search):
  """A tiny grid-25 config searching lr_d and lr_g with ``method``."""
  cfg = searching(lr_d='log:1e-5:1e-1', lr_g='log:1e-4:1e-1')
  cfg.search.update(method=method, **search)
  return cfg


def stored(workdir) -> list[dict]:
  """The trials stored in ``workdir``, as JSON."""
  with open(os.path.join(workdir, 'trials.jsonl')) as f:
    return [json.loads(line) for line in f]


def tune(cfg, workdir, log=lambda _: None, **kw):
  """A search of ``cfg`` in ``workdir`` over :func:`make_population`, quiet
  unless given a ``log``."""
  return search.tune(cfg, str(workdir), output=search.Output(log, ()),
                     trainer=TRAINER, **kw)


def floor(trial: dict) -> float:
  """A stored trial's quality floor (its objective after endless
  training)."""
  return float(quality_floor(trial['hparams']['lr_d']))


class Stop(Exception):
  """Raised by :func:`stop_after`'s log to stop a search."""


def stop_after(rounds: int):
  """A search's log that stops it (raises :class:`Stop`) at its
  ``rounds``-th line."""
  seen = []

  def log(line):
    seen.append(line)
    if len(seen) == rounds:
      raise Stop(line)
  return log


def resumes(workdir, cfg, parts=('',), same_points=True) -> None:
  """Asserts that ``cfg``'s search stopped after two rounds and run again
  stores the trials an uninterrupted one does (each part of a staged
  search); with ``same_points=False`` (samplers whose state lives in their
  study) only the trial ids must agree."""
  tune(cfg, workdir / 'whole')
  with pytest.raises(Stop):
    tune(cfg, workdir / 'stopped', log=stop_after(2))
  tune(cfg, workdir / 'stopped')
  drop = lambda t: {k: v for k, v in t.items()
                    if k not in ('seconds', 'elapsed')}
  for part in parts:
    whole, resumed = (sorted(map(drop, stored(workdir / run / part)),
                             key=lambda t: t['id'])
                      for run in ('whole', 'stopped'))
    if same_points:
      assert resumed == whole
    else:
      assert [t['id'] for t in resumed] == [t['id'] for t in whole]
