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

The schedulers:

* ``bayes``, ``random``, ``grid`` (:class:`AskTell` over
  :mod:`jaxgan.search.methods`) and ``optuna-tpe``, ``optuna-cmaes``,
  ``optuna-nsga2`` (:mod:`jaxgan.search.optuna_methods`): each round asks
  ``search.population`` points, trains them for ``train.num_steps`` steps
  and tells the objective back, until ``search.num_trials`` trials are
  stored.
* ``halving`` (Jamieson & Talwalkar 2016): ``num_trials`` settings train to
  the first rung; the best ``1/eta`` (by their best evaluation) continue to
  the next rung from their state, and so on for ``rungs`` rungs up to
  ``train.num_steps`` (:func:`rung_steps`). A setting's trial is stored when
  it is stopped (status ``stopped``) or reaches the last rung.
* ``hyperband`` (Li et al. 2017): brackets of successive halving
  (:func:`hyperband_brackets`) from many settings at ``search.min_steps`` to
  few at ``train.num_steps``, repeated until ``num_trials`` are stored.
* ``pbt`` (Jaderberg et al. 2017): ``population`` members train in segments
  of ``pbt_interval`` steps; after each, the worst ``pbt_fraction`` copy the
  state and hyperparameters of the best and perturb them
  (:func:`jaxgan.pbt.exploit_explore`). Every segment of every member is a
  trial whose ``parent`` is the trial it continued (its own previous segment,
  or the member it copied), so the stored trials hold each member's
  hyperparameter schedule and lineage.

A search resumes from its trial store, and from the running population's
checkpoint (with :meth:`Scheduler.state`) when members were continuing.
"""

import itertools
import math
from typing import Any, Callable, NamedTuple, Protocol, Sequence

import jax
import ml_collections
import numpy as np

from jaxgan import hparams
from jaxgan.search import methods, pareto
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
  """
  label: str
  points: list
  steps: int
  total: int
  padded: bool = True


class Exploit(NamedTuple):
  """PBT's exploit/explore step after a round (see
  :func:`jaxgan.search.members.exploit`)."""
  key: Any
  fraction: float
  perturb: tuple[tuple[str, ...], ...]


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


class Scheduler(Protocol):
  """The interface every search method implements.

  Attributes:
    perturbs: a trial's setting is read from its hyperparameters (which the
      scheduler changes), not from the point it started from; its position
      in the population is stored as ``member``.
  """
  perturbs: bool

  def resume(self, trials: Sequence[Trial], state: dict | None,
             prior: Sequence[Trial] = ()) -> None:
    """Catches up with the stored trials and, when members were running, the
    state :meth:`state` returned when they were saved. ``prior`` are an
    earlier search's trials in this space (a warm start, for the methods
    that take one), told before the stored ones."""

  def plan(self) -> Plan | None:
    """The next round, or None when the search is over."""

  def tell(self, outcomes: Sequence[Outcome]) -> Verdict:
    """The round's outcomes, one per setting trained, in id order."""

  def state(self) -> dict:
    """JSON saved with the running members."""


def _first_points(cfg, space: Space, n: int, say, offset: int = 0,
                  baseline: bool = True) -> list:
  """The baseline (:func:`jaxgan.search.methods.baseline`), then seeded
  random points ``offset``, ``offset + 1``, ..."""
  first = methods.baseline(cfg, space, say) if baseline else []
  sampler = methods.Random(space, cfg.search)
  sampler.told = offset
  return first + sampler.ask(n - len(first))


class AskTell:
  """Rounds of ``search.population`` new points from an ask/tell method,
  each trained for ``train.num_steps`` steps.

  Args:
    cfg, space, say, workdir: the search's config, space, output and
      workdir.
    sampler: ``(cfg, space, workdir) -> method`` with ``ask(n)`` and
      ``tell(points, values)`` (:mod:`jaxgan.search.methods`).
  """

  perturbs = False

  def __init__(self, cfg: ml_collections.ConfigDict, space: Space,
               say: Callable[[str], None], workdir: str,
               sampler: Callable[..., Any]):
    self.cfg, self.space, self.say = cfg, space, say
    self.method = sampler(cfg, space, workdir)
    self.stored, self.round = 0, 0

  def resume(self, trials: Sequence[Trial], state: dict | None,
             prior: Sequence[Trial] = ()) -> None:
    del state
    objs = pareto.objectives(self.cfg)
    told = [o for o in (outcomes(prior, self.cfg.search.seed_statistic, objs)
                        + outcomes(trials, self.cfg.search.seed_statistic,
                                   objs))
            if self.space.contains(o.setting)]
    self.method.tell([self.space.point(o.setting) for o in told],
                     [o.value if o.values is None else o.values
                      for o in told])
    self.stored = len(trials)
    self.round = 1 + max((t.round for t in trials), default=-1)

  def plan(self) -> Plan | None:
    s = self.cfg.search
    if self.stored >= s.num_trials:
      if hasattr(self.method, 'close'):
        self.method.close()
      return None
    n = min(s.population, s.num_trials - self.stored) // s.seeds
    first = (methods.baseline(self.cfg, self.space, self.say)
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


def rung_steps(num_steps: int, chunk_steps: int, eta: int,
               rungs: int) -> list[int]:
  """The steps each rung trains to: ``num_steps / eta**(rungs - 1 - k)``,
  rounded to whole chunks, strictly increasing, ending at ``num_steps``."""
  out = []
  for k in range(rungs):
    target = num_steps / eta ** (rungs - 1 - k)
    steps = max(chunk_steps, int(round(target / chunk_steps)) * chunk_steps)
    steps = min(steps, num_steps) if k < rungs - 1 else num_steps
    if not out or steps > out[-1]:
      out.append(steps)
  return out


def hyperband_brackets(max_steps: int, min_steps: int, eta: int,
                       chunk_steps: int) -> list[tuple[int, list[int]]]:
  """Hyperband's brackets (Li et al. 2017, Algorithm 1).

  With ``s_max = floor(log_eta(max_steps / min_steps))``, bracket ``s``
  (from ``s_max`` down to 0) starts ``ceil((s_max + 1) / (s + 1) * eta**s)``
  settings and halves them ``s`` times, training them to
  ``max_steps * eta**(i - s)`` steps at rung ``i`` (rounded to whole chunks,
  :func:`rung_steps`). Each rung keeps the best ``1/eta``.

  Returns:
    ``[(settings, steps of each rung)]``, most aggressive bracket first.
  """
  s_max = int(math.floor(math.log(max_steps / min_steps, eta) + 1e-9))
  return [(int(math.ceil((s_max + 1) / (s + 1) * eta ** s)),
           rung_steps(max_steps, chunk_steps, eta, s + 1))
          for s in range(s_max, -1, -1)]


class Halving:
  """Successive halving over brackets (one bracket: ``halving``; several:
  ``hyperband``), continuing members from their state.

  Args:
    cfg: the config.
    space: the search space.
    say: prints a line.
    brackets: ``[(settings, steps of each rung)]``, run in order and repeated
      until ``search.num_trials`` trials are stored (each bracket's settings
      cut to what is left). With ``search.seeds`` = k, each setting trains k
      seeds, and a bracket of n settings stores n·k trials.
  """

  perturbs = False

  def __init__(self, cfg: ml_collections.ConfigDict, space: Space,
               say: Callable[[str], None],
               brackets: list[tuple[int, list[int]]]):
    self.cfg, self.space, self.say = cfg, space, say
    self.brackets = brackets
    self.bracket, self.rung, self.stored, self.drawn = 0, 0, 0, 0

  def _size(self, b: int, drawn: int) -> int:
    """Trials bracket ``b`` starts when ``drawn`` have been."""
    s = self.cfg.search
    return min(self.brackets[b % len(self.brackets)][0] * s.seeds,
               s.num_trials - drawn)

  def resume(self, trials: Sequence[Trial], state: dict | None,
             prior: Sequence[Trial] = ()) -> None:
    del prior
    self.stored = len(trials)
    if state:
      self.bracket, self.rung, self.drawn = (state['bracket'], state['rung'],
                                             state['drawn'])
      return
    # Between brackets: every bracket before is stored (or was cut short by
    # a budget, whose members are stored as stopped).
    self.bracket, self.drawn = 0, 0
    while self.drawn < self.stored:
      self.drawn += self._size(self.bracket, self.drawn)
      self.bracket += 1
    self.rung = 0

  def plan(self) -> Plan | None:
    num_trials = self.cfg.search.num_trials
    if self.rung == 0 and self.drawn >= num_trials:
      return None
    _, steps = self.brackets[self.bracket % len(self.brackets)]
    points = []
    if self.rung == 0:
      points = _first_points(self.cfg, self.space,
                             self._size(self.bracket, self.drawn)
                             // self.cfg.search.seeds, self.say,
                             offset=self.drawn,
                             baseline=self.drawn == 0)
    label = f'rung {self.rung + 1}/{len(steps)} ({steps[self.rung]} steps)'
    if len(self.brackets) > 1:
      label = (f'bracket {self.bracket + 1} '
               f'({self.bracket % len(self.brackets) + 1} of '
               f'{len(self.brackets)}), {label}')
    return Plan(label, points, steps[self.rung], num_trials)

  def tell(self, outcomes: Sequence[Outcome]) -> Verdict:
    _, steps = self.brackets[self.bracket % len(self.brackets)]
    trials = sum(len(o.trials) for o in outcomes)
    if self.rung == 0:
      self.drawn += trials
    if self.rung == len(steps) - 1:
      self.stored += trials
      self.bracket, self.rung = self.bracket + 1, 0
      return Verdict()
    ranked = sorted(outcomes, key=lambda o: (o.value, o.ids[0]))
    keep = tuple(i for o in ranked[:max(1, len(outcomes)
                                          // self.cfg.search.eta)]
                 for i in o.ids)
    self.stored += trials - len(keep)
    self.rung += 1
    return Verdict(keep=keep, stopped=True)

  def state(self) -> dict:
    return dict(bracket=self.bracket, rung=self.rung, drawn=self.drawn)


def check_pbt(cfg: ml_collections.ConfigDict, space: Space) -> None:
  """PBT changes only dynamic hyperparameters, at chunk boundaries.

  Raises:
    ValueError: the space searches a static field, or ``pbt_interval`` is
      not a multiple of ``train.chunk_steps``.
  """
  static = space.static_names()
  if static:
    raise ValueError(f'search.method=pbt perturbs dynamic hyperparameters '
                     f'only, but search.space.{static[0]} is static; fix it, '
                     'or use halving')
  if not space.perturbed():
    raise ValueError('search.method=pbt has nothing to perturb: search at '
                     f'least one of {list(hparams.perturbable())} (or lr, '
                     'b1, b2)')
  if cfg.search.pbt_interval % cfg.train.chunk_steps:
    raise ValueError(f'search.pbt_interval={cfg.search.pbt_interval} must be '
                     'a multiple of train.chunk_steps='
                     f'{cfg.train.chunk_steps}')


class PopulationBased:
  """Population-based training (see the module docstring)."""

  perturbs = True

  def __init__(self, cfg: ml_collections.ConfigDict, space: Space,
               say: Callable[[str], None], workdir: str):
    del workdir
    s = cfg.search
    self.cfg, self.space, self.say = cfg, space, say
    self.ends = list(range(s.pbt_interval, cfg.train.num_steps,
                           s.pbt_interval)) + [cfg.train.num_steps]
    self.segment = 0

  def resume(self, trials: Sequence[Trial], state: dict | None,
             prior: Sequence[Trial] = ()) -> None:
    del prior
    size = self.cfg.search.population
    if state:
      self.segment = state['segment']
    elif len(trials) >= size * len(self.ends):
      self.segment = len(self.ends)
    elif trials:
      raise ValueError('the PBT population checkpoint '
                       '(W/checkpoints/population) is missing: the running '
                       'members cannot be resumed')

  def plan(self) -> Plan | None:
    if self.segment >= len(self.ends):
      return None
    size = self.cfg.search.population
    points = (_first_points(self.cfg, self.space, size, self.say)
              if self.segment == 0 else [])
    return Plan(f'segment {self.segment + 1}/{len(self.ends)} '
                f'({self.ends[self.segment]} steps)', points,
                self.ends[self.segment], size * len(self.ends),
                padded=False)

  def tell(self, outcomes: Sequence[Outcome]) -> Verdict:
    k, self.segment = self.segment, self.segment + 1
    if k == len(self.ends) - 1:
      return Verdict()
    s = self.cfg.search
    return Verdict(exploit=Exploit(
        jax.random.fold_in(jax.random.key(s.seed), k), s.pbt_fraction,
        self.space.perturbed()))

  def state(self) -> dict:
    return dict(segment=self.segment)
