"""``jaxgan tune``: validate once, lock the workdir, open the trial store,
and run the search's rounds.

Where each piece lives:

* :mod:`~jaxgan.search.space`: the ranges of ``search.space``;
* :mod:`~jaxgan.search.method`: each ``search.method`` as one object, with
  its scheduler (:mod:`~jaxgan.search.schedulers`: what it trains in each
  round, over the ask/tell methods of :mod:`~jaxgan.search.methods`);
* :mod:`~jaxgan.search.rounds`: the one round loop, its budget and its
  checkpoint of running members;
* :mod:`~jaxgan.search.members` (device state) and
  :mod:`~jaxgan.search.history` (each member's host history);
* :mod:`~jaxgan.search.trial` (the record), :mod:`~jaxgan.search.store`
  (``trials.jsonl``), :mod:`~jaxgan.search.results` (``W/best/``);
* observers: :mod:`~jaxgan.search.monitor`, :mod:`~jaxgan.search.trackers`,
  :mod:`~jaxgan.search.report`.

Example:
  >>> cfg = jaxgan.get_config()
  >>> cfg.search.method = 'random'
  >>> best = tune(cfg, '/tmp/search')
  >>> best.metrics['modes'], best.hparams['lr_d']
"""

import os
from typing import Sequence

import jax
import ml_collections

from jaxgan import (config, distributed, metrics, population, run, train,
                    validation)
from jaxgan.files import WorkdirLock, write_json
from jaxgan.files import read_json
from jaxgan.search import (confirm, monitor, pareto, report, results,
                           schedulers, sizing, stages, trackers)
from jaxgan.search.confirmed import Confirmation
from jaxgan.search.method import METHODS
from jaxgan.search.monitor import Output
from jaxgan.search.rounds import Budget, Context, RoundRunner, Trainer
from jaxgan.search.schedulers import WARM_START
from jaxgan.search.shared import (Claimed, Heartbeat, Shared, SharedStore,
                                  Study, mirror_confirmation)
from jaxgan.search.shared import check as check_shared
from jaxgan.search.space import Space
from jaxgan.search.store import TrialStore
from jaxgan.search.store import read as read_store
from jaxgan.search.trial import Trial

TRANSFORMS = ('log', 'none')


def objectives(cfg: ml_collections.ConfigDict) -> list[str]:
  """The metrics an evaluation of ``cfg`` reports that have a direction
  (:func:`jaxgan.metrics.declared_directions`): the possible
  objectives."""
  declared = metrics.declared_directions(cfg)
  return sorted(n for n in train.metric_names(cfg) if n in declared)


def validate(cfg: ml_collections.ConfigDict) -> Space | None:
  """Checks a config and its search before anything is written or trained;
  with ``search.stages``, every stage's search (at the config's values for
  what earlier stages will fix).

  An empty ``search.objective`` is checked as the data's default
  (:func:`jaxgan.validation.with_objective`).

  Returns:
    The search space (None for a staged search).

  Raises:
    ValueError: naming the bad field and value.
  """
  cfg = validation.with_objective(cfg)
  if cfg.search.stages:
    validation.validate(cfg)
    for k, stage in enumerate(stages.check(cfg)):
      _validate_search(stages.stage_config(cfg, stage, k, None, None))
    return None
  return _validate_search(cfg)


def _validate_search(cfg: ml_collections.ConfigDict) -> Space:
  validation.validate(cfg)
  s = cfg.search
  method = METHODS.lookup(s.method)
  if s.population != sizing.AUTO:
    try:
      config.check_integer('search.population', s.population, 1)
    except ValueError:
      raise ValueError(f'search.population={s.population!r} must be an '
                       f"integer >= 1 or {sizing.AUTO!r}") from None
  for field in ('num_trials', 'initial_points', 'grid_points',
                'rungs', 'pbt_interval', 'min_steps', 'seeds',
                'confirm_seeds', 'confirm_max_seeds'):
    config.check_integer(f'search.{field}', s[field], 1)
  config.check_integer('search.confirm_top', s.confirm_top, 0)
  confirm.check(cfg)
  schedulers.check_statistic(s.seed_statistic)
  if s.seeds > 1:
    for field in ('num_trials', 'population'):
      if s[field] != sizing.AUTO and s[field] % s.seeds:
        raise ValueError(f'search.{field}={s[field]} must be a multiple of '
                         f'search.seeds={s.seeds}: it counts trials, and '
                         'every setting trains that many seeds')
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
  Budget.parse(s.budget)
  if s.direction not in ('', 'min', 'max'):
    raise ValueError(f"search.direction={s.direction!r} must be 'min', "
                     "'max' or '' (the metric's own)")
  names = objectives(cfg)
  measured = train.metric_names(cfg)
  if s.objective in measured and s.objective not in names and not s.direction:
    raise ValueError(f'search.objective={s.objective!r} is measured, but its '
                     "metric declares no direction: set search.direction="
                     "'min' or 'max'")
  if s.objective not in names and not (s.direction and s.objective in
                                       measured):
    raise ValueError(f'search.objective={s.objective!r} is not measured on '
                     f'data.name={cfg.data.name!r} with a direction; choose '
                     f'one of {names} (a registered metric is measured when '
                     'eval.metrics lists it)')
  extra = [n.strip() for n in str(s.pareto).split(',') if n.strip()]
  for name in extra:
    if name not in names or name == s.objective or extra.count(name) > 1:
      raise ValueError(f'search.pareto={s.pareto!r}: {name!r} is not '
                       'another objective measured here; choose from '
                       f'{[n for n in names if n != s.objective]}')
  space = Space.from_config(cfg)
  if s.seeds > 1 and 'seed' in space.names:
    raise ValueError(f'search.seeds={s.seeds} sets the seed of every trial; '
                     'search.space.seed searches it: use one of them')
  method.check(cfg, space)
  return space


def tune(cfg: ml_collections.ConfigDict, workdir: str, force: bool = False,
         warm_start: str = '', output: Output = Output(),
         trainer: Trainer = Trainer(), shared: Shared | None = None
         ) -> Trial:
  """Runs (or resumes) the search of ``cfg`` in ``workdir``.

  Every trial's curves, evaluations, samples and hyperparameters go to the
  trackers while it trains; ``W/report.md`` and ``W/report.html``
  (:mod:`jaxgan.search.report`) are rewritten after rounds. The workdir is
  locked while the search runs: a second search on it is refused at once.

  Args:
    cfg: the config, with its ``search`` section; it is not modified.
    workdir: where the trial store, checkpoints, best trial, report and
      tracker files go. An existing search there resumes: stored trials are
      not trained again.
    force: continue a workdir made by a different config.
    warm_start: an earlier search's workdir (same names searched, ranges
      may differ) whose trials in this space a model-based method
      (:attr:`jaxgan.search.SearchMethod.warm`) is told first. Without a
      baseline trial, its answer is trained first and is the incumbent
      (``W/warm_start.json``).
    output: where progress goes: lines, trackers, bars
      (:class:`jaxgan.search.monitor.Output`).
    trainer: the device mesh and how populations are built
      (:class:`jaxgan.search.rounds.Trainer`).
    shared: a study in a database that this process joins as one of its
      workers (:mod:`jaxgan.search.shared`); ``workdir`` then mirrors it.

  Returns:
    The best trial (of the last stage, for a staged search): after a
    confirmation, the best trial of the answer's setting
    (:mod:`jaxgan.search.confirm`; ``W/best/`` holds its fresh numbers).

  Raises:
    ValueError: a bad config, search or tracker (before anything is
      written), or a workdir made by another config without ``force``.
    RuntimeError: another process holds the workdir.
  """
  cfg = validation.with_objective(cfg)
  space = validate(cfg)
  trackers.check(output.tracker)
  if shared is not None:
    _check_shared(cfg, shared, warm_start)
  mesh = population.make_mesh() if trainer.mesh is None else trainer.mesh
  devices = mesh.shape[population.POP]
  method = METHODS.lookup(cfg.search.method)
  if (not method.padded and cfg.search.population != sizing.AUTO
      and cfg.search.population % devices):
    raise ValueError(f'search.population={cfg.search.population} must be a '
                     f"multiple of the mesh's 'pop' axis ({devices} devices) "
                     f'for search.method={cfg.search.method!r}, whose '
                     'members are never padded')
  main = distributed.is_main_process()
  say = output.log if main else (lambda _: None)
  prior, warm = (_prior(cfg, space, warm_start, main) if warm_start
                 else ([], None))
  shown = output._replace(log=say, tracker=output.tracker if main else (),
                          quiet=output.quiet or not main)
  with WorkdirLock(workdir, enabled=main):
    cfg = sizing.resolve(cfg, mesh, trainer.make_population, workdir,
                         method, main, say)
    context = Context(cfg, space, workdir, mesh, trainer.make_population,
                      main)
    if cfg.search.stages:
      return _staged(context, shown, force)
    if shared is None:
      return _tune(context, shown, force, prior, warm)
    study = Study.join(shared, cfg)
    try:
      with Heartbeat(study, say):
        return _tune(context._replace(study=study), shown, force)
    finally:
      study.close()


def _check_shared(cfg: ml_collections.ConfigDict, shared: Shared,
                  warm_start: str) -> None:
  """Raises a ValueError naming what cannot run as one worker of a shared
  study (before anything is written)."""
  check_shared(shared)
  s = cfg.search
  can = [n for n, m in METHODS.items() if m.shared is not None]
  if METHODS.lookup(s.method).shared is None:
    raise ValueError(f'--storage: search.method={s.method!r} keeps its state '
                     'in one process and cannot share a study between '
                     f'workers; use one of {can}')
  if s.stages:
    raise ValueError('--storage: a staged search (search.stages) cannot be '
                     'shared between workers; share each stage as its own '
                     'study')
  if warm_start:
    raise ValueError(f'--storage with --warm_start={warm_start!r}: a shared '
                     "study's workers cannot each be told an earlier "
                     'search; start it without one')
  if jax.process_count() > 1:
    raise ValueError('--storage: a worker of a shared study is one process; '
                     'run each host as its own worker, without '
                     '--coordinator')


def _prior(cfg, space: Space | None, workdir: str, main: bool
           ) -> tuple[list[Trial], dict]:
  """The trials of ``workdir`` to warm-start ``cfg``'s search with, and
  the warm start's record (``W/warm_start.json``: its workdir and its
  answer's setting, None outside this space).

  Raises:
    ValueError: a staged search or a method that cannot use them, or a
      workdir with no search, another objective or other names.
  """
  s = cfg.search
  if s.stages or not METHODS.lookup(s.method).warm:
    raise ValueError(f'--warm_start={workdir!r}: a warm start informs '
                     f'{[n for n, m in METHODS.items() if m.warm]}, not '
                     + ('a staged search' if s.stages else
                        f'search.method={s.method!r}'))
  found = None
  if main:
    path = os.path.join(workdir, 'config.json')
    if not os.path.exists(path):
      found = f'--warm_start={workdir!r} holds no search (no config.json)'
    else:
      old = ml_collections.ConfigDict(config.with_defaults(read_json(path)))
      old_names = Space.from_config(old).names if not old.search.stages \
          else None
      if old.search.objective != s.objective:
        found = (f'--warm_start={workdir!r} searched '
                 f'{old.search.objective!r}, this search {s.objective!r}')
      elif old_names != space.names:
        found = (f'--warm_start={workdir!r} searched {old_names}, this '
                 f'search searches {space.names}: a warm start needs the '
                 'same names')
      else:
        trials = read_store(workdir)
        found = dict(trials=[t.to_json() for t in trials],
                     answer=_answer(workdir, trials))
  found = distributed.broadcast_json(found)
  if isinstance(found, str):
    raise ValueError(found)
  answer = found['answer']
  return ([t for t in map(Trial.from_json, found['trials'])
           if space.contains(t.setting)],
          dict(workdir=workdir, answer=(
              answer if answer is not None and space.contains(answer)
              else None)))


def _answer(workdir: str, trials: list[Trial]) -> dict | None:
  """The setting of the search in ``workdir``'s answer: the one its
  confirmation chose, else its best trial's (None without one)."""
  done = _confirmed(workdir, True)
  if done is not None and done.answer is not None:
    return done.chosen.setting
  finite = [t for t in trials if t.objective is not None]
  return min(finite, key=lambda t: t.value).setting if finite else None


def _staged(context: Context, shown: Output, force: bool) -> Trial:
  """Runs the stages of ``context.cfg`` one after the other (see
  :mod:`jaxgan.search.stages`)."""
  cfg, workdir, main = context.cfg, context.workdir, context.main
  if main:
    TrialStore.open(workdir, cfg, force=force)
  plan = stages.check(cfg)
  best = space = None
  earlier: list[Trial] = []
  rows = []
  for k, stage in enumerate(plan):
    sub = stages.stage_config(cfg, stage, k, best, space)
    new_space = validate(sub)
    prior = (earlier if space is not None and new_space.names == space.names
             and METHODS.lookup(sub.search.method).warm else [])
    prior = [t for t in prior if new_space.contains(t.setting)]
    directory = stages.directory(workdir, k, stage)
    shown.log(f'stage {k + 1}/{len(plan)}: {stage.name}, searching '
              f'{new_space.names} in {directory}'
              + (f' (told {len(prior)} earlier trials)' if prior else ''))
    with WorkdirLock(directory, enabled=main):
      best = _tune(context._replace(cfg=sub, space=new_space,
                                    workdir=directory), shown, force, prior)
    space = new_space
    earlier = read_store(directory) if main else []
    earlier = [Trial.from_json(t) for t in distributed.broadcast_json(
        [t.to_json() for t in earlier])]
    rows.append(stages.Result(stage.name, directory, best.id, best.objective,
                              best.setting, len(earlier)))
  if main:
    write_json(os.path.join(workdir, 'stages.json'),
               [r.to_json() for r in rows])
    report.write_stages(workdir, cfg, rows)
  return best


def _tune(context: Context, shown: Output, force: bool,
          prior: Sequence[Trial] = (), warm: dict | None = None) -> Trial:
  cfg, space, workdir = context.cfg, context.space, context.workdir
  main, say = context.main, shown.log
  study = context.study
  if study is not None:
    store = SharedStore.open(workdir, study)
    say(f'worker {study.worker} of study {study.name!r} in {study.url}: '
        f'{len(store.trials)} trials stored')
  else:
    store = _open(context, force, warm)
  # A worker of a shared study keeps, in W/best, the best of its own trials.
  best = results.Best(workdir, store.trials if study is None else [],
                      write=main)
  if store.trials and study is None:
    say(f'resuming {workdir}: {len(store.trials)} trials stored')
  reference = run.reference_metrics(cfg)
  if reference is not None:
    if main:
      write_json(os.path.join(workdir, 'reference.json'),
                 reference.to_json())
    if study is not None and study.reference() is None:
      study.set_reference(reference.to_json())
    say('reference: floor (held-out real data) '
        f'{_shown(reference.floor)}; untrained generator '
        f'{_shown(reference.untrained)}')
  write_report = lambda: report.write(workdir, cfg, store.trials, reference,
                                      space)
  watch = monitor.Monitor(
      shown, trackers.start(shown.tracker, workdir, space.names,
                            train.metric_names(cfg)),
      on_round=write_report if main else lambda: None,
      sign=metrics.sign(cfg, cfg.search.objective),
      trials=(len(store.trials), cfg.search.num_trials))
  method = METHODS.lookup(cfg.search.method)
  scheduler = (method.scheduler(cfg, space, watch.say, workdir)
               if study is None else Claimed(
                   cfg, space, watch.say, store,
                   method.shared(cfg, space, study)))
  try:
    RoundRunner(context, scheduler, store, best, watch).run(
        prior, _learned(workdir, main) if method.warm and study is None
        else ())
  finally:
    watch.close()
  if study is not None:
    store.refresh()
    if store.refused:
      say(f'trials {store.refused} were not stored from here: their lease '
          'lapsed and another worker retrained them')
  top = best.trial if study is None else min(
      (t for t in store.trials if t.objective is not None),
      key=lambda t: (t.value, t.id), default=None)
  if top is None:
    if main:
      write_report()
    raise RuntimeError('no trial produced a finite objective')
  done = _confirm(context, store, say, best)
  if main:
    if cfg.search.pareto:
      write_json(os.path.join(workdir, 'pareto.json'),
                 pareto.study(cfg, store.trials))
    write_report()
  if done is None or done.answer is None:
    trial = top
    line = f'best: trial {trial.id}, objective {trial.objective:.4g}'
  else:
    trial = next(t for t in store.trials if t.id == done.chosen.trial)
    line = f'best: {confirm.summary(done, cfg.search.objective)}'
  if reference is not None:
    line += (f' (floor {reference.floor[cfg.search.objective]:.4g}, '
             f'untrained {reference.untrained[cfg.search.objective]:.4g})')
  say(f'{line}; {os.path.join(workdir, "best")}, '
      f'{os.path.join(workdir, "report.html")}')
  return trial


def _open(context: Context, force: bool, warm: dict | None) -> TrialStore:
  """The workdir's trial store, opened on process 0 and broadcast; a new
  one records the warm start it begins from (``W/warm_start.json``)."""
  cfg, workdir, main = context.cfg, context.workdir, context.main
  opened = None
  if main:
    try:
      opened = [t.to_json() for t in TrialStore.open(workdir, cfg,
                                                     force=force).trials]
    except ValueError as e:
      opened = str(e)
  opened = distributed.broadcast_json(opened)
  if isinstance(opened, str):
    raise ValueError(opened)
  store = TrialStore(os.path.join(workdir, 'trials.jsonl'),
                     [Trial.from_json(t) for t in opened], write=main)
  warm_file = os.path.join(workdir, WARM_START)
  if main and not store.trials:
    # What the search starts from: its first round and incumbent read it.
    if warm is not None:
      write_json(warm_file, warm)
    elif os.path.exists(warm_file):
      os.remove(warm_file)
  return store


def _confirm(context: Context, store: TrialStore, say, best: results.Best
             ) -> Confirmation | None:
  """Decides the answer with fresh seeds (:mod:`jaxgan.search.confirm`),
  it into ``W/best/``, unless ``W/confirm.json`` already holds it for these
  trials; returns the confirmation (None without one)."""
  cfg, workdir, study = context.cfg, context.workdir, context.study
  s = cfg.search
  if not s.confirm_top or not METHODS.lookup(s.method).confirmed:
    return None
  if study is not None:
    holder = study.claim_confirmation()
    if holder is not None:
      done = mirror_confirmation(study, workdir)
      if done is not None:
        return Confirmation.from_json(done)
      say(f'worker {holder} is confirming the answer: `jaxgan report '
          f'--storage={study.url} --study={study.name} --workdir=OUT` '
          'rebuilds the report once it has')
      return None
  else:
    done = _confirmed(workdir, best.write)
    if done is not None and done.trials == len(store.trials) and done.answer:
      return done
  rule = confirm.rule(cfg)
  say(f'confirming: the incumbent and the top {s.confirm_top} settings with '
      f'{rule.first} fresh seeds each'
      + (f', up to {rule.most} where a contender\'s order is open'
         if rule.most > rule.first else ''))
  done = confirm.confirm(context, store.trials, best.fresh)
  if done is None:
    return None
  if best.write:
    write_json(os.path.join(workdir, confirm.FILE), done.to_json())
    if study is None:
      confirm.learn(workdir, done, store.trials)
    else:
      study.set_confirmation(done.to_json())
  a = done.answer
  for k, row in enumerate(done.rows):
    role = (f'incumbent, {a.incumbent_name}' if k == a.incumbent
            else 'contender')
    c, failed, median = row.comparison, a.failures(row), a.median(row)
    values = ' '.join('failed' if f else f'{v:.3g}'
                      for v, f in zip(row.values, failed))
    say(f'confirmed trial {row.trial} ({role}; {s.objective} '
        f'{row.search:.4g} in the search): median '
        + ('none finite' if median is None else f'{median:.4g}')
        + f', {sum(failed)}/{len(row.values)} failed'
        + ('' if c is None else
           f'; against the incumbent: better on {c.wins} of {c.seeds} '
           f'seeds, p = {c.p:.2g} (level {c.level:.2g}): '
           + ('shown better' if c.better else 'not shown better'))
        + f'; seeds {values}')
  return done


def _learned(workdir: str, main: bool) -> list[tuple[int, list[Trial]]]:
  """What the search's earlier confirmations learned
  (:func:`jaxgan.search.confirm.learned`), on every process."""
  found = [(stored, [t.to_json() for t in seeds]) for stored, seeds in
           confirm.learned(workdir)] if main else None
  return [(stored, [Trial.from_json(t) for t in seeds])
          for stored, seeds in distributed.broadcast_json(found)]


def _confirmed(workdir: str, main: bool) -> Confirmation | None:
  """``W/confirm.json``, on every process (None without one)."""
  path = os.path.join(workdir, confirm.FILE)
  done = read_json(path) if main and os.path.exists(path) else None
  done = distributed.broadcast_json(done)
  return None if done is None else Confirmation.from_json(done)


def _shown(values: dict) -> str:
  return ', '.join(f'{k} {v:.4g}' for k, v in sorted(values.items()))
