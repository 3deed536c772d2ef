"""Several objectives at once: directions, the Pareto front, and ParEGO's
random scalarisations.

With ``search.pareto`` naming more metrics (``'high_quality'``, or
``'precision,recall'`` on images), a study has the objectives
``[search.objective] + search.pareto``, each minimised or maximised as
:data:`jaxgan.metrics.DIRECTIONS` says. Every trial is judged at the best
evaluation of the first (its early-stopping point), so its objectives are
the metrics of that one state. The trials no other trial beats in every
objective form the Pareto front (``W/pareto.json``, the report).

``bayes`` searches a front the way ParEGO does (Knowles 2006): every ask
draws weights from the simplex and models the augmented Chebyshev
scalarisation :func:`parego` of the normalised objectives, so successive
rounds aim at different parts of the front. ``optuna-nsga2`` uses NSGA-II.

Example:
  >>> objs = objectives(cfg)                 # [('partition_kl', 'min'), ...]
  >>> y = np.stack([losses(t, objs) for t in trials])
  >>> [trials[i].id for i in front(y)]
"""

import ml_collections
import numpy as np

from jaxgan import metrics
from jaxgan.search.trial import Trial

# The weight of the sum beside the maximum in ParEGO's scalarisation.
RHO = 0.05


def objectives(cfg: ml_collections.ConfigDict) -> list[tuple[str, str]]:
  """``[(metric, 'min' or 'max')]``: ``search.objective``, then each name
  of ``search.pareto``."""
  names = [cfg.search.objective] + [
      n.strip() for n in cfg.search.pareto.split(',') if n.strip()]
  return [(n, metrics.direction(cfg, n)) for n in names]


def losses(trial: Trial, objs: list[tuple[str, str]]) -> np.ndarray:
  """The trial's objectives to minimise (negated where higher is better);
  ``inf`` where it has none."""
  out = []
  for name, direction in objs:
    v = trial.metrics.get(name) if trial.objective is not None else None
    v = np.inf if v is None or not np.isfinite(v) else float(v)
    out.append(-v if direction == 'max' and np.isfinite(v) else v)
  return np.asarray(out, np.float64)


def front(y: np.ndarray) -> list[int]:
  """The rows of ``y`` (``(n, objectives)``, minimised) that no other row
  dominates (no worse in every objective, better in one); rows with a
  non-finite value are never on it. Equal rows are all kept."""
  y = np.asarray(y, np.float64)
  finite = np.all(np.isfinite(y), axis=1)
  out = []
  for i in np.flatnonzero(finite):
    others = y[finite]
    dominated = np.any(np.all(others <= y[i], axis=1)
                       & np.any(others < y[i], axis=1))
    if not dominated:
      out.append(int(i))
  return out


def simplex_weights(rng: np.random.Generator, m: int) -> np.ndarray:
  """Weights drawn uniformly from the simplex of ``m`` objectives."""
  return rng.dirichlet(np.ones(m))


def parego(y: np.ndarray, weights: np.ndarray) -> np.ndarray:
  """ParEGO's augmented Chebyshev scalarisation of ``y`` (``(n, m)``,
  minimised): each objective scaled to [0, 1] over the finite rows, then
  ``max_i(w_i f_i) + RHO * sum_i(w_i f_i)``; ``inf`` for rows with a
  non-finite value."""
  y = np.asarray(y, np.float64)
  finite = np.all(np.isfinite(y), axis=1)
  out = np.full(len(y), np.inf)
  if not finite.any():
    return out
  low, high = y[finite].min(axis=0), y[finite].max(axis=0)
  f = (y[finite] - low) / np.where(high > low, high - low, 1.0)
  out[finite] = (f * weights).max(axis=1) + RHO * (f * weights).sum(axis=1)
  return out


def study(cfg: ml_collections.ConfigDict,
                 trials: list[Trial]) -> dict:
  """The study's objectives and the trials on its Pareto front
  (:mod:`jaxgan.search.pareto`), as ``W/pareto.json`` holds them."""
  objs = objectives(cfg)
  y = (np.stack([losses(t, objs) for t in trials]) if trials
       else np.zeros((0, len(objs))))
  return dict(objectives=objs, front=[
      dict(trial=trials[i].id, setting=trials[i].setting,
           **{n: trials[i].metrics[n] for n, _ in objs})
      for i in sorted(front(y), key=lambda i: y[i, 0])])
