"""The trial record: one finished (or stopped) run of one setting.

:func:`build` is the one place a trial is made (from a member's
:class:`~jaxgan.search.history.History` row), and :meth:`Trial.to_json` /
:meth:`Trial.from_json` the one place it is written and read: a line of
``W/trials.jsonl``, ``W/best/metrics.json``.

Example:
  >>> t = Trial.from_json(json.loads(line))
  >>> t.id, t.objective, t.setting['lr_d'], t.metrics['modes']
"""

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from jaxgan import hparams as hparams_module
from jaxgan.search import diagnostics
from jaxgan.search.history import History

STATUSES = ('finished', 'stopped', 'diverged')


@dataclasses.dataclass(frozen=True)
class Trial:
  """One stored trial.

  Attributes:
    id: its number in the search, from 0.
    round: the round that stored it (a rung of halving, a segment of PBT).
    setting: its searched names' values (``{'lr_d': 1e-3, 'model.width':
      64}``).
    hparams: every dynamic hyperparameter it trained with (``loss`` by name).
    bucket: the static values of its compiled program (``{}`` when none is
      searched).
    objective: the search objective at its best evaluation; None when it
      never produced a finite one.
    direction: ``'min'`` or ``'max'``: which way the objective is better.
    metrics: every metric of its best evaluation.
    best_step: the step of that evaluation.
    steps: the steps it trained.
    losses: mean D and G losses of its last chunk.
    diverged: whether a loss, gradient or parameter went non-finite.
    status: ``'finished'``, ``'stopped'`` (early, by the schedule or the
      budget) or ``'diverged'``.
    curves: its training curves, ``{'step': [...], name: [...]}``.
    evaluations: every evaluation, ``{'step': [...], metric: [...]}``.
    flags: what :func:`jaxgan.search.diagnostics.diagnose` found.
    seconds: the wall time of the round that trained it, from asking for
      its points to its evaluation.
    budget: member-steps the search had trained when it was stored.
    elapsed: wall seconds the search's rounds had run when it was stored.
    parent: the trial it continued (PBT), or None.
    member: its position in a PBT population, or None.
    group: with several seeds per setting (``search.seeds``), the id of the
      setting's first trial, shared by all its seeds; else None.
  """
  id: int
  round: int
  setting: dict[str, Any]
  hparams: dict[str, Any]
  bucket: dict[str, Any]
  objective: float | None
  metrics: dict[str, float]
  best_step: int
  steps: int
  losses: dict[str, float]
  diverged: bool
  status: str
  curves: dict[str, list]
  evaluations: dict[str, list]
  flags: dict[str, str]
  seconds: float
  budget: int
  elapsed: float = 0.0
  parent: int | None = None
  member: int | None = None
  group: int | None = None
  direction: str = 'min'

  @property
  def value(self) -> float:
    """The objective as a number to minimise (negated where higher is
    better): ``inf`` when there is none."""
    if self.objective is None:
      return np.inf
    return -self.objective if self.direction == 'max' else self.objective

  def to_json(self) -> dict[str, Any]:
    """The trial as a JSON object (what ``trials.jsonl`` holds)."""
    return dataclasses.asdict(self)

  @classmethod
  def from_json(cls, obj: dict[str, Any]) -> 'Trial':
    """Reads a stored trial; fields added to jaxgan after it was written
    take their defaults.

    Raises:
      ValueError: a field it lacks has no default, or one is unknown.
    """
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(obj) - names)
    if unknown:
      raise ValueError(f'a stored trial has unknown fields {unknown}')
    try:
      return cls(**obj)
    except TypeError as e:
      raise ValueError(f'a stored trial is incomplete: {e}') from None

  def replace(self, **changes) -> 'Trial':
    """A copy with ``changes``."""
    return dataclasses.replace(self, **changes)


class Stamp(NamedTuple):
  """What every trial a round stores shares.

  Attributes:
    round: the round storing it.
    objective: the objective's metric name.
    direction: ``'min'`` or ``'max'``.
    seconds, budget, elapsed: see :class:`Trial`.
  """
  round: int
  objective: str
  direction: str
  seconds: float
  budget: int
  elapsed: float


class Values(NamedTuple):
  """One member's values.

  Attributes:
    setting: its searched values.
    hparams: its dynamic hyperparameters (``loss`` as an index).
    bucket: its static values.
    diverged: whether it diverged.
    member: its position in a PBT population (None otherwise).
  """
  setting: dict
  hparams: dict
  bucket: dict
  diverged: bool
  member: int | None = None


def build(history: History, j: int, values: Values, stamp: Stamp) -> Trial:
  """The trial of member ``j`` of ``history``, ``'diverged'`` or
  ``'finished'`` (the round runner marks the ones stopped early)."""
  value = history.best_objective[j]
  value = -value if stamp.direction == 'max' else value
  curves, evaluations = history.member(j)
  return Trial(
      id=int(history.ids[j]), round=stamp.round, setting=values.setting,
      hparams={k: hparams_module.decode(k, v)
               for k, v in values.hparams.items()},
      bucket=dict(values.bucket),
      objective=float(value) if np.isfinite(value) else None,
      metrics={k: float(v[j]) for k, v in history.best.items()
               if np.isfinite(v[j])},
      best_step=int(history.best_step[j]), steps=history.steps,
      losses={k: float(v[j]) for k, v in history.losses.items()
              if np.isfinite(v[j])},
      diverged=values.diverged,
      status='diverged' if values.diverged else 'finished',
      curves=curves, evaluations=evaluations,
      flags=diagnostics.diagnose(curves, evaluations, values.diverged,
                                 stamp.objective),
      seconds=stamp.seconds, budget=stamp.budget, elapsed=stamp.elapsed,
      parent=history.parents[j], member=values.member,
      group=history.groups[j], direction=stamp.direction)
