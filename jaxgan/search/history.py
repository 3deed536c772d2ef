"""What the host keeps of each running member: its best evaluation, its
training curves and every evaluation, apart from the population's device
state (:mod:`jaxgan.search.members`).

A :class:`History` holds one row per member. It is saved as JSON with the
running population at every round boundary (:meth:`History.to_json`), and
it is what a :class:`~jaxgan.search.trial.Trial` is built from.
"""

from typing import Any, NamedTuple

import numpy as np

from jaxgan import train

# Points of the training curves per chunk: each is the mean of one window of
# the chunk's steps.
CURVE_WINDOWS = 10
# The training curves kept: every step diagnostic but the finite flag.
CURVES = tuple(k for k in train.STEP_METRICS if k != 'finite')


def plain(values) -> list:
  """Host values as JSON: a list, with non-finite floats as None."""
  x = np.asarray(values)
  if x.dtype.kind == 'f':
    return [float(v) if np.isfinite(v) else None for v in x]
  return x.tolist()


def unplain(values, dtype=np.float64) -> np.ndarray:
  """The inverse of :func:`plain`, with None as ``inf``."""
  return np.asarray([np.inf if v is None else v for v in values], dtype)


def windows(step_metrics: dict, n: int, done: int, chunk: int) -> dict:
  """Window means of a chunk's step metrics (``{name: (members, chunk)}``)
  for its first ``n`` members, and each window's last step."""
  bounds = np.array_split(np.arange(chunk), min(CURVE_WINDOWS, chunk))
  out = {'step': np.asarray([done - chunk + b[-1] + 1 for b in bounds])}
  for k in CURVES:
    v = np.asarray(step_metrics[k][:n], np.float64)
    out[k] = np.stack([v[:, b].mean(axis=1) for b in bounds], axis=1)
  return out


def _extend(series: dict, part: dict) -> dict:
  out = {'step': np.concatenate([series['step'], part['step']])}
  for k, v in part.items():
    if k != 'step':
      old = series.get(k, np.full((len(v), len(series['step'])), np.nan))
      out[k] = np.concatenate([old, v], axis=1)
  return out


def _rows(series: dict, index) -> dict:
  return {k: v if k == 'step' else v[np.asarray(index)]
          for k, v in series.items()}


def _series_json(series: dict) -> dict:
  return {k: plain(v) if k == 'step' else [plain(r) for r in v]
          for k, v in series.items()}


def _series(obj: dict, n: int) -> dict:
  return {k: np.asarray(v, np.int64) if k == 'step' else
          np.asarray([unplain(r) for r in v]).reshape(n, -1)
          for k, v in obj.items()}


class History(NamedTuple):
  """The host's record of running members, one row each.

  Attributes:
    ids: each member's trial id, ``(n,)``.
    points: each member's search point.
    parents: the trial each member continues (PBT), or None.
    groups: the first trial of each member's setting when a setting trains
      with several seeds (``search.seeds``), else None.
    steps: steps every member has trained.
    best: metrics of each member's best evaluation, ``{name: (n,)}``.
    best_objective: the objective there, times the sign of
      :meth:`evaluated` (``inf`` before any finite one).
    best_step: the step of the best evaluation (0 before any).
    objective: the objective at the latest evaluation (``inf`` before any).
    losses: mean D and G losses of the last chunk, ``{name: (n,)}``.
    curves: training curves, ``{'step': (T,), name: (n, T)}``: the last step
      of each window and the window means of :data:`CURVES`.
    evaluations: ``{'step': (E,), metric: (n, E)}``, every evaluation.
  """
  ids: np.ndarray
  points: list
  parents: list
  groups: list
  steps: int
  best: dict[str, np.ndarray]
  best_objective: np.ndarray
  best_step: np.ndarray
  objective: np.ndarray
  losses: dict[str, np.ndarray]
  curves: dict[str, np.ndarray]
  evaluations: dict[str, np.ndarray]

  @classmethod
  def new(cls, ids, points: list, parents: list | None = None,
          groups: list | None = None, steps: int = 0) -> 'History':
    """Members that have not been evaluated yet."""
    n = len(ids)
    return cls(
        ids=np.asarray(ids, np.int64), points=list(points),
        parents=list(parents) if parents is not None else [None] * n,
        groups=list(groups) if groups is not None else [None] * n,
        steps=steps, best={}, best_objective=np.full(n, np.inf),
        best_step=np.zeros(n, np.int64), objective=np.full(n, np.inf),
        losses={}, curves={'step': np.zeros(0, np.int64),
                           **{k: np.zeros((n, 0)) for k in CURVES}},
        evaluations={'step': np.zeros(0, np.int64)})

  def evaluated(self, steps: int, part: dict, losses: dict, quality: dict,
                objective: str, sign: float = 1.0
                ) -> tuple['History', np.ndarray]:
    """Adds a chunk: its curve windows ``part``, its mean ``losses`` and the
    evaluation ``quality`` after it (``{name: (n,)}``).

    Args:
      steps, part, losses, quality: the chunk (see above).
      objective: the metric that picks each member's best evaluation.
      sign: 1 where lower is better, -1 where higher is:
        :attr:`best_objective` and :attr:`objective` hold ``sign`` times
        the metric, minimised.

    Returns:
      The history, and which members improved their best ``objective``.
    """
    value = sign * np.asarray(quality[objective], np.float64)
    improved = np.isfinite(value) & (value < self.best_objective)
    best = dict(self.best)
    for k, v in quality.items():
      best[k] = np.where(improved, v, best.get(k, np.full(len(v), np.nan)))
    evaluations = _extend(self.evaluations, {
        'step': np.asarray([steps]),
        **{k: np.asarray(v, np.float64)[:, None] for k, v in quality.items()}})
    return self._replace(
        steps=steps, best=best,
        best_objective=np.where(improved, value, self.best_objective),
        best_step=np.where(improved, steps, self.best_step),
        objective=np.where(np.isfinite(value), value, np.inf), losses=losses,
        curves=_extend(self.curves, part), evaluations=evaluations), improved

  def rows(self, index) -> 'History':
    """Members ``index``, in that order."""
    index = np.asarray(index, np.int64)
    return self._replace(
        ids=self.ids[index], points=[self.points[i] for i in index],
        parents=[self.parents[i] for i in index],
        groups=[self.groups[i] for i in index],
        best={k: v[index] for k, v in self.best.items()},
        best_objective=self.best_objective[index],
        best_step=self.best_step[index], objective=self.objective[index],
        losses={k: v[index] for k, v in self.losses.items()},
        curves=_rows(self.curves, index),
        evaluations=_rows(self.evaluations, index))

  def member(self, j: int) -> tuple[dict, dict]:
    """Member ``j``'s curves and evaluations as JSON: ``{'step': [...],
    name: [...]}`` each."""
    def one(series):
      return {'step': plain(series['step']),
              **{k: plain(v[j]) for k, v in series.items() if k != 'step'}}
    return one(self.curves), one(self.evaluations)

  def to_json(self) -> dict[str, Any]:
    """The history as JSON (saved with the running population)."""
    return dict(
        ids=plain(self.ids), points=self.points, parents=self.parents,
        groups=self.groups, steps=self.steps,
        best={k: plain(v) for k, v in self.best.items()},
        best_objective=plain(self.best_objective),
        best_step=plain(self.best_step), objective=plain(self.objective),
        losses={k: plain(v) for k, v in self.losses.items()},
        curves=_series_json(self.curves),
        evaluations=_series_json(self.evaluations))

  @classmethod
  def from_json(cls, obj: dict[str, Any]) -> 'History':
    """The inverse of :meth:`to_json`."""
    n = len(obj['ids'])
    return cls(
        ids=np.asarray(obj['ids'], np.int64), points=obj['points'],
        parents=obj['parents'], groups=obj['groups'], steps=obj['steps'],
        best={k: unplain(v) for k, v in obj['best'].items()},
        best_objective=unplain(obj['best_objective']),
        best_step=np.asarray(obj['best_step'], np.int64),
        objective=unplain(obj['objective']),
        losses={k: unplain(v) for k, v in obj['losses'].items()},
        curves=_series(obj['curves'], n),
        evaluations=_series(obj['evaluations'], n))
