"""A search method as one object: everything the round runner, ``tune``,
the report and the CLI need to know about a ``search.method``.

:data:`METHODS` holds every method by name; :func:`register_method` adds
one, built in or a researcher's, and nothing else in jaxgan names methods.
A :class:`SearchMethod` carries its scheduler (what each round trains,
:mod:`jaxgan.search.schedulers`), its own checks of a config, whether it
learns from earlier trials (a warm start, a staged search's earlier stage),
whether its best settings are confirmed with fresh seeds, whether a round
may be padded to the devices, and what the report says about it.

Example (an ask/tell method written outside jaxgan, :mod:`methods`'
interface):
  >>> register_method('seeded', SearchMethod.ask_tell(
  ...     Seeded, 'points from a seeded generator', warm=True))
  >>> cfg.search.method = 'seeded'
"""

import dataclasses
import functools
from typing import Callable

import ml_collections

from jaxgan import metrics, registry
from jaxgan.search import methods, optuna_methods, pareto, schedulers
from jaxgan.search.space import Space

Check = Callable[[ml_collections.ConfigDict, Space], None]
Details = Callable[[ml_collections.ConfigDict], list[str]]


def _no_check(cfg: ml_collections.ConfigDict, space: Space) -> None:
  del cfg, space


def _no_details(cfg: ml_collections.ConfigDict) -> list[str]:
  del cfg
  return []


@dataclasses.dataclass(frozen=True)
class SearchMethod:
  """One search method.

  Attributes:
    scheduler: ``(cfg, space, say, workdir) -> Scheduler``
      (:class:`jaxgan.search.schedulers.Scheduler`): what each round trains.
    summary: one line saying what it does (the CLI's help, the report).
    warm: it learns from trials it did not ask for: ``--warm_start`` and a
      staged search's earlier stage tell it theirs first.
    confirmed: its best settings are retrained with fresh seeds at the end
      (``search.confirm_top``).
    padded: a round's members may be padded to fill the devices; when
      False (PBT's lineages), ``search.population`` must split over them.
    check: ``(cfg, space) -> None``, raising a ValueError that names the
      field when ``cfg`` does not suit it (before anything is written).
    details: ``cfg -> lines`` the report adds about its parts.
  """
  scheduler: Callable[..., schedulers.Scheduler]
  summary: str
  warm: bool = False
  confirmed: bool = True
  padded: bool = True
  check: Check = _no_check
  details: Details = _no_details

  @classmethod
  def ask_tell(cls, method: Callable, summary: str, **kwargs
               ) -> 'SearchMethod':
    """The method whose rounds are ``search.population`` points asked of
    ``method(space, search_cfg)`` (``ask(n)``, ``tell(points, values)``;
    see :mod:`jaxgan.search.methods`), each trained for
    ``train.num_steps`` steps; ``kwargs`` are the other attributes."""
    return cls(functools.partial(schedulers.AskTell,
                                 sampler=_sampler(method)), summary, **kwargs)


def _sampler(method: Callable) -> Callable:
  """The ask/tell class ``method(space, search_cfg)`` as
  :class:`jaxgan.search.schedulers.AskTell` builds its sampler."""
  return lambda cfg, space, workdir: method(space, cfg.search)


def _check(name: str, method) -> None:
  if not isinstance(method, SearchMethod):
    raise ValueError(f'search method {name!r}: register a SearchMethod '
                     '(SearchMethod.ask_tell(cls, summary) for an ask/tell '
                     f'class), not {type(method).__name__}')
  for field in ('scheduler', 'check', 'details'):
    if not callable(getattr(method, field)):
      raise ValueError(f'search method {name!r}: its {field} is not '
                       'callable')


def _grid(cfg, space: Space, say, workdir: str) -> schedulers.AskTell:
  """Grid search's scheduler, saying when the grid repeats."""
  s = cfg.search
  size = methods.grid_size(space, s.grid_points)
  if size < s.num_trials:
    say(f'the grid has {size} points, fewer than search.num_trials='
        f'{s.num_trials}: it is visited again')
  return schedulers.AskTell(cfg, space, say, workdir,
                             sampler=_sampler(methods.Grid))


def _check_bayes(cfg: ml_collections.ConfigDict, space: Space) -> None:
  del space
  s = cfg.search
  if s.transform == 'log' and metrics.direction(cfg, s.objective) == 'max':
    raise ValueError(f"search.transform='log' models the log of an "
                     f'objective to minimise, but search.objective='
                     f"{s.objective!r} is maximised; use search.transform="
                     "'none' with search.method='bayes'")


def _halving(cfg, space: Space, say, workdir: str) -> schedulers.Halving:
  del workdir
  s = cfg.search
  return schedulers.Halving(cfg, space, say, [(s.num_trials,
                                               schedulers.rung_steps(
      cfg.train.num_steps, cfg.train.chunk_steps, s.eta, s.rungs))])


def _brackets(cfg: ml_collections.ConfigDict) -> list:
  s = cfg.search
  return schedulers.hyperband_brackets(
      cfg.train.num_steps, s.min_steps, s.eta, cfg.train.chunk_steps)


def _hyperband(cfg, space: Space, say, workdir: str) -> schedulers.Halving:
  del workdir
  return schedulers.Halving(cfg, space, say, _brackets(cfg))


def _check_hyperband(cfg: ml_collections.ConfigDict, space: Space) -> None:
  del space
  if not cfg.search.min_steps < cfg.train.num_steps:
    raise ValueError(f'search.min_steps={cfg.search.min_steps} must be '
                     f'below train.num_steps={cfg.train.num_steps} for '
                     'hyperband')


def _hyperband_details(cfg: ml_collections.ConfigDict) -> list[str]:
  return ['Hyperband brackets (η = %d): ' % cfg.search.eta + '; '.join(
      f'{n} settings at {", ".join(map(str, steps))} steps'
      for n, steps in _brackets(cfg)) + '.']


def _check_pbt(cfg: ml_collections.ConfigDict, space: Space) -> None:
  if cfg.search.seeds > 1:
    raise ValueError(f'search.seeds={cfg.search.seeds}: pbt members are '
                     'lineages, not seeds of one setting; use '
                     'search.seeds=1')
  schedulers.check_pbt(cfg, space)


def _optuna(sampler: str, summary: str, check: Check = _no_check
            ) -> SearchMethod:
  """The method of Optuna's ``sampler`` (:data:`optuna_methods.SAMPLERS`)."""
  def make(cfg, space: Space, workdir: str) -> optuna_methods.Optuna:
    return optuna_methods.Optuna(space, cfg.search, workdir,
                                 len(pareto.objectives(cfg)), sampler)

  def checked(cfg: ml_collections.ConfigDict, space: Space) -> None:
    optuna_methods.require(sampler)
    check(cfg, space)

  return SearchMethod(
      functools.partial(schedulers.AskTell, sampler=make), summary, warm=True,
      check=checked, details=lambda cfg: [
          f'The Optuna study is `{optuna_methods.FILE}` in the workdir: '
          f'`optuna-dashboard sqlite:///{optuna_methods.FILE}` shows it.'])


def _check_one_objective(cfg: ml_collections.ConfigDict, space: Space
                         ) -> None:
  del space
  if cfg.search.pareto:
    raise ValueError(f'search.method={cfg.search.method!r} minimises one '
                     f'objective; search.pareto={cfg.search.pareto!r} asks '
                     "for several: use 'optuna-nsga2' or 'bayes'")


METHODS: registry.Registry[SearchMethod] = registry.Registry(
    'search method', 'search.method', {
        'optuna-tpe': _optuna('tpe', "Optuna's multivariate TPE, a round's "
                              'points by the constant liar'),
        'bayes': SearchMethod.ask_tell(
            methods.Bayes, 'a Gaussian process (scikit-optimize), a '
            "round's points by the constant liar", warm=True,
            check=_check_bayes),
        'random': SearchMethod.ask_tell(methods.Random,
                                        'seeded uniform random points'),
        'grid': SearchMethod(_grid, 'the grid of search.grid_points values '
                             'per name, in order'),
        'halving': SearchMethod(_halving, 'successive halving: the best '
                                '1/eta continue at each rung'),
        'hyperband': SearchMethod(
            _hyperband, 'brackets of successive halving from '
            'search.min_steps', check=_check_hyperband,
            details=_hyperband_details),
        'pbt': SearchMethod(
            schedulers.PopulationBased, 'population-based training: the '
            'worst copy the best and perturb them', confirmed=False,
            padded=False, check=_check_pbt),
        'optuna-cmaes': _optuna('cmaes', "Optuna's CMA-ES, a generation "
                                'per round', _check_one_objective),
        'optuna-nsga2': _optuna('nsga2', "Optuna's NSGA-II, for several "
                                'objectives (search.pareto)'),
    }, _check)


def register_method(name: str, method, *, replace: bool = False):
  """Makes ``search.method = name`` run ``method``.

  Args:
    name: the method's name.
    method: a :class:`SearchMethod`, or an ask/tell class
      ``method(space, search_cfg)`` with ``ask(n) -> points`` and
      ``tell(points, values)`` (as :meth:`SearchMethod.ask_tell` with its
      first docstring line as the summary).
    replace: replace another method of that name.

  Returns:
    ``method``.
  """
  registered = method
  if isinstance(method, type):
    if not (callable(getattr(method, 'ask', None))
            and callable(getattr(method, 'tell', None))):
      raise ValueError(f'search method {name!r}: {method!r} is not a class '
                       'with ask(n) and tell(points, values)')
    summary = (method.__doc__ or name).strip().split('\n')[0]
    registered = SearchMethod.ask_tell(method, summary)
  METHODS.register(name, registered, replace=replace)
  return method
