"""What sharing a study between workers costs and buys on this machine
(:mod:`jaxgan.search.shared`), against a throwaway PostgreSQL
(:mod:`jaxgan.search.postgres`).

* ``workers``: the grid-25 search (``--trials`` trials of the default config,
  Optuna's TPE, no confirmation) by one worker holding every CPU core, one
  JAX device each (``search.population`` = the devices), and by one worker
  per core, pinned to it (population 1 each): the same trials in flight, for each of ``--seeds``
  search seeds, interleaved. Trials per minute (stored trials over the wall
  time from the first worker's start to the last one's end, compilation
  included), the study's best objective, and the best of the trials the
  search chose (trial 0 is the config's own setting).
* ``database``: the seconds a worker spends in the database per trial:
  claiming, placing, storing (the record and samples of a trial from the
  runs above) and mirroring what was stored, over ``--db_trials`` trials;
  and Optuna's ask and tell in the shared study.
* ``death``: the seconds from SIGKILL of a worker that holds running trials
  to another worker claiming them (``--lease``; heartbeats and looks come
  every quarter lease, and a busy worker looks when its round ends),
  ``--deaths`` times.

  python experiments/benchmarks/shared_study.py --json results.json
  python experiments/benchmarks/shared_study.py --smoke
"""

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from jaxgan import config
from jaxgan.search import postgres, shared
from jaxgan.search.methods import optuna_samplers
from jaxgan.search.shared import Shared, Study
from jaxgan.search.space import Space
from jaxgan.search.store import read

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SMOKE = ['--config.model.width=8', '--config.model.depth=2',
         '--config.train.batch_size=16', '--config.train.num_steps=500',
         '--config.train.chunk_steps=250', '--config.train.eval_samples=64']


def _worker(url, name, workdir, cores, flags, log):
  """A ``jaxgan tune`` worker pinned to ``cores`` (``taskset``; one JAX
  device per core: on a CPU a worker's devices are its cores)."""
  os.makedirs(os.path.dirname(log), exist_ok=True)
  with open(log, 'w') as f:
    return subprocess.Popen(
        ['taskset', '-c', ','.join(map(str, cores)), sys.executable, '-m',
         'jaxgan', 'tune', f'--storage={url}', f'--study={name}',
         f'--workdir={workdir}', '--tracker=none', '--quiet',
         '--config.search.confirm_top=0', *flags],
        cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
        env=dict(os.environ, JAX_NUM_CPU_DEVICES=str(len(cores))))


def _finish(proc, log) -> None:
  if proc.wait():
    with open(log) as f:
      raise RuntimeError(f'a worker failed:\n{f.read()}')


def workers(url, root, args, cores, extra) -> list[dict]:
  """One worker on every core against one worker per core."""
  rows = []
  for seed in range(args.seeds):
    for arm, groups in (('one worker', [cores]),
                        ('one per device', [[c] for c in cores])):
      name = f'{arm.replace(" ", "-")}-{seed}'
      n, each = len(groups), len(groups[0])
      flags = [f'--config.search.num_trials={args.trials}',
               f'--config.search.population={each}',
               f'--config.search.seed={seed}', *extra]
      began = time.perf_counter()
      procs = [(_worker(url, name, f'{root}/{name}/w{i}', group, flags,
                        f'{root}/{name}/w{i}.log'), f'{root}/{name}/w{i}.log')
               for i, group in enumerate(groups)]
      for proc, log in procs:
        _finish(proc, log)
      seconds = time.perf_counter() - began
      trials = read(f'{root}/{name}/w0')
      rows.append(dict(arm=arm, seed=seed, workers=n, devices_each=each,
                       trials=len(trials), seconds=seconds,
                       per_minute=60 * len(trials) / seconds,
                       best=min(t.objective for t in trials
                                if t.objective is not None),
                       searched=min(t.objective for t in trials
                                    if t.objective is not None and t.id),
                       workdir=f'{root}/{name}/w0'))
      print(f"{arm:15} seed {seed}: {len(trials)} trials in {seconds:.0f} s, "
            f"best {rows[-1]['best']:.4g}", flush=True)
  return rows


def database(url, workdir, n: int) -> dict:
  """Seconds per trial in the database, medians over ``n`` trials."""
  cfg = config.get_config()
  cfg.search.num_trials = n
  study = Study.join(Shared(url, 'database'), cfg)
  trial = read(workdir)[0]
  path = os.path.join(workdir, 'samples', f'trial_{trial.id:04d}.npz')
  with open(path, 'rb') as f:
    samples = f.read()
  sampler = optuna_samplers.Shared(Space.from_config(cfg), cfg.search, study)
  times = {k: [] for k in ('claim', 'place', 'store', 'mirror', 'ask',
                           'tell')}
  seq = -1
  for _ in range(n):
    clock = time.perf_counter()
    [claim] = study.claim(1)
    times['claim'].append(time.perf_counter() - clock)
    clock = time.perf_counter()
    [(point, ask)] = sampler.ask([claim.setting])
    times['ask'].append(time.perf_counter() - clock)
    clock = time.perf_counter()
    study.place([claim._replace(point=point, ask=ask)])
    times['place'].append(time.perf_counter() - clock)
    clock = time.perf_counter()
    study.store(trial.replace(id=claim.setting), samples)
    times['store'].append(time.perf_counter() - clock)
    clock = time.perf_counter()
    seq = max([seq] + [s for s, _, _ in study.stored(seq)])
    times['mirror'].append(time.perf_counter() - clock)
    clock = time.perf_counter()
    sampler.tell([ask], [point], [trial.objective])
    times['tell'].append(time.perf_counter() - clock)
  study.close()
  out = {k: statistics.median(v) for k, v in times.items()}
  out['record_bytes'] = len(json.dumps(trial.to_json()))
  out['samples_bytes'] = len(samples)
  return out


def deaths(url, root, args, cores, extra) -> list[float]:
  """Seconds from a worker's SIGKILL to its trials' next claim."""
  out = []
  flags = ['--config.search.num_trials=1000', '--config.search.population=1',
           f'--lease={args.lease}', *extra]
  for k in range(5 * args.deaths):
    if len(out) == args.deaths:
      break
    name = f'death-{k}'
    reader = Study(Shared(url, name), shared.engine(url), -1, 0.0, None)
    logs = [f'{root}/{name}/w{i}.log' for i in range(2)]
    a = _worker(url, name, f'{root}/{name}/w0', cores[:1], flags, logs[0])
    while not _held(reader, 0):
      time.sleep(0.05)
    b = _worker(url, name, f'{root}/{name}/w1', cores[-1:], flags, logs[1])
    while not _held(reader, 1):
      time.sleep(0.05)
    a.send_signal(signal.SIGKILL)
    killed = time.perf_counter()
    a.wait()
    held = _held(reader, 0)    # none if it died between storing and claiming
    while held and all(c['tries'] == 1 for c in reader.claims()
                       if c['id'] in held):
      time.sleep(0.05)
    if held:
      out.append(time.perf_counter() - killed)
      print(f'death {k}: retried after {out[-1]:.1f} s', flush=True)
    b.send_signal(signal.SIGKILL)
    b.wait()
    reader.close()
  return out


def _held(reader: Study, worker: int) -> list[int]:
  try:
    return [c['id'] for c in reader.claims()
            if c['worker'] == worker and c['state'] == 'running']
  except Exception:   # pylint: disable=broad-except
    return []       # the tables are not made yet


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--trials', type=int, default=16)
  parser.add_argument('--seeds', type=int, default=3)
  parser.add_argument('--db_trials', type=int, default=100)
  parser.add_argument('--lease', type=float, default=10.0)
  parser.add_argument('--deaths', type=int, default=3)
  parser.add_argument('--json', default='')
  parser.add_argument('--smoke', action='store_true',
                      help='a tiny model, 4 trials, 1 seed, 10 database '
                      'trials, 1 death with a 2 s lease')
  args = parser.parse_args()
  extra = []
  if args.smoke:
    args.trials, args.seeds, args.db_trials = 4, 1, 10
    args.lease, args.deaths = 2.0, 1
    extra = SMOKE
  cores = sorted(os.sched_getaffinity(0))
  devices = len(cores)
  with postgres.Server() as server, tempfile.TemporaryDirectory() as root:
    rows = workers(server.url, root, args, cores, extra)
    db = database(server.url, rows[0]['workdir'], args.db_trials)
    died = deaths(server.url, root, args, cores, extra)
  machine = platform.processor() or platform.machine()
  print(f'\n{machine}, {devices} CPU devices\n')
  print('| arm | workers × devices | trials/min (median) | study best '
        '(median, min–max) | best searched, trial 0 (the config\'s own '
        'setting) aside |\n|---|---|---|---|---|')
  spread = lambda v: (f'{statistics.median(v):.4g} ({min(v):.4g}–'
                      f'{max(v):.4g})')
  for arm in ('one worker', 'one per device'):
    mine = [r for r in rows if r['arm'] == arm]
    print(f"| {arm} | {mine[0]['workers']} × {mine[0]['devices_each']} | "
          f"{statistics.median(r['per_minute'] for r in mine):.1f} | "
          f"{spread([r['best'] for r in mine])} | "
          f"{spread([r['searched'] for r in mine])} |")
  print('\ndatabase, ms per trial (median): ' + ', '.join(
      f'{k} {1e3 * db[k]:.1f}' for k in ('claim', 'ask', 'place', 'store',
                                         'mirror', 'tell'))
        + f"; record {db['record_bytes']:,} B, samples "
        f"{db['samples_bytes']:,} B")
  print(f'death to retry (lease {args.lease:g} s): '
        + ', '.join(f'{s:.1f} s' for s in died))
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(dict(machine=machine, devices=devices, workers=[
          {k: v for k, v in r.items() if k != 'workdir'} for r in rows],
                     database=db, deaths=died, lease=args.lease), f,
                indent=1)


if __name__ == '__main__':
  main()
