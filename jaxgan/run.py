"""Training one GAN end to end: the library function behind ``jaxgan train``.

Example:
  >>> cfg = config.get_config()
  >>> cfg.train.num_steps = 2000
  >>> result = train_one(cfg, '/tmp/grid25')
  >>> result['modes'], result['high_quality']
"""

import json
import math
import os
import tempfile
import time
from typing import Callable

import jax
import ml_collections
import numpy as np

from jaxgan import config, metrics, plotting, train

# Key (folded into the member's key) of the samples every evaluation draws.
EVAL_KEY = 0x5EED


def atomic_write(path: str, write: Callable[[str], None]) -> None:
  """Calls ``write(tmp_path)`` then renames the result to ``path``.

  A crash leaves either the old file or the new one, never half of one.
  """
  directory = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(dir=directory, prefix='.tmp-',
                             suffix=os.path.splitext(path)[1])
  os.close(fd)
  try:
    write(tmp)
    os.replace(tmp, path)
  finally:
    if os.path.exists(tmp):
      os.remove(tmp)


def write_json(path: str, obj) -> None:
  """Writes ``obj`` as indented JSON, atomically."""
  def write(tmp):
    with open(tmp, 'w') as f:
      json.dump(obj, f, indent=2, sort_keys=True)
      f.write('\n')
  atomic_write(path, write)


def save_samples(workdir: str, samples: np.ndarray, dataset, title: str):
  """Writes ``samples.npz`` (key ``x``) and ``samples.png`` into ``workdir``.

  Images are stored in [0, 1] NHWC; 2-D points as they are.
  """
  if dataset.kind == 'images':
    samples = np.clip((samples + 1.0) / 2.0, 0.0, 1.0)
  atomic_write(os.path.join(workdir, 'samples.npz'),
               lambda tmp: np.savez_compressed(tmp, x=samples))
  png = os.path.join(workdir, 'samples.png')
  if dataset.kind == 'images':
    atomic_write(png, lambda tmp: plotting.image_grid_png(tmp, samples, title))
  else:
    atomic_write(png, lambda tmp: plotting.scatter_png(tmp, samples,
                                                       dataset.modes, title))


def _fmt(values: dict) -> str:
  return ' '.join(f'{k}={v:.4g}' for k, v in values.items())


def train_one(cfg: ml_collections.ConfigDict, workdir: str,
              log: Callable[[str], None] = print) -> dict:
  """Trains the GAN of ``cfg`` and writes its results into ``workdir``.

  The config is validated and the model built before anything is written.
  Training runs in jitted chunks of ``cfg.train.chunk_steps`` steps; after
  each, progress (losses, quality metrics, speed, ETA) goes to ``log``.

  Writes ``config.json``, ``metrics.json`` (quality metrics of the EMA
  generator, mean losses over the last chunk, speed, whether it diverged),
  ``samples.npz`` and ``samples.png``.

  Args:
    cfg: the config; it is not modified.
    workdir: output directory, created if needed.
    log: where progress lines go.

  Returns:
    The contents of ``metrics.json``.
  """
  config.validate(cfg)
  fns = train.make_train(cfg)
  hp = config.hparams_from_config(cfg)
  os.makedirs(workdir, exist_ok=True)
  write_json(os.path.join(workdir, 'config.json'), cfg.to_dict())

  init = jax.jit(fns.init)
  chunk = jax.jit(fns.train_chunk, static_argnums=2, donate_argnums=0)
  evaluate = jax.jit(
      lambda state: (lambda x: (x, metrics.sample_metrics(fns.dataset, x)))(
          fns.generate(state, jax.random.fold_in(state.key, EVAL_KEY),
                       cfg.train.eval_samples)))

  state = init(jax.random.key(0), hp)
  total, size = cfg.train.num_steps, cfg.train.chunk_steps
  done, start, last = 0, time.perf_counter(), {}
  while done < total:
    n = min(size, total - done)
    state, step_metrics = chunk(state, hp, n)
    last = {k: float(np.mean(v)) for k, v in step_metrics.items()
            if k in ('d_loss', 'g_loss')}
    done += n
    _, quality = evaluate(state)
    elapsed = time.perf_counter() - start
    rate = done / elapsed
    log(f'step {done}/{total} {_fmt(last)} '
        f'{_fmt({k: float(v) for k, v in quality.items()})} '
        f'{rate:.0f} steps/s eta {math.ceil((total - done) / rate)}s'
        + (' DIVERGED' if bool(state.diverged) else ''))
  train_seconds = time.perf_counter() - start

  samples, quality = evaluate(state)
  result = {k: float(v) for k, v in quality.items()}
  result.update(last, steps=int(state.step), diverged=bool(state.diverged),
                train_seconds=train_seconds,
                steps_per_second=total / train_seconds)
  write_json(os.path.join(workdir, 'metrics.json'), result)
  title = f'{cfg.data.name}, step {int(state.step)}'
  save_samples(workdir, np.asarray(samples), fns.dataset, title)
  log(f'wrote {workdir}: {_fmt({k: result[k] for k in quality})}')
  return result
