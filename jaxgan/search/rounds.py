"""The round runner: the one loop every search method runs through.

A round: the scheduler (:mod:`jaxgan.search.schedulers`) plans it; the
runner starts the new settings (one compiled population per static bucket),
trains every running member to the planned step count with an evaluation
after every chunk, builds one :class:`~jaxgan.search.trial.Trial` per
member, asks the scheduler which members continue, checkpoints the
continuing ones (``W/checkpoints/population``) and appends the others'
trials to the store, which passes them to the observers (trackers, the
report). Data flows one way: scheduler -> runner -> store -> observers.

The budget (``search.budget``) is checked before every round: a round that
would train more member-steps than are left starts fewer new settings, or
none; a wall-clock budget stops the search at the first round boundary past
it. Members still running when the budget is spent are stored as stopped.
"""

import math
import os
import time
from typing import Any, Callable, NamedTuple, Sequence

import ml_collections
import numpy as np

from jaxgan import checkpoint, data, distributed, metrics, population
from jaxgan.files import save_trial_samples
from jaxgan.search import members, monitor, pareto, results, trial
from jaxgan.search.history import History
from jaxgan.search.schedulers import (Learned, Plan, Scheduler, Verdict,
                                      outcomes)
from jaxgan.search.space import Space
from jaxgan.search.store import TrialStore

BUDGET_KINDS = ('member_steps', 'seconds')


class Budget(NamedTuple):
  """How much a search may train (``search.budget``); None: no cap.

  Attributes:
    member_steps: training steps summed over members.
    seconds: wall seconds of the search's rounds: asking for their points,
      training, evaluating and storing them.
  """
  member_steps: int | None = None
  seconds: float | None = None

  @classmethod
  def parse(cls, text: str) -> 'Budget':
    """Reads ``''``, ``'member_steps:N'`` or ``'seconds:S'``.

    Raises:
      ValueError: naming ``search.budget`` and the value.
    """
    if text == '':
      return cls()
    kind, _, amount = str(text).partition(':')
    try:
      value = float(amount)
    except ValueError:
      value = math.nan
    if kind not in BUDGET_KINDS or not (math.isfinite(value) and value > 0):
      raise ValueError(f'search.budget={text!r} is not valid; use '
                       "'member_steps:N' or 'seconds:S' with N, S > 0, or "
                       "'' for none")
    if kind == 'member_steps':
      return cls(member_steps=int(value))
    return cls(seconds=value)

  def spent(self, member_steps: int, seconds: float) -> bool:
    """Whether nothing is left."""
    return ((self.member_steps is not None
             and member_steps >= self.member_steps)
            or (self.seconds is not None and seconds >= self.seconds))


def _stopped(t: trial.Trial) -> trial.Trial:
  """``t`` stopped early: status ``'stopped'``, unless it diverged."""
  return t if t.diverged else t.replace(status='stopped')


class Trainer(NamedTuple):
  """Where a search's populations train and how they are built.

  Attributes:
    mesh: a ('pop', 'data') device mesh; None: every device on 'pop'.
    make_population: builds compiled populations
      (:func:`jaxgan.population.make_population`; replaceable in tests).
  """
  mesh: Any = None
  make_population: Callable = population.make_population


class Context(NamedTuple):
  """What the parts of one search share.

  Attributes:
    cfg: the validated config.
    space: its search space.
    workdir: the search's directory.
    mesh: the ('pop', 'data') device mesh.
    make_population: builds compiled populations.
    main: whether this process writes the search's files.
    study: the shared study this process is a worker of
      (:class:`jaxgan.search.shared.Study`); None: the workdir's own.
  """
  cfg: ml_collections.ConfigDict
  space: Space | None
  workdir: str
  mesh: Any
  make_population: Callable = population.make_population
  main: bool = True
  study: Any = None


class RoundRunner:
  """Runs a scheduler's rounds over populations (see the module docstring).

  Args:
    context: the search's :class:`Context`.
    scheduler: the search method.
    store: the trial store; its trials are the search so far.
    best: the best trial (``W/best/``, ``W/checkpoints/best``).
    watch: progress, trackers and the report.
  """

  def __init__(self, context: Context, scheduler: Scheduler,
               store: TrialStore, best: results.Best,
               watch: monitor.Monitor):
    cfg = context.cfg
    self.cfg, self.space, self.scheduler = cfg, context.space, scheduler
    self.store, self.best, self.watch = store, best, watch
    self.mesh, self.make_population = context.mesh, context.make_population
    # A shared study's budget is the study's, counted where ids are claimed.
    self.budget = (Budget.parse(cfg.search.budget) if context.study is None
                   else Budget())
    self.directory = os.path.join(context.workdir, 'checkpoints',
                                  'population')
    self.kind = data.for_config(cfg).kind
    self.direction = metrics.direction(cfg, cfg.search.objective)
    self.sign = metrics.sign(cfg, cfg.search.objective)
    self.running: list[tuple[members.Members, History]] = []
    trials = store.trials
    self.member_steps = max((t.budget for t in trials), default=0)
    self.seconds = max((t.elapsed for t in trials), default=0.0)
    self.round = 1 + max((t.round for t in trials), default=-1)
    self.next_id = 1 + max((t.id for t in trials), default=-1)
    self.last_seconds = 0.0

  def run(self, prior: Sequence[trial.Trial] = (),
          learned: Learned = ()) -> None:
    """Resumes, then runs rounds until the scheduler or the budget ends the
    search; ``prior`` are an earlier search's trials to tell the scheduler
    first (a warm start), ``learned`` what its confirmations learned
    (:meth:`Scheduler.resume`)."""
    self.scheduler.resume(self.store.trials, self._resume(), prior, learned)
    while True:
      if self.budget.spent(self.member_steps, self.seconds):
        self._stop_running()
        break
      began = time.perf_counter()
      plan = self.scheduler.plan() if self.store.write else None
      plan = distributed.broadcast_json(
          None if plan is None else plan._asdict())
      plan = None if plan is None else self._fit(Plan(**plan))
      if plan is None:
        self._stop_running()
        break
      self._round(plan, began)

  def _fit(self, plan: Plan) -> Plan | None:
    """The plan cut to the member-steps left: fewer new settings, or None
    when not even the running members fit."""
    if self.budget.member_steps is None:
      return plan
    left = self.budget.member_steps - self.member_steps
    left -= sum(len(h.ids) * (plan.steps - h.steps) for _, h in self.running)
    cost = plan.steps * self.cfg.search.seeds
    if left < 0 or (not self.running and left < cost):
      return None
    n = min(len(plan.points), left // cost)
    if n < len(plan.points):
      self.watch.say(f'budget: {n} of the {len(plan.points)} new settings '
                     'fit in what is left')
    return plan._replace(points=plan.points[:n])

  def _start(self, plan: Plan) -> list[tuple[members.Members, History]]:
    """Members for the plan's new points: ``search.seeds`` each (seeds
    ``hparams.seed``, ``+ 1``, ...), ids in order from the plan's first
    ids or the next free one."""
    k = self.cfg.search.seeds
    points = [p for p in plan.points for _ in range(k)]
    settings = [self.space.setting(p) for p in points]
    if k > 1:
      settings = [dict(s, seed=self.cfg.hparams.seed + i % k)
                  for i, s in enumerate(settings)]
    ids = (self.next_id + np.arange(len(points)) if plan.ids is None else
           np.asarray([i + j for i in plan.ids for j in range(k)], int))
    groups = [int(ids[i - i % k]) if k > 1 else None
              for i in range(len(points))]
    self.next_id = max([self.next_id, *(int(i) + 1 for i in ids)])
    out = []
    for bucket in population.buckets(self.cfg, settings):
      n = len(bucket.indices)
      size = (members.population_size(n, self.mesh) if plan.padded else n)
      m = members.start(bucket, size, self.mesh, self.make_population)
      out.append((m, History.new(ids[bucket.indices],
                                 [points[i] for i in bucket.indices],
                                 groups=[groups[i] for i in bucket.indices])))
    return out

  def _trials(self, groups, seconds: float,
              round_: int) -> list[list[trial.Trial]]:
    """One trial per member of ``groups``, stored by round ``round_``,
    grouped as ``groups``."""
    out = []
    stamp = trial.Stamp(round_, self.cfg.search.objective, self.direction,
                        seconds, self.member_steps, self.seconds)
    for m, h in groups:
      n = len(h.ids)
      hps, diverged = members.host_hparams(m, n), members.diverged(m, n)
      ts = []
      for j in range(n):
        t = trial.build(h, j, trial.Values(
            self.space.labelled(h.points[j]), hps[j], m.static,
            diverged[j], j if self.scheduler.perturbs else None), stamp)
        if self.scheduler.perturbs:
          t = t.replace(setting=self.space.values(t.hparams, t.bucket))
        ts.append(t)
      out.append(ts)
    return out

  def _round(self, plan: Plan, began: float) -> None:
    """Trains ``plan``, stores its trials and tells the scheduler; the
    round's seconds run from ``began``, before its points were asked for,
    to its trials' evaluation, and the budget's to the end of storing."""
    groups = self.running + self._start(plan)
    self.watch.begin(plan.label, sum(len(h.ids) * (plan.steps - h.steps)
                                     for _, h in groups), self.best.value)
    began_at = [h.steps for _, h in groups]
    groups = [members.train_to(m, h, plan.steps, self.cfg.search.objective,
                               self.watch.chunk, self.sign)
              for m, h in groups]
    # Members that all diverged stop early: count what they trained.
    trained = sum(len(h.ids) * (h.steps - steps)
                  for (_, h), steps in zip(groups, began_at))
    seconds = time.perf_counter() - began
    self.member_steps += trained
    previous = self.seconds
    self.seconds += seconds
    self.last_seconds = seconds
    grouped = self._trials(groups, seconds, self.round)
    verdict = self.scheduler.tell(outcomes(
        [t for ts in grouped for t in ts], self.cfg.search.seed_statistic,
        pareto.objectives(self.cfg)))
    if verdict.stopped:
      grouped = [[t if t.id in verdict.keep else _stopped(t) for t in ts]
                 for ts in grouped]
    for (m, h), ts in zip(groups, grouped):
      self._offer(m, ts)
    done = [t for ts in grouped for t in ts
            if verdict.exploit or t.id not in verdict.keep]
    self.running = self._continue(groups, verdict)
    if self.running:
      self._save(done, seconds)
    self._append(done)
    self.watch.end(results.progress(self.store, self.best, results.Round(
        plan.label, sum(len(ts) for ts in grouped), seconds, trained,
        plan.total, self.budget, self.member_steps, self.seconds)))
    self.seconds = previous + time.perf_counter() - began
    self.round += 1

  def _offer(self, m: members.Members, trials: list[trial.Trial]) -> None:
    """Keeps every trial's samples, and the best of them if it beats the
    best so far."""
    samples = members.best_samples(m, results.sample_count(self.cfg),
                                   len(trials))
    if self.store.write:
      for t, x in zip(trials, samples):
        save_trial_samples(os.path.dirname(self.store.path), t.id, x,
                           self.kind)
    self.best.offer(m, trials, samples)

  def _continue(self, groups, verdict: Verdict):
    if verdict.exploit is not None:
      [(m, h)] = groups
      e = verdict.exploit
      m, sources = members.exploit(m, e.key, h.objective, e.rule)
      ids = self.next_id + np.arange(len(h.ids))
      self.next_id += len(h.ids)
      return [(m, History.new(ids, h.points, [int(h.ids[j]) for j in sources],
                              steps=h.steps))]
    out = []
    for m, h in groups:
      js = [j for j, i in enumerate(h.ids) if int(i) in verdict.keep]
      if js:
        out.append((members.keep(m, np.asarray(js), self.mesh,
                                 self.make_population), h.rows(js)))
    return out

  def _append(self, trials: list[trial.Trial]) -> None:
    stored = self.store.ids()
    for t in sorted(trials, key=lambda t: t.id):
      if t.id not in stored:
        self.store.append(t)
        self.watch.stored(t)

  def _stop_running(self) -> None:
    """Stores the members still running (the budget is spent) as
    stopped."""
    if not self.running:
      return
    stopped = [_stopped(t) for ts in self._trials(
        self.running, self.last_seconds, self.round - 1) for t in ts]
    self.running = []
    self._append(stopped)
    self.watch.say(f'budget spent: {len(stopped)} running '
                   f'trial{"s" if len(stopped) > 1 else ""} stored as stopped')

  def _save(self, done: list[trial.Trial], seconds: float) -> None:
    meta = dict(
        round=self.round, budget=self.member_steps, elapsed=self.seconds,
        seconds=seconds, next_id=self.next_id,
        records=[t.to_json() for t in done],
        scheduler=self.scheduler.state(),
        groups=[dict(size=m.pop.size, history=h.to_json())
                for m, h in self.running])
    checkpoint.save(self.directory, self.round,
                    [dict(state=m.state, best_state=m.best_state, hp=m.hp)
                     for m, _ in self.running], meta)

  def _resume(self) -> dict | None:
    """Restores the running members saved at the last round boundary,
    unless the store holds any of their trials (they finished, or were
    stopped by the budget, after it was saved); returns the scheduler's saved
    state (None when nothing was running)."""
    last = checkpoint.latest_step(self.directory)
    if last is None:
      return None
    meta = checkpoint.restore_meta(self.directory, last)
    stored = self.store.ids()
    if any(i in stored for g in meta['groups'] for i in g['history']['ids']):
      return None
    groups = []
    for g in meta['groups']:
      h = History.from_json(g['history'])
      [bucket] = population.buckets(
          self.cfg, [self.space.setting(p) for p in h.points[:1]])
      groups.append((members.start(bucket, g['size'], self.mesh,
                                   self.make_population), h))
    arrays = checkpoint.restore(
        self.directory, last,
        [dict(state=m.state, best_state=m.best_state, hp=m.hp)
         for m, _ in groups])
    self.running = [(m._replace(**a), h) for (m, h), a in zip(groups,
                                                              arrays)]
    self._append([trial.Trial.from_json(r) for r in meta['records']])
    self.member_steps, self.seconds = meta['budget'], meta['elapsed']
    self.last_seconds = meta['seconds']
    self.round, self.next_id = meta['round'] + 1, meta['next_id']
    return meta['scheduler']
