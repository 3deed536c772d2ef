"""Optuna's samplers as ask/tell methods.

CMA-ES needs the ``cmaes`` package: ``pip install 'jaxgan[optuna]'``.

``search.method`` = ``optuna-tpe`` (TPE, with the constant liar for a
population's batch), ``optuna-cmaes`` (CMA-ES, ``search.population`` per
generation) or ``optuna-nsga2`` (NSGA-II, for several objectives:
``search.pareto``) ask a round's points from an Optuna study and are told
the objectives back, like :class:`jaxgan.search.methods.ask_tell.Bayes`.

The study lives in ``W/optuna.db`` (SQLite), so ``optuna-dashboard
sqlite:///W/optuna.db`` shows it while the search runs. The trial store is
the record; the study follows it:

* a round's values are written to the study at the next ask, after the
  round's trials are stored, so the study never holds a result the store
  lacks;
* on resume, the study's finished trials are matched with the stored ones
  in order, trials asked for a round that was stored but not yet written are
  told, and trials of a round that never finished are marked failed;
* the sampler is seeded afresh at every ask from ``search.seed`` and the
  number of finished trials, so a resumed TPE search asks what an
  uninterrupted one would have (tested). CMA-ES and NSGA-II keep state in
  their trials; a resume continues from it, with the failed trials counted
  where the sampler counts them.

Optuna takes no infinite values: a diverged member is told the worst value
told so far plus a margin (:func:`jaxgan.search.schedulers.finite_values`).
A conditional name is suggested only where it is active (Optuna's
define-by-run space), parents first. A ``rate`` range is Optuna's
log-uniform ``1-NAME`` (:meth:`jaxgan.search.space.Dimension.surrogate`).
"""

import functools
import importlib.util
import os
from typing import Sequence

import ml_collections
import numpy as np

from jaxgan.search import pareto, schedulers
from jaxgan.search.method import Check, SearchMethod, register_method
from jaxgan.search.schedulers import Point, finite_values
from jaxgan.search.space import Space

# The samplers: TPE, CMA-ES, NSGA-II.
SAMPLERS = ('tpe', 'cmaes', 'nsga2')
STUDY = 'jaxgan'
# The least generation of CMA-ES and NSGA-II under search.population='auto'
# (CMA-ES's own default for 7 dimensions is 4 + 3 ln 7, about 9).
GENERATION = 8
FILE = 'optuna.db'


def make_sampler(kind: str, search: ml_collections.ConfigDict, seed: int):
  """Optuna's sampler ``kind`` (one of :data:`SAMPLERS`) for ``search``,
  seeded with ``seed``."""
  import optuna
  if kind == 'cmaes':
    return optuna.samplers.CmaEsSampler(seed=seed, popsize=search.population,
                                        warn_independent_sampling=False)
  if kind == 'nsga2':
    return optuna.samplers.NSGAIISampler(
        seed=seed, population_size=max(2, search.population))
  return optuna.samplers.TPESampler(
      seed=seed, n_startup_trials=search.initial_points, constant_liar=True,
      multivariate=True)


def _same(a: Sequence, b: Sequence) -> bool:
  """Whether two points are equal (floats to 1e-9, relative)."""
  return all(x == y or (isinstance(x, float) and isinstance(y, float)
                        and np.isclose(x, y, rtol=1e-9, atol=0))
             for x, y in zip(a, b))


def require(sampler: str) -> None:
  """Raises a ValueError naming the extra unless ``sampler`` is installed
  (CMA-ES needs the ``cmaes`` package)."""
  if sampler == 'cmaes' and importlib.util.find_spec('cmaes') is None:
    raise ValueError("search.method='optuna-cmaes' needs the cmaes package: "
                     "pip install 'jaxgan[optuna]'")


def params_of(space: Space, point: Point) -> tuple[dict, dict]:
  """A point's active values and their Optuna distributions."""
  import optuna
  params, dists = {}, {}
  for d, v, active in zip(space.dimensions, point, space.active(point)):
    if not active:
      continue
    params[d.surrogate_name] = d.surrogate(v)
    if d.kind == 'choice':
      dists[d.surrogate_name] = optuna.distributions.CategoricalDistribution(
          list(d.values))
    elif d.kind == 'int':
      dists[d.surrogate_name] = optuna.distributions.IntDistribution(
          int(d.low), int(d.high))
    else:
      dists[d.surrogate_name] = optuna.distributions.FloatDistribution(
          *d.surrogate_bounds, log=d.kind in ('log', 'rate'))
  return params, dists


def suggest(space: Space, trial) -> list:
  """The point an Optuna ``trial`` suggests in ``space``: unconditional
  names first, then each conditional one where its parent makes it active
  (an inactive one holds its ``inactive_value``). A ``rate`` range is
  suggested as its log-uniform ``1-NAME``."""
  value = {}
  for conditional in (False, True):
    for d in space.dimensions:
      if (d.condition is not None) != conditional:
        continue
      if conditional and value[d.condition[0]] not in d.condition[1]:
        value[d.name] = d.surrogate(d.inactive_value)
      elif d.kind == 'choice':
        value[d.name] = trial.suggest_categorical(d.name, list(d.values))
      elif d.kind == 'int':
        value[d.name] = trial.suggest_int(d.name, int(d.low), int(d.high))
      else:
        value[d.name] = trial.suggest_float(
            d.surrogate_name, *d.surrogate_bounds,
            log=d.kind in ('log', 'rate'))
  return space.from_surrogate([value[n] for n in space.names])


class Optuna:
  """An Optuna sampler over ``space`` (see the module docstring).

  Args:
    space: the search space.
    search: ``cfg.search``.
    workdir: where ``optuna.db`` goes.
    objectives: how many objectives each point is told.
    sampler: one of :data:`SAMPLERS`.
  """

  def __init__(self, space: Space, search: ml_collections.ConfigDict,
               workdir: str, objectives: int = 1, sampler: str = 'tpe'):
    self.space, self.search, self.sampler = space, search, sampler
    self.path = os.path.join(workdir, FILE)
    self.objectives = objectives
    self._study = None
    self.queue: list = []      # (index, point, values) told, not written
    self.told = 0
    self.history: list = []    # every value told, for the penalty

  @property
  def study(self):
    if self._study is None:
      import optuna
      optuna.logging.set_verbosity(optuna.logging.WARNING)
      self._study = optuna.create_study(
          storage=f'sqlite:///{os.path.abspath(self.path)}', study_name=STUDY,
          load_if_exists=True, directions=['minimize'] * self.objectives)
    return self._study

  def _flush(self) -> None:
    """Writes the queued values to the study (see the module docstring): a
    point Optuna asked for tells its trial, any other (the baseline) is
    added as a finished trial."""
    import optuna
    from optuna.trial import TrialState
    trials = self.study.get_trials(deepcopy=False)
    done = sum(t.state == TrialState.COMPLETE for t in trials)
    running = [t for t in trials if t.state == TrialState.RUNNING]
    for index, point, values in self.queue:
      if index < done:
        continue
      match = next((t for t in running if _same(self._point(t.params),
                                                point)), None)
      if match is not None:
        running.remove(match)
        self.study.tell(match.number, values)
      else:
        params, dists = params_of(self.space, point)
        self.study.add_trial(optuna.trial.create_trial(
            params=params, distributions=dists,
            **({'values': values} if self.objectives > 1
               else {'value': values})))
    for t in running:
      self.study.tell(t.number, state=TrialState.FAIL)
    self.queue = []

  def _point(self, params: dict) -> list:
    return self.space.from_surrogate([
        params.get(d.surrogate_name, d.surrogate(d.inactive_value))
        for d in self.space.dimensions])

  def ask(self, n: int) -> list[Point]:
    if n == 0:
      return []
    from optuna.trial import TrialState
    self._flush()
    done = len(self.study.get_trials(deepcopy=False,
                                     states=(TrialState.COMPLETE,)))
    self.study.sampler = make_sampler(
        self.sampler, self.search, self.search.seed * 1_000_003 + done)
    return [suggest(self.space, self.study.ask()) for _ in range(n)]

  def tell(self, points: Sequence[Point], values: Sequence) -> None:
    for point, v in zip(points, values):
      v = np.atleast_1d(np.asarray(v, np.float64))
      self.history.append(v)
      y = np.stack(self.history)
      v = [float(finite_values(y[:, i])[-1]) for i in range(y.shape[1])]
      self.queue.append((self.told, list(point),
                         v if self.objectives > 1 else v[0]))
      self.told += 1

  def close(self) -> None:
    """Writes what is queued (the last round's values)."""
    if self.queue:
      self._flush()


class Shared:
  """An Optuna sampler over ``space`` in a study that workers share
  (:mod:`jaxgan.search.shared`): the Optuna study of the same name in the
  shared database. Every worker's running trials are in it, so TPE's
  constant liar sees them; each worker seeds its sampler from
  ``search.seed``, its worker number and the trials finished, so workers
  asking at the same moment draw apart.

  Args:
    space: the search space.
    search: ``cfg.search``.
    study: the worker's :class:`jaxgan.search.shared.Study`.
    objectives: how many objectives each point is told.
    sampler: one of :data:`SAMPLERS`.
  """

  def __init__(self, space: Space, search: ml_collections.ConfigDict,
               study, objectives: int = 1, sampler: str = 'tpe'):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    self.space, self.search, self.sampler = space, search, sampler
    self.worker = study.worker
    self.study = optuna.create_study(
        storage=study.optuna_storage(), study_name=study.name,
        load_if_exists=True, directions=['minimize'] * objectives)

  def ask(self, settings: Sequence[int]) -> list[tuple[Point, int]]:
    if not settings:
      return []
    from optuna.trial import TrialState
    done = len(self.study.get_trials(deepcopy=False,
                                     states=(TrialState.COMPLETE,)))
    seed = np.random.SeedSequence([self.search.seed, self.worker, done])
    self.study.sampler = make_sampler(self.sampler, self.search,
                                      int(seed.generate_state(1)[0]))
    out = []
    for _ in settings:
      trial = self.study.ask()
      out.append((suggest(self.space, trial), trial.number))
    return out

  def tell(self, asks: Sequence[int | None], points: Sequence[Point],
           values: Sequence) -> None:
    """Tells the trials ``asks`` that are still running (another worker
    may tell the same trial at the same moment: the later one is ignored),
    and adds a finished trial for a point asked of no trial (the
    baseline)."""
    import optuna
    from optuna.exceptions import UpdateFinishedTrialError
    for number, point, value in zip(asks, points, values):
      if number is None:
        params, dists = params_of(self.space, point)
        self.study.add_trial(optuna.trial.create_trial(
            params=params, distributions=dists,
            **({'values': value} if isinstance(value, list)
               else {'value': value})))
        continue
      try:
        self.study.tell(number, value, skip_if_finished=True)
      except UpdateFinishedTrialError:
        pass


def _method(sampler: str, summary: str, check: Check | None = None,
            population: int = 1) -> SearchMethod:
  """The method of Optuna's ``sampler`` (one of :data:`SAMPLERS`), whose
  generations have at least ``population`` members."""
  def make(cfg, space: Space, workdir: str) -> Optuna:
    return Optuna(space, cfg.search, workdir, len(pareto.objectives(cfg)),
                  sampler)

  def checked(cfg: ml_collections.ConfigDict, space: Space) -> None:
    require(sampler)
    if check is not None:
      check(cfg, space)

  return SearchMethod(
      functools.partial(schedulers.AskTell, sampler=make), summary, warm=True,
      check=checked, shared=lambda cfg, space, study: Shared(
          space, cfg.search, study, len(pareto.objectives(cfg)), sampler),
      details=lambda cfg: [
          f'The Optuna study is `{FILE}` in the workdir: '
          f'`optuna-dashboard sqlite:///{FILE}` shows it.'],
      population=population)


def _check_one_objective(cfg: ml_collections.ConfigDict, space: Space
                         ) -> None:
  del space
  if cfg.search.pareto:
    raise ValueError(f'search.method={cfg.search.method!r} minimises one '
                     f'objective; search.pareto={cfg.search.pareto!r} asks '
                     "for several: use 'optuna-nsga2' or 'bayes'")


register_method('optuna-tpe', _method(
    'tpe', "Optuna's multivariate TPE, a round's points by the constant "
    'liar'))
register_method('optuna-cmaes', _method(
    'cmaes', "Optuna's CMA-ES, a generation per round", _check_one_objective,
    population=GENERATION))
register_method('optuna-nsga2', _method(
    'nsga2', "Optuna's NSGA-II, for several objectives (search.pareto)",
    population=GENERATION))
