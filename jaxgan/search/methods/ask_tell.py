"""Ask/tell search methods: Bayesian optimisation (``bayes``), ``random``
and ``grid`` search, each a :class:`jaxgan.search.method.SearchMethod` run
by :class:`jaxgan.search.schedulers.AskTell` (the interface:
:mod:`jaxgan.search.methods`).
"""

import warnings
from typing import Sequence

import ml_collections
import numpy as np
import skopt

from jaxgan import metrics
from jaxgan.search import pareto, schedulers, shared
from jaxgan.search.method import SearchMethod, register_method, sampler_of
from jaxgan.search.schedulers import Point, finite_values
from jaxgan.search.space import Space


def modelled(values: Sequence[float], transform: str) -> np.ndarray:
  """The objective as the GP models it: :func:`finite_values`, then its
  ``log`` under ``transform='log'``."""
  y = finite_values(values)
  return np.log(np.maximum(y, 1e-6)) if transform == 'log' else y


class Bayes:
  """Gaussian-process Bayesian optimisation (scikit-optimize).

  The first ``initial_points`` points come from a Latin hypercube; after
  that every round asks a whole population at once with the constant-liar
  strategy (``cl_min``): each point is chosen as if the ones before it had
  returned the best value seen. The GP models ``log(value)`` when
  ``transform='log'``. Told several objectives per point, every ask models
  ParEGO's scalarisation with weights drawn afresh
  (:func:`jaxgan.search.pareto.parego`). While every told value is the same (all members
  diverged, say) the GP has nothing to learn from, and points are drawn at
  random instead.
  """

  def __init__(self, space: Space, search: ml_collections.ConfigDict):
    self.space = space
    self.seed = search.seed
    self.initial_points = search.initial_points
    self.transform = search.transform
    self.points: list[Point] = []
    self.values: list = []

  def _objective(self) -> list[float]:
    if self.values and isinstance(self.values[0], tuple):
      weights = pareto.simplex_weights(np.random.default_rng(
          [self.seed, len(self.points)]), len(self.values[0]))
      return [float(v) for v in finite_values(
          pareto.parego(np.asarray(self.values), weights))]
    return [float(v) for v in modelled(self.values, self.transform)]

  def ask(self, n: int) -> list[Point]:
    if n == 0:
      return []
    rng_seed = self.seed * 1_000_003 + len(self.points)
    y = self._objective()
    if len(self.points) >= self.initial_points and len(set(y)) < 2:
      rng = np.random.default_rng(rng_seed)
      return [self.space.sample(rng) for _ in range(n)]
    opt = skopt.Optimizer(
        self.space.skopt(), base_estimator='GP',
        n_initial_points=self.initial_points,
        initial_point_generator='lhs', acq_func='EI',
        random_state=self.seed)
    if self.points:
      with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        opt.tell([self.space.surrogate(p) for p in self.points], y)
    opt.rng = np.random.RandomState(rng_seed % 2**32)
    with warnings.catch_warnings():
      warnings.simplefilter('ignore')
      points = opt.ask(n_points=n, strategy='cl_min')
    return [self.space.from_surrogate(p) for p in points]

  def tell(self, points: Sequence[Point], values: Sequence[float]) -> None:
    self.points.extend(list(p) for p in points)
    self.values.extend(tuple(map(float, v)) if isinstance(v, tuple)
                       else float(v) for v in values)


class Random:
  """Independent random points; point ``i`` depends only on the seed and
  ``i``."""

  def __init__(self, space: Space, search: ml_collections.ConfigDict):
    self.space = space
    self.seed = search.seed
    self.told = 0

  def ask(self, n: int) -> list[Point]:
    return schedulers.random_points(self.space, self.seed, self.told, n)

  def at(self, i: int) -> Point:
    """Point ``i``."""
    return schedulers.random_points(self.space, self.seed, i, 1)[0]

  def tell(self, points: Sequence[Point], values: Sequence[float]) -> None:
    del values
    self.told += len(points)


class Grid:
  """The grid with ``grid_points`` values per range (every value of a
  choice), visited in a seeded random order; after the last grid point it
  starts again."""

  def __init__(self, space: Space, search: ml_collections.ConfigDict):
    points = space.grid(search.grid_points)
    order = np.random.default_rng(search.seed).permutation(len(points))
    self.points = [points[i] for i in order]
    self.told = 0

  def ask(self, n: int) -> list[Point]:
    return [self.at(i) for i in range(self.told, self.told + n)]

  def at(self, i: int) -> Point:
    """Point ``i`` of the visit."""
    return self.points[i % len(self.points)]

  def tell(self, points: Sequence[Point], values: Sequence[float]) -> None:
    del values
    self.told += len(points)


def grid_size(space: Space, points: int) -> int:
  """How many points :class:`Grid` has before it repeats."""
  return len(space.grid(points))


def _grid(cfg, space: Space, say, workdir: str) -> schedulers.AskTell:
  """Grid search's scheduler, saying when the grid repeats."""
  s = cfg.search
  size = grid_size(space, s.grid_points)
  if size < s.num_trials:
    say(f'the grid has {size} points, fewer than search.num_trials='
        f'{s.num_trials}: it is visited again')
  return schedulers.AskTell(cfg, space, say, workdir,
                            sampler=sampler_of(Grid))


def _check_bayes(cfg: ml_collections.ConfigDict, space: Space) -> None:
  del space
  s = cfg.search
  if s.transform == 'log' and metrics.direction(cfg, s.objective) == 'max':
    raise ValueError(f"search.transform='log' models the log of an "
                     f'objective to minimise, but search.objective='
                     f"{s.objective!r} is maximised; use search.transform="
                     "'none' with search.method='bayes'")


register_method('bayes', SearchMethod.ask_tell(
    Bayes, "a Gaussian process (scikit-optimize), a round's points by the "
    'constant liar', warm=True, check=_check_bayes))
register_method('random', SearchMethod.ask_tell(
    Random, 'seeded uniform random points',
    shared=lambda cfg, space, study: shared.Indexed(
        Random(space, cfg.search).at)))
register_method('grid', SearchMethod(
    _grid, 'the grid of search.grid_points values per name, in order',
    shared=lambda cfg, space, study: shared.Indexed(
        Grid(space, cfg.search).at)))
