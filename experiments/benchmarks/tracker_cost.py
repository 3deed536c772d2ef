"""What the experiment trackers cost the training thread, per chunk and per
trial.

A search hands every chunk (a round of 8 members of the default grid-25
config: curve windows, the evaluation and 512 samples per member) to its
trackers. This script times, side by side in one process (medians of
repeats), how long the training thread is held:

* ``inline``: each tracker's ``chunk`` called on the training thread (how
  jaxgan wrote events before the writer thread);
* ``background``: :class:`jaxgan.search.trackers.Background.chunk`, which
  queues the chunk for the writer thread;

and, for each tracker, the writer thread's own time per chunk and per
trial (its run opened, 10 chunks logged, the trial's record written and
closed). ``wandb`` and ``mlflow`` are timed when installed (W&B offline).

  python experiments/benchmarks/tracker_cost.py --json results.json
  python experiments/benchmarks/tracker_cost.py --smoke
"""

import argparse
import importlib.util
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np

from jaxgan import config
from jaxgan.search import members, trackers
from jaxgan.search.history import CURVE_WINDOWS, CURVES
from jaxgan.search.trial import Trial

MEMBERS = 8


def chunk_of(cfg, ids: np.ndarray, steps: int, rng) -> members.Chunk:
  """A chunk shaped as the search makes them for ``cfg``."""
  n, windows = len(ids), min(CURVE_WINDOWS, cfg.train.chunk_steps)
  curves = {k: rng.normal(size=(n, windows)) for k in CURVES}
  curves['step'] = steps - cfg.train.chunk_steps + np.linspace(
      cfg.train.chunk_steps / windows, cfg.train.chunk_steps, windows
  ).astype(int)
  quality = {k: rng.uniform(size=n) for k in ('partition_kl', 'modes',
                                              'high_quality', 'reverse_kl')}
  samples = rng.normal(0, 3, (n, members.WATCHED_SAMPLES['points'], 2))
  return members.Chunk(cfg=cfg, ids=ids, steps=steps,
                       chunk=cfg.train.chunk_steps, curves=curves,
                       quality=quality, samples=samples.astype(np.float32),
                       best_objective=quality['partition_kl'])


def record_of(trial_id: int, steps: int) -> Trial:
  """A stored trial's record, as trackers receive it."""
  return Trial.from_json(dict(
      id=trial_id, round=0, setting={'lr_d': 1e-3}, objective=0.2,
      hparams={'lr_d': 1e-3, 'lr_g': 1e-3, 'loss': 'hinge'}, bucket={},
      metrics={'partition_kl': 0.2, 'modes': 25.0}, best_step=steps,
      steps=steps, status='finished', losses={}, diverged=False,
      curves={}, evaluations={}, flags={}, seconds=1.0, budget=steps))


def time_tracker(name: str, chunks: int, repeats: int, rng) -> dict:
  """Per chunk: the training thread's wait inline and with the writer
  thread; per trial: the tracker's whole cost for :data:`MEMBERS` trials
  over ``chunks`` chunks."""
  cfg = config.get_config()
  inline, queued, per_trial = [], [], []
  for r in range(repeats):
    with tempfile.TemporaryDirectory() as workdir:
      ids = np.arange(MEMBERS) + 100 * r
      start = time.perf_counter()
      tracker = trackers.TRACKERS[name](workdir, ['lr_d'], ['partition_kl'])
      opened = time.perf_counter() - start
      work = [chunk_of(cfg, ids, (k + 1) * cfg.train.chunk_steps, rng)
              for k in range(chunks)]
      for chunk in work:
        start = time.perf_counter()
        tracker.chunk(chunk)
        inline.append(time.perf_counter() - start)
      start = time.perf_counter()
      for i in ids:
        tracker.trial(record_of(int(i), chunks * cfg.train.chunk_steps))
      tracker.close()
      per_trial.append((sum(inline[-chunks:]) + time.perf_counter() - start
                        + opened) / MEMBERS)
    with tempfile.TemporaryDirectory() as workdir:
      writer = trackers.Background([trackers.TRACKERS[name](
          workdir, ['lr_d'], ['partition_kl'])])
      for chunk in [chunk_of(cfg, np.arange(MEMBERS), (k + 1) *
                             cfg.train.chunk_steps, rng)
                    for k in range(chunks)]:
        start = time.perf_counter()
        writer.chunk(chunk)
        queued.append(time.perf_counter() - start)
      writer.close()
  return dict(tracker=name, inline_ms=1e3 * statistics.median(inline),
              background_ms=1e3 * statistics.median(queued),
              per_trial_ms=1e3 * statistics.median(per_trial))


def installed(name: str) -> bool:
  """Whether the package a tracker needs is installed."""
  return importlib.util.find_spec(name) is not None


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--json', help='write the results here')
  parser.add_argument('--smoke', action='store_true',
                      help='one repeat of 2 chunks, tensorboard only')
  args = parser.parse_args()
  os.environ.setdefault('WANDB_MODE', 'offline')
  rng = np.random.default_rng(0)
  names = ['tensorboard'] if args.smoke else [
      n for n in trackers.TRACKERS if installed(n)]
  chunks, repeats = (2, 1) if args.smoke else (10, 5)
  rows = [time_tracker(n, chunks, repeats, rng) for n in names]
  print(f'{"tracker":12} {"inline ms/chunk":>16} {"background ms/chunk":>20} '
        f'{"ms/trial":>9}')
  for r in rows:
    print(f'{r["tracker"]:12} {r["inline_ms"]:16.1f} '
          f'{r["background_ms"]:20.3f} {r["per_trial_ms"]:9.0f}')
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(dict(machine=platform.processor() or platform.machine(),
                     members=MEMBERS, chunks=chunks, repeats=repeats,
                     rows=rows), f, indent=1)


if __name__ == '__main__':
  main()
