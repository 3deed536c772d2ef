"""A search method as one object: everything the round runner, ``tune``,
the report and the CLI need to know about a ``search.method``.

:data:`METHODS` holds every method by name; :func:`register_method` adds
one, built in (each built-in method's module in
:mod:`jaxgan.search.methods` registers it) or a researcher's, and nothing
else in jaxgan names methods.
A :class:`SearchMethod` carries its scheduler (what each round trains,
:mod:`jaxgan.search.schedulers`), its own checks of a config, whether it
learns from earlier trials (a warm start, a staged search's earlier stage),
whether its best settings are confirmed with fresh seeds, whether a round
may be padded to the devices, and what the report says about it.

Example (an ask/tell method written outside jaxgan, with the interface
:mod:`jaxgan.search.methods` states):
  >>> register_method('seeded', SearchMethod.ask_tell(
  ...     Seeded, 'points from a seeded generator', warm=True))
  >>> cfg.search.method = 'seeded'
"""

import dataclasses
import functools
from typing import Callable

import ml_collections

from jaxgan import registry
from jaxgan.search import schedulers
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
    shared: ``(cfg, space, study) -> sampler``
      (:class:`jaxgan.search.shared.Sampler`): how its workers ask for
      points in a study they share (``--storage``); None: it keeps state
      in one process and cannot be shared.
    population: the least ``search.population`` it works with, which
      ``'auto'`` (:mod:`jaxgan.search.sizing`) rises to where the machine
      would choose fewer: where the population is part of the algorithm
      (PBT's lineages, a CMA-ES generation), not only a batch. None: its
      rounds are not sized by ``search.population`` (halving's brackets),
      and ``'auto'`` pads them to the devices.
  """
  scheduler: Callable[..., schedulers.Scheduler]
  summary: str
  warm: bool = False
  confirmed: bool = True
  padded: bool = True
  check: Check = _no_check
  details: Details = _no_details
  shared: Callable | None = None
  population: int | None = 1

  @classmethod
  def ask_tell(cls, method: Callable, summary: str, **kwargs
               ) -> 'SearchMethod':
    """The method whose rounds are ``search.population`` points asked of
    ``method(space, search_cfg)`` (``ask(n)``, ``tell(points, values)``;
    see :mod:`jaxgan.search.methods`), each trained for
    ``train.num_steps`` steps; ``kwargs`` are the other attributes."""
    return cls(functools.partial(schedulers.AskTell,
                                 sampler=sampler_of(method)),
               summary, **kwargs)


def sampler_of(method: Callable) -> Callable:
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
  if method.shared is not None and not callable(method.shared):
    raise ValueError(f'search method {name!r}: its shared is not callable '
                     'or None')
  if method.population is not None and not (
      isinstance(method.population, int) and method.population >= 1):
    raise ValueError(f'search method {name!r}: its population='
                     f'{method.population!r} is not an integer >= 1 or None')


METHODS: registry.Registry[SearchMethod] = registry.Registry(
    'search method', 'search.method', {}, _check)


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
