"""The outer loop behind ``jaxgan tune``: rounds of populations, a trial
store, the best member, resuming.

``search.method`` picks the schedule:

* ``bayes``, ``random``, ``grid`` (:mod:`jaxgan.search.methods`): each round
  asks ``search.population`` points, trains them together (one compiled
  program per static bucket) for ``train.num_steps`` steps, and tells the
  objective back, until ``search.num_trials`` trials are stored.
* ``halving`` and ``pbt`` (:mod:`jaxgan.search.schedules`): members continue
  from their state across rounds.

Example:
  >>> cfg = jaxgan.get_config()
  >>> cfg.search.method = 'random'
  >>> best = tune(cfg, '/tmp/search')
  >>> best['metrics']['modes'], best['hparams']['lr_d']
"""

import os
import time
from typing import Callable, Sequence

import ml_collections
import numpy as np

from jaxgan import config, data, distributed, metrics, population, run
from jaxgan.search import (members, methods, monitor, report, results,
                           schedules, trackers)
from jaxgan.search.space import Space
from jaxgan.search.store import TrialStore

SCHEDULES = {'halving': schedules.halving, 'pbt': schedules.population_based}
TRANSFORMS = ('log', 'none')


def objectives(cfg: ml_collections.ConfigDict) -> list[str]:
  """The metrics an evaluation of ``cfg``'s data reports where lower is
  better: the possible objectives."""
  names = metrics.NAMES[data.DATASETS[cfg.data.name].kind]
  return sorted(set(names) & set(metrics.LOWER_IS_BETTER))


def validate(cfg: ml_collections.ConfigDict) -> Space:
  """Checks a config and its search before anything is written or trained.

  Returns:
    The search space.

  Raises:
    ValueError: naming the bad field and value.
  """
  config.validate(cfg)
  s = cfg.search
  method_names = sorted(methods.METHODS) + sorted(SCHEDULES)
  if s.method not in method_names:
    raise ValueError(f'search.method={s.method!r} is not valid; choose one '
                     f'of {method_names}')
  for field in ('num_trials', 'population', 'initial_points', 'grid_points',
                'rungs', 'pbt_interval'):
    config.check_integer(f'search.{field}', s[field], 1)
  config.check_integer('search.eta', s.eta, 2)
  config.check_integer('search.seed', s.seed, 0)
  if s.transform not in TRANSFORMS:
    raise ValueError(f'search.transform={s.transform!r} is not valid; '
                     f'choose one of {list(TRANSFORMS)}')
  if not isinstance(s.baseline, bool):
    raise ValueError(f'search.baseline={s.baseline!r} must be True or False')
  if not 0 < s.pbt_fraction <= 0.5:
    raise ValueError(f'search.pbt_fraction={s.pbt_fraction!r} must be in '
                     '(0, 0.5]')
  names = objectives(cfg)
  if s.objective not in names:
    raise ValueError(f'search.objective={s.objective!r} is not measured on '
                     f'data.name={cfg.data.name!r}; choose one of {names}')
  space = Space.from_config(cfg)
  if s.method == 'pbt':
    schedules.check_pbt(cfg, space)
  return space


def tune(cfg: ml_collections.ConfigDict, workdir: str, force: bool = False,
         mesh=None, log: Callable[[str], None] = print,
         make_population: Callable = population.make_population,
         tracker: Sequence[str] = ('tensorboard',)) -> dict:
  """Runs (or resumes) the search of ``cfg`` in ``workdir``.

  Every trial's curves, evaluations, samples and hyperparameters go to the
  trackers while it trains; ``W/report.md`` and ``W/report.html``
  (:mod:`jaxgan.search.report`) are rewritten after every round.

  Args:
    cfg: the config, with its ``search`` section; it is not modified.
    workdir: where the trial store, checkpoints, best trial, report and
      tracker files go. An existing search there resumes: stored trials are
      not trained again.
    force: continue a workdir made by a different config.
    mesh: a ('pop', 'data') mesh; by default every device on 'pop'.
    log: where progress goes (process 0 only).
    make_population: builds compiled populations (replaceable in tests).
    tracker: names in :data:`jaxgan.search.trackers.TRACKERS`
      (``'tensorboard'``, ``'mlflow'``), or none.

  Returns:
    The best trial's record.

  Raises:
    ValueError: a bad config, search or tracker (before anything is
      written), or a workdir made by another config without ``force``.
  """
  space = validate(cfg)
  unknown = sorted(set(tracker) - set(trackers.TRACKERS))
  if unknown:
    raise ValueError(f'tracker={unknown[0]!r} is not valid; choose from '
                     f'{sorted(trackers.TRACKERS)}')
  mesh = population.make_mesh() if mesh is None else mesh
  main = distributed.is_main_process()
  say = log if main else (lambda _: None)
  opened = None
  if main:
    try:
      store = TrialStore.open(workdir, cfg, force=force)
      opened = store.trials
    except ValueError as e:
      opened = str(e)
  opened = distributed.broadcast_json(opened)
  if isinstance(opened, str):
    raise ValueError(opened)
  if not main:
    store = TrialStore(os.path.join(workdir, 'trials.jsonl'), opened,
                       write=False)
  best = results.Best(workdir, store.trials, write=main)
  if store.trials:
    say(f'resuming {workdir}: {len(store.trials)} trials stored')
  reference = run.reference_metrics(cfg)
  if reference:
    if main:
      run.write_json(os.path.join(workdir, 'reference.json'), reference)
    say('reference: floor (held-out real data) '
        f'{_shown(reference["floor"])}; untrained generator '
        f'{_shown(reference["untrained"])}')
  write_report = lambda: report.write(workdir, cfg, store.trials, reference)
  watch = monitor.Monitor(
      say, [trackers.TRACKERS[name](
          workdir, space.names,
          metrics.NAMES[data.DATASETS[cfg.data.name].kind])
            for name in tracker] if main else [],
      on_round=write_report if main else lambda: None)
  schedule = SCHEDULES.get(cfg.search.method, _ask_tell)
  try:
    schedule(cfg, space, store, best, mesh, watch, make_population)
  finally:
    watch.close()
  if main:
    write_report()
  if best.trial is None:
    raise RuntimeError('no trial produced a finite objective')
  line = f'best: trial {best.trial["id"]}, objective {best.objective:.4g}'
  if reference:
    line += (f' (floor {reference["floor"][cfg.search.objective]:.4g}, untrained '
             f'{reference["untrained"][cfg.search.objective]:.4g})')
  say(f'{line}; {os.path.join(workdir, "best")}, '
      f'{os.path.join(workdir, "report.html")}')
  return best.trial


def _shown(values: dict) -> str:
  return ', '.join(f'{k} {v:.4g}' for k, v in sorted(values.items()))


def _ask_tell(cfg, space: Space, store: TrialStore, best: results.Best,
              mesh, watch: monitor.Monitor, make_population) -> None:
  """Rounds of ask, train, tell until ``search.num_trials`` are stored."""
  s = cfg.search
  method = methods.METHODS[s.method](space, s)
  if s.method == 'grid' and methods.grid_size(space, s.grid_points) < (
      s.num_trials):
    watch.say(f'the grid has {methods.grid_size(space, s.grid_points)} points, '
        f'fewer than search.num_trials={s.num_trials}: it is visited again')
  told = [t for t in store.trials if space.contains(t['setting'])]
  method.tell([space.point(t['setting']) for t in told],
              [np.inf if t['objective'] is None else t['objective']
               for t in told])
  budget = sum(t['steps'] for t in store.trials)
  round_ = 1 + max((t['round'] for t in store.trials), default=-1)
  next_id = 1 + max((t['id'] for t in store.trials), default=-1)
  while len(store.trials) < s.num_trials:
    n = min(s.population, s.num_trials - len(store.trials))
    first = (methods.baseline(cfg, space, watch.say) if not store.trials
             else [])
    points = distributed.broadcast_json(
        first + method.ask(n - len(first)) if store.write else None)
    settings = [space.setting(p) for p in points]
    start, trained = time.perf_counter(), []
    groups = population.buckets(cfg, settings)
    watch.begin(f'round {round_ + 1}', sum(
        len(b.indices) * b.cfg.train.num_steps for b in groups),
        best.objective)
    for bucket in groups:
      ids = next_id + np.asarray(bucket.indices)
      m = members.start(bucket, ids, [points[i] for i in bucket.indices],
                        mesh, make_population)
      trained.append(members.train_to(m, bucket.cfg.train.num_steps,
                                      s.objective, watch.chunk))
    seconds = time.perf_counter() - start
    member_steps = sum(len(m.ids) * m.steps for m in trained)
    budget += member_steps
    records = {}
    for m in trained:
      recs = members.records(m, s.objective)
      for rec, point in zip(recs, m.points):
        rec.update(round=round_, setting=dict(zip(space.names, point)),
                   seconds=seconds, budget=budget, parent=None)
      best.update(m, recs)
      records.update((r['id'], r) for r in recs)
    for i in sorted(records):
      store.append(records[i])
      watch.stored(records[i])
    method.tell(points, [np.inf if records[next_id + i]['objective'] is None
                         else records[next_id + i]['objective']
                         for i in range(n)])
    watch.end(results.progress(store, best, f'round {round_ + 1}', n,
                               seconds, member_steps, s.num_trials))
    round_, next_id = round_ + 1, next_id + n
