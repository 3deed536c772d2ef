"""Schedulers: what each round of a search trains, and what happens to the
members after it.

Every ``search.method`` (:data:`jaxgan.search.method.METHODS`) has a
scheduler, run by the one round runner (:mod:`jaxgan.search.rounds`). A
scheduler answers two questions:

* :meth:`Scheduler.plan`: which new settings start this round, and the step
  count every running member trains to (None: the search is over). It runs
  on process 0 only and must not change what :meth:`Scheduler.tell` keeps.
* :meth:`Scheduler.tell`: given the round's :class:`Outcome` s (one per
  setting: its trials, one per seed, and their robust objective), which
  members continue from their state (:class:`Verdict`); the others are
  stored.

The built-in methods and their schedulers are in
:mod:`jaxgan.search.methods`, one module each; :class:`AskTell` runs any
ask/tell method (``ask(n)``, ``tell(points, values)``): each round asks
``search.population`` points, trains them for ``train.num_steps`` steps and
tells the objectives back, until ``search.num_trials`` trials are stored.

A search resumes from its trial store, and from the running population's
checkpoint (with :meth:`Scheduler.state`) when members were continuing.
"""

import itertools
import os
from typing import Any, Callable, NamedTuple, Protocol, Sequence

import ml_collections
import numpy as np

from jaxgan import pbt
from jaxgan.files import read_json
from jaxgan.search import pareto
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial


class Outcome(NamedTuple):
  """One setting's result: its trials (one per seed) and the objective the
  search is told.

  Attributes:
    setting: the setting's values (:attr:`Trial.setting`).
    trials: its trials, in id order.
    value: the seeds' robust objective (:func:`robust`), minimised.
    values: with several objectives (``search.pareto``), each one's robust
      value, minimised (:func:`jaxgan.search.pareto.losses`); else None.
  """
  setting: dict
  trials: tuple[Trial, ...]
  value: float
  values: tuple[float, ...] | None = None

  @property
  def ids(self) -> tuple[int, ...]:
    return tuple(t.id for t in self.trials)


def robust(values: Sequence[float], statistic: str) -> float:
  """The objective of a setting trained with several seeds: the ``'mean'``,
  or a ``'quantile:Q'``, of its seeds' objectives; ``inf`` if any seed has
  none (diverged), since a setting that sometimes diverges is not robust."""
  values = np.asarray(values, np.float64)
  if not np.all(np.isfinite(values)):
    return np.inf
  if statistic == 'mean':
    return float(values.mean())
  return float(np.quantile(values, float(statistic.split(':')[1])))


def check_statistic(text: str) -> None:
  """Raises a ValueError naming ``search.seed_statistic`` unless it is
  ``'mean'`` or ``'quantile:Q'`` with Q in [0, 1]."""
  kind, _, q = str(text).partition(':')
  try:
    ok = text == 'mean' or (kind == 'quantile' and 0 <= float(q) <= 1)
  except ValueError:
    ok = False
  if not ok:
    raise ValueError(f'search.seed_statistic={text!r} is not valid; use '
                     "'mean' or 'quantile:Q' with Q in [0, 1]")


def outcomes(trials: Sequence[Trial], statistic: str = 'mean',
             objectives: Sequence[tuple[str, str]] = ()) -> list[Outcome]:
  """The trials grouped by setting (:attr:`Trial.group`, else one each),
  in order of their first trial's id; with more than one of
  ``objectives`` (:func:`jaxgan.search.pareto.objectives`), each outcome
  has their :attr:`Outcome.values`."""
  key = lambda t: t.id if t.group is None else t.group
  out = []
  for _, group in itertools.groupby(sorted(trials, key=lambda t: (key(t),
                                                                  t.id)),
                                    key=key):
    group = tuple(group)
    values = None
    if len(objectives) > 1:
      y = np.stack([pareto.losses(t, list(objectives)) for t in group])
      values = tuple(robust(y[:, i], statistic) for i in range(y.shape[1]))
    out.append(Outcome(group[0].setting, group,
                       robust([t.value for t in group], statistic), values))
  return out


class Plan(NamedTuple):
  """One round.

  Attributes:
    label: how progress names it (``'round 3'``, ``'rung 2/3 (300 steps)'``).
    points: new settings, started from scratch this round.
    steps: the step count every running member trains to.
    total: the trials the search stores in all, for the progress line.
    padded: whether new members may be padded to a power of two (PBT's
      exploit step needs an unpadded population).
    ids: the first trial id of each new setting (a shared study's claims,
      :mod:`jaxgan.search.shared`); None: the runner numbers them on.
  """
  label: str
  points: list
  steps: int
  total: int
  padded: bool = True
  ids: list | None = None


class Exploit(NamedTuple):
  """PBT's exploit/explore step after a round (see
  :func:`jaxgan.search.members.exploit`): its key and rule."""
  key: Any
  rule: pbt.Perturbation


class Verdict(NamedTuple):
  """What happens to the round's members.

  Attributes:
    keep: trial ids that continue from their state; their trials are stored
      when they stop. The others are stored now.
    stopped: the stored trials stopped early (status ``'stopped'``).
    exploit: every trial is stored, and every member continues as a new
      trial after PBT's exploit/explore step.
  """
  keep: tuple[int, ...] = ()
  stopped: bool = False
  exploit: Exploit | None = None


# What confirmations learned: ``(stored, trials)`` per confirmation, its
# fresh seeds as trials (negative ids) after the first ``stored`` trials.
Learned = Sequence[tuple[int, Sequence[Trial]]]


def told(trials: Sequence[Trial], learned: Learned, statistic: str,
         objectives: Sequence[tuple[str, str]] = ()) -> list[Outcome]:
  """The stored trials' outcomes with each confirmation's seeds after the
  trials it followed: the order a search saw them in, whenever it is
  resumed."""
  out, done = [], 0
  for stored, seeds in sorted(learned, key=lambda block: block[0]):
    out += outcomes(trials[done:stored], statistic, objectives)
    out += outcomes(seeds, statistic, objectives)
    done = max(done, stored)
  return out + outcomes(trials[done:], statistic, objectives)


class Scheduler(Protocol):
  """The interface every search method implements.

  Attributes:
    perturbs: a trial's setting is read from its hyperparameters (which the
      scheduler changes), not from the point it started from; its position
      in the population is stored as ``member``.
  """
  perturbs: bool

  def resume(self, trials: Sequence[Trial], state: dict | None,
             prior: Sequence[Trial] = (), learned: Learned = ()) -> None:
    """Catches up with the stored trials and, when members were running, the
    state :meth:`state` returned when they were saved. ``prior`` are an
    earlier search's trials in this space (a warm start, for the methods
    that take one), told before the stored ones; ``learned``, for the same
    methods, what confirmations learned, each told after the stored trials
    it followed (:func:`told`)."""

  def plan(self) -> Plan | None:
    """The next round, or None when the search is over."""

  def tell(self, outcomes: Sequence[Outcome]) -> Verdict:
    """The round's outcomes, one per setting trained, in id order."""

  def state(self) -> dict:
    """JSON saved with the running members."""


Point = list[Any]


def finite_values(values: Sequence[float]) -> np.ndarray:
  """Replaces non-finite values by the worst finite one plus a margin.

  The margin is a tenth of the finite values' spread, at least 1, so a
  diverged member ranks below every member that trained, and a model of the
  objective sees no NaN. With no finite value at all every entry becomes 1.
  """
  values = np.asarray(values, np.float64)
  finite = np.isfinite(values)
  if not finite.any():
    return np.ones_like(values)
  worst, best = values[finite].max(), values[finite].min()
  return np.where(finite, values, worst + max(1.0, 0.1 * (worst - best)))


def random_points(space: Space, seed: int, first: int, n: int
                  ) -> list[Point]:
  """Seeded random points ``first``, ..., ``first + n - 1``: point ``i``
  depends only on ``seed`` and ``i``."""
  return [space.sample(np.random.default_rng([seed, i]))
          for i in range(first, first + n)]


def baseline(cfg, space: Space, say) -> list[Point]:
  """``[the config's own point]`` when ``search.baseline`` asks for it and
  the point lies in the space, else ``[]``."""
  if not cfg.search.baseline:
    return []
  point = space.baseline(cfg)
  if point is None:
    say("the config's own hyperparameters lie outside search.space: no "
        'baseline trial')
    return []
  return [point]


# The earlier search a search was warm-started from, in its workdir.
WARM_START = 'warm_start.json'


def warm_answer(workdir: str) -> dict[str, Any] | None:
  """The setting of the answer of the search ``workdir`` was warm-started
  from (``W/warm_start.json``, written by :func:`jaxgan.search.tune`):
  None without a warm start, or when its answer lies outside this
  search's space."""
  path = os.path.join(workdir, WARM_START)
  return read_json(path)['answer'] if os.path.exists(path) else None


def opening(cfg, space: Space, say, workdir: str) -> list[Point]:
  """What an ask/tell search trains first, the incumbent it must beat: the
  :func:`baseline` or, without one, the warm start's answer
  (:func:`warm_answer`)."""
  first = baseline(cfg, space, say)
  answer = None if first else warm_answer(workdir)
  return first if answer is None else [space.point(answer)]


def first_points(cfg, space: Space, n: int, say, offset: int = 0,
                 with_baseline: bool = True) -> list[Point]:
  """The :func:`baseline`, then seeded random points ``offset``,
  ``offset + 1``, ...: what a scheduler that does not model the objective
  starts ``n`` settings from."""
  first = baseline(cfg, space, say) if with_baseline else []
  return first + random_points(space, cfg.search.seed, offset,
                               n - len(first))


class AskTell:
  """Rounds of ``search.population`` new points from an ask/tell method,
  each trained for ``train.num_steps`` steps.

  Args:
    cfg, space, say, workdir: the search's config, space, output and
      workdir.
    sampler: ``(cfg, space, workdir) -> method`` with ``ask(n)`` and
      ``tell(points, values)``: a :data:`Point` is the raw values in
      ``space.names`` order, a value the objective to minimise (see
      :mod:`jaxgan.search.methods`).
  """

  perturbs = False

  def __init__(self, cfg: ml_collections.ConfigDict, space: Space,
               say: Callable[[str], None], workdir: str,
               sampler: Callable[..., Any]):
    self.cfg, self.space, self.say = cfg, space, say
    self.workdir = workdir
    self.method = sampler(cfg, space, workdir)
    self.stored, self.round = 0, 0

  def resume(self, trials: Sequence[Trial], state: dict | None,
             prior: Sequence[Trial] = (), learned: Learned = ()) -> None:
    del state
    objs = pareto.objectives(self.cfg)
    statistic = self.cfg.search.seed_statistic
    seen = [o for o in (outcomes(prior, statistic, objs)
                        + told(trials, learned, statistic, objs))
            if self.space.contains(o.setting)]
    self.method.tell([self.space.point(o.setting) for o in seen],
                     [o.value if o.values is None else o.values
                      for o in seen])
    self.stored = len(trials)
    self.round = 1 + max((t.round for t in trials), default=-1)

  def plan(self) -> Plan | None:
    s = self.cfg.search
    if self.stored >= s.num_trials:
      if hasattr(self.method, 'close'):
        self.method.close()
      return None
    n = min(s.population, s.num_trials - self.stored) // s.seeds
    first = (opening(self.cfg, self.space, self.say, self.workdir)
             if not self.stored else [])
    return Plan(f'round {self.round + 1}',
                first + self.method.ask(n - len(first)),
                self.cfg.train.num_steps, s.num_trials)

  def tell(self, outcomes: Sequence[Outcome]) -> Verdict:
    self.method.tell([self.space.point(o.setting) for o in outcomes],
                     [o.value if o.values is None else o.values
                      for o in outcomes])
    self.stored += sum(len(o.trials) for o in outcomes)
    self.round += 1
    return Verdict()

  def state(self) -> dict:
    return {}
