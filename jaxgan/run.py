"""Training end to end: the library functions behind ``jaxgan train``.

Example:
  >>> cfg = config.get_config()
  >>> cfg.train.num_steps = 2000
  >>> result = train_one(cfg, '/tmp/grid25')
  >>> result['modes'], result['high_quality']
  >>> rows = train_population(cfg, [{'lr_d': 1e-4}, {'lr_d': 1e-3}], '/tmp/pop')
"""

import dataclasses
import math
import os
import time
from typing import Callable

import jax
import ml_collections
import numpy as np

from jaxgan import config, distributed, population, train, validation
from jaxgan.files import save_samples, write_json


def _fmt(values: dict) -> str:
  return ' '.join(f'{k}={v:.4g}' for k, v in values.items())


# Image metrics shown with their floor and untrained values on every line.
_REFERENCED = ('fid', 'kid', 'classes')


@dataclasses.dataclass(frozen=True)
class Reference:
  """What the metrics of a config's data mean (``reference.json``).

  Attributes:
    floor: each metric on held-out real data, the best a generator can
      score with that many samples.
    untrained: each metric of the config's untrained generator (its
      initial state, seed ``hparams.seed``).
    samples: the samples every evaluation measures.
    protocol: how they are measured (feature network, reference set, what
      the floor is), as :class:`jaxgan.metrics.Evaluator` describes it.
  """
  floor: dict[str, float]
  untrained: dict[str, float]
  samples: int
  protocol: dict = dataclasses.field(default_factory=dict)

  def to_json(self) -> dict:
    return dataclasses.asdict(self)

  @classmethod
  def from_json(cls, obj: dict) -> 'Reference':
    return cls(**obj)


def format_quality(quality: dict, reference: Reference | None) -> str:
  """Metrics as ``name=value``, those in ``reference`` (image data) followed
  by ``[floor F, untrained U]``."""
  parts = []
  for k, v in quality.items():
    part = f'{k}={float(v):.4g}'
    if reference is not None and k in _REFERENCED and k in reference.floor:
      part += (f'[floor {reference.floor[k]:.4g}, untrained '
               f'{reference.untrained[k]:.4g}]')
    parts.append(part)
  return ' '.join(parts)


def reference_metrics(cfg: ml_collections.ConfigDict,
                      untrained: dict | None = None) -> Reference | None:
  """The :class:`Reference` of ``cfg``'s data: its metrics' floor, their
  value for the untrained generator and their protocol. None for the 2-D
  mixtures, whose metrics have known best values.

  Args:
    cfg: a validated config.
    untrained: the untrained generator's metrics when the caller has them
      already; otherwise they are computed here.
  """
  fns = train.make_program(cfg)
  evaluator = fns.evaluator
  if not evaluator.floor:
    return None
  if untrained is None:
    state = jax.jit(fns.init)(jax.random.key(0),
                              config.hparams_from_config(cfg))
    untrained = jax.jit(fns.evaluate, static_argnums=1)(
        state, cfg.train.eval_samples)[1]
  return Reference(floor=dict(evaluator.floor),
                   untrained={k: float(v) for k, v in untrained.items()},
                   samples=evaluator.num_samples,
                   protocol=dict(evaluator.protocol or {}))


def train_one(cfg: ml_collections.ConfigDict, workdir: str,
              log: Callable[[str], None] = print) -> dict:
  """Trains the GAN of ``cfg`` and writes its results into ``workdir``.

  The config is validated and the model built before anything is written.
  Training runs in jitted chunks of ``cfg.train.chunk_steps`` steps; after
  each, progress (losses, quality metrics, speed, ETA) goes to ``log``.

  Writes ``config.json``, ``metrics.json`` (quality metrics of the EMA
  generator, mean losses over the last chunk, speed, whether it diverged;
  for images also ``reference``, see :func:`reference_metrics`),
  ``samples.npz`` and ``samples.png``.

  Args:
    cfg: the config; it is not modified.
    workdir: output directory, created if needed.
    log: where progress lines go.

  Returns:
    The contents of ``metrics.json``.
  """
  validation.validate(cfg)
  fns = train.make_program(cfg)
  hp = config.hparams_from_config(cfg)
  os.makedirs(workdir, exist_ok=True)
  write_json(os.path.join(workdir, 'config.json'), cfg.to_dict())

  init, chunk, evaluate = jitted(fns)

  state = init(jax.random.key(0), hp)
  reference = reference_metrics(
      cfg, evaluate(state, cfg.train.eval_samples)[1]
      if fns.dataset.kind == 'images' else None)
  total, size = cfg.train.num_steps, cfg.train.chunk_steps
  done, start, last = 0, time.perf_counter(), {}
  while done < total:
    n = min(size, total - done)
    state, step_metrics = chunk(state, hp, n)
    last = {k: float(np.mean(v)) for k, v in step_metrics.items()
            if k in ('d_loss', 'g_loss')}
    done += n
    samples, quality = evaluate(state, cfg.train.eval_samples)
    elapsed = time.perf_counter() - start
    rate = done / elapsed
    log(f'step {done}/{total} {_fmt(last)} '
        f'{format_quality(quality, reference)} '
        f'{rate:.0f} steps/s eta {math.ceil((total - done) / rate)}s'
        + (' DIVERGED' if bool(state.diverged) else ''))
  train_seconds = time.perf_counter() - start

  result = {k: float(v) for k, v in quality.items()}
  result.update(last, steps=int(state.step), diverged=bool(state.diverged),
                train_seconds=train_seconds,
                steps_per_second=total / train_seconds)
  if reference is not None:
    result['reference'] = reference.to_json()
  write_json(os.path.join(workdir, 'metrics.json'), result)
  title = f'{cfg.data.name}, step {int(state.step)}'
  save_samples(workdir, np.asarray(samples), fns.dataset, title)
  log(f'wrote {workdir}: {format_quality(quality, reference)}')
  return result


def jitted(fns: train.TrainFns) -> tuple[Callable, Callable, Callable]:
  """``fns.init``, ``fns.train_chunk`` (the step count static, the state
  donated) and ``fns.evaluate`` (the sample count static), jitted as one
  run calls them: each compiles once, whatever the hyperparameters."""
  return (jax.jit(fns.init),
          jax.jit(fns.train_chunk, static_argnums=2, donate_argnums=0),
          jax.jit(fns.evaluate, static_argnums=1))


# Columns of the per-member table, in order, when present.
_TABLE = ('modes', 'high_quality', 'reverse_kl', 'fid', 'kid', 'precision',
          'recall', 'classes', 'd_loss', 'g_loss', 'diverged')


def _cell(value) -> str:
  if value is None:
    return ''
  return f'{value:.4g}' if isinstance(value, float) else str(value)


def format_table(rows: list[dict]) -> str:
  """A plain-text table of population results, one member per line."""
  setting_keys = sorted({k for r in rows for k in r['setting']})
  metric_keys = [k for k in _TABLE if any(k in r for r in rows)]
  header = ['#'] + setting_keys + metric_keys
  lines = [header] + [
      [str(i)] + [_cell(r['setting'].get(k)) for k in setting_keys]
      + [_cell(r.get(k)) for k in metric_keys] for i, r in enumerate(rows)]
  widths = [max(len(line[c]) for line in lines) for c in range(len(header))]
  return '\n'.join('  '.join(c.rjust(w) for c, w in zip(line, widths))
                   for line in lines)


def train_population(cfg: ml_collections.ConfigDict, settings: list[dict],
                     workdir: str, mesh=None,
                     log: Callable[[str], None] = print) -> list[dict]:
  """Trains every setting at once, one compiled program per static bucket.

  Every setting is validated before anything is written or compiled. On
  several processes, all run this; process 0 logs and writes.

  Writes ``config.json`` (the base config) and ``population.json`` (one row
  per setting: the setting, its bucket's static values, quality metrics of
  its EMA generator, mean losses of the last chunk, whether it diverged).

  Args:
    cfg: the base config; it is not modified.
    settings: one mapping per member, of dynamic names (``'lr_d'``) and
      dotted static paths (``'model.width'``).
    workdir: output directory.
    mesh: a ('pop', 'data') mesh; by default every device on 'pop'.
    log: where progress lines and the final table go (process 0 only).

  Returns:
    The rows of ``population.json``, in the order of ``settings``.
  """
  if not settings:
    raise ValueError('the population has no settings')
  validation.validate(cfg)
  groups = population.buckets(cfg, settings)
  for bucket in groups:
    if bucket.static:
      validation.validate(bucket.cfg)
  mesh = population.make_mesh() if mesh is None else mesh
  main = distributed.is_main_process()
  say = log if main else (lambda _: None)
  if main:
    os.makedirs(workdir, exist_ok=True)
    write_json(os.path.join(workdir, 'config.json'), cfg.to_dict())

  rows: list[dict] = [{} for _ in settings]
  for b, bucket in enumerate(groups):
    n = len(bucket.indices)
    size = population.padded_size(n, mesh)
    pop = population.make_population(bucket.cfg, mesh, size)
    hp = pop.put(population.pad(bucket.hparams, size))
    state = pop.init(jax.random.key(0), hp)
    total, chunk = bucket.cfg.train.num_steps, bucket.cfg.train.chunk_steps
    done = 0
    while done < total:
      steps, start = min(chunk, total - done), time.perf_counter()
      state, step_metrics = pop.train_chunk(state, hp, steps)
      jax.block_until_ready(step_metrics)
      done += steps
      rate = n * steps / (time.perf_counter() - start)
      say(f'bucket {b + 1}/{len(groups)} {bucket.static or ""} step '
          f'{done}/{total} ({n} members) {rate:.0f} member-steps/s')
    quality = distributed.to_host(pop.evaluate(state))
    losses = distributed.to_host({k: step_metrics[k] for k in ('d_loss',
                                                                 'g_loss')})
    diverged = distributed.to_host(state.diverged)
    for j, i in enumerate(bucket.indices):
      row = dict(setting=dict(settings[i]), bucket=b)
      row.update({k: float(v[j]) for k, v in quality.items()})
      row.update({k: float(np.mean(v[j])) for k, v in losses.items()})
      row['diverged'] = bool(diverged[j])
      rows[i] = row
  if main:
    write_json(os.path.join(workdir, 'population.json'), rows)
  say(format_table(rows))
  return rows
