"""Ask/tell search methods: Bayesian optimisation, random and grid search.

All share one interface: ``ask(n)`` returns ``n`` points to train together
as a population, ``tell(points, values)`` hands back one objective value per
point (lower is better; ``inf`` or NaN for a member that produced nothing
finite), or, in a study of several objectives, a tuple of them per point. A method rebuilt and told the same history asks the same points, so
a search resumes from its trial store. With ``search.baseline`` every search
first trains the config's own hyperparameters (:func:`baseline`), the status
quo its result is measured against.

Each is one :class:`jaxgan.search.method.SearchMethod`; successive halving
and PBT, which continue members from their state, are schedulers over the
population (:mod:`jaxgan.search.schedulers`).
"""

import warnings
from typing import Any, Sequence

import ml_collections
import numpy as np
import skopt

from jaxgan.search import pareto
from jaxgan.search.space import Space

Point = list[Any]


def finite_values(values: Sequence[float]) -> np.ndarray:
  """Replaces non-finite values by the worst finite one plus a margin.

  The margin is a tenth of the finite values' spread, at least 1, so a
  diverged member ranks below every member that trained, and a GP sees no
  NaN. With no finite value at all every entry becomes 1.
  """
  values = np.asarray(values, np.float64)
  finite = np.isfinite(values)
  if not finite.any():
    return np.ones_like(values)
  worst, best = values[finite].max(), values[finite].min()
  return np.where(finite, values, worst + max(1.0, 0.1 * (worst - best)))


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
    return [self.space.sample(np.random.default_rng([self.seed, i]))
            for i in range(self.told, self.told + n)]

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
    return [self.points[i % len(self.points)]
            for i in range(self.told, self.told + n)]

  def tell(self, points: Sequence[Point], values: Sequence[float]) -> None:
    del values
    self.told += len(points)


def baseline(cfg, space: Space, say) -> list:
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


def grid_size(space: Space, points: int) -> int:
  """How many points :class:`Grid` has before it repeats."""
  return len(space.grid(points))
