"""What a confirmation learns about one setting, as records: each fresh
seed's result (:class:`Confirmed`, one row of ``W/confirm.json``) and the
median seed handed to ``W/best/`` while it is on the device
(:class:`Fresh`)."""

import dataclasses
from typing import NamedTuple

import numpy as np

from jaxgan.search.members import Members
from jaxgan.search.trial import Trial


@dataclasses.dataclass(frozen=True)
class Confirmed:
  """One setting retrained with fresh seeds.

  Attributes:
    setting: the setting's values (:attr:`Trial.setting`).
    trial: the id of its best trial in the search.
    search: the robust objective the search saw, as the metric.
    baseline: whether it is the config's own setting.
    steps: the step every seed trained to (its best trial's best step).
    seeds: the fresh seeds.
    values: each seed's objective at its final evaluation (None where it
      had none finite).
    failed: each seed's failure: it diverged or has no finite objective.
    mean, std: over the finite values (None when there are none).
    diverged: how many seeds diverged.
    metrics: the mean of every metric over the seeds that measured it.
  """
  setting: dict
  trial: int
  search: float
  baseline: bool
  steps: int
  seeds: tuple[int, ...]
  values: tuple[float | None, ...] = ()
  failed: tuple[bool, ...] = ()
  mean: float | None = None
  std: float | None = None
  diverged: int = 0
  metrics: dict = dataclasses.field(default_factory=dict)

  def measured(self, finals: list[dict], diverged: list[bool],
               objective: str) -> 'Confirmed':
    """This setting with its results: ``finals[k]`` is seed ``k``'s final
    evaluation, ``diverged[k]`` whether it diverged."""
    values = [q.get(objective) for q in finals]
    values = tuple(float(v) if v is not None and np.isfinite(v) else None
                   for v in values)
    finite = [v for v in values if v is not None]
    metrics = {}
    for k in sorted({k for q in finals for k in q}):
      v = [q[k] for q in finals if k in q and np.isfinite(q[k])]
      if v:
        metrics[k] = float(np.mean(v))
    return dataclasses.replace(
        self, values=values,
        failed=tuple(bool(d) or v is None for v, d in zip(values, diverged)),
        mean=float(np.mean(finite)) if finite else None,
        std=float(np.std(finite)) if finite else None,
        diverged=int(sum(bool(d) for d in diverged)), metrics=metrics)

  @property
  def median(self) -> int | None:
    """The position of its median seed (the lower median of its finite
    values), None when none is finite."""
    order = sorted((k for k, v in enumerate(self.values) if v is not None),
                   key=lambda k: self.values[k])
    return order[(len(order) - 1) // 2] if order else None

  def to_json(self) -> dict:
    return dict(dataclasses.asdict(self), seeds=list(self.seeds),
                values=list(self.values), failed=list(self.failed))

  @classmethod
  def from_json(cls, row: dict) -> 'Confirmed':
    """A row of ``W/confirm.json`` (one written before ``failed`` was
    stored gets it from its values)."""
    values = tuple(row.get('values', ()))
    failed = row.get('failed', [v is None for v in values])
    return cls(**dict(row, seeds=tuple(row['seeds']), values=values,
                      failed=tuple(failed)))


class Fresh(NamedTuple):
  """A confirmed setting's median seed while its members are on the device:
  what :meth:`jaxgan.search.results.Best.fresh` may keep.

  Attributes:
    trial: the setting's best trial in the search.
    row: its :class:`Confirmed` results.
    key: what ranks it (:func:`jaxgan.search.confirm.fresh_key`).
    members: the members at their final state.
    member: the position of its median seed among them.
    samples: that member's samples.
    seed: that member's seed.
  """
  trial: Trial
  row: Confirmed
  key: tuple[float, int]
  members: Members
  member: int
  samples: np.ndarray
  seed: int
