"""What a confirmation learns, as records: each setting's fresh seeds
(:class:`Confirmed`, a row of ``W/confirm.json``), the answer the rule
drew from them (:class:`Answer`), both together (:class:`Confirmation`),
and the typical seed handed to ``W/best/`` while it is on the device
(:class:`Fresh`)."""

import dataclasses
import math
from typing import NamedTuple

import numpy as np

from jaxgan.search.decision import Comparison, Rule, Sample
from jaxgan.search.members import Members
from jaxgan.search.trial import Trial


def _finite(value: float) -> float | None:
  return float(value) if value is not None and math.isfinite(value) else None


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
    seed_metrics: each seed's final evaluation.
    comparison: a contender's comparison with the incumbent on their
      shared seeds (None for the incumbent).
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
  seed_metrics: tuple[dict, ...] = ()
  comparison: Comparison | None = None

  def measured(self, finals: list[dict], diverged: list[bool],
               objective: str) -> 'Confirmed':
    """This setting with the results of more seeds: ``finals[k]`` is the
    final evaluation of the ``k``-th seed not yet measured, ``diverged[k]``
    whether it diverged."""
    new = tuple(_finite(q.get(objective)) for q in finals)
    values = self.values + new
    failed = self.failed + tuple(bool(d) or v is None
                                 for v, d in zip(new, diverged))
    seed_metrics = self.seed_metrics + tuple(dict(q) for q in finals)
    finite = [v for v in values if v is not None]
    metrics = {}
    for k in sorted({k for q in seed_metrics for k in q}):
      v = [q[k] for q in seed_metrics if k in q and math.isfinite(q[k])]
      if v:
        metrics[k] = float(np.mean(v))
    return dataclasses.replace(
        self, values=values, failed=failed, seed_metrics=seed_metrics,
        mean=float(np.mean(finite)) if finite else None,
        std=float(np.std(finite)) if finite else None,
        diverged=self.diverged + int(sum(bool(d) for d in diverged)),
        metrics=metrics)

  def sample(self, sign: float) -> Sample:
    """Its seeds as the rule sees them (minimised: ``sign`` is -1 for a
    maximised objective)."""
    return Sample(tuple(None if v is None else sign * v
                        for v in self.values), self.failed)

  def median(self, sign: float, rule: Rule) -> float | None:
    """The median over its seeds, failures counting as the worst (None
    when that is a failure), as the metric."""
    m = self.sample(sign).median(rule)
    return sign * m if math.isfinite(m) else None

  def typical(self, first: int) -> int | None:
    """The position of its typical seed: the lower median of the finite
    values of its ``first`` seeds (None when none is finite)."""
    order = sorted((k for k, v in enumerate(self.values[:first])
                    if v is not None), key=lambda k: self.values[k])
    return order[(len(order) - 1) // 2] if order else None

  def to_json(self) -> dict:
    return dict(dataclasses.asdict(self), seeds=list(self.seeds),
                values=list(self.values), failed=list(self.failed),
                seed_metrics=list(self.seed_metrics))

  @classmethod
  def from_json(cls, row: dict) -> 'Confirmed':
    """A row of ``W/confirm.json`` (one written before ``failed`` was
    stored gets it from its values; a comparison by the paired test that
    came before the rank-sum test is dropped)."""
    values = tuple(row.get('values', ()))
    failed = row.get('failed', [v is None for v in values])
    comparison = row.get('comparison')
    if comparison is not None and 'superiority' not in comparison:
      comparison = None
    return cls(**dict(row, seeds=tuple(row['seeds']), values=values,
                      failed=tuple(failed),
                      seed_metrics=tuple(row.get('seed_metrics', ())),
                      comparison=(None if comparison is None
                                  else Comparison(**comparison))))


@dataclasses.dataclass(frozen=True)
class Answer:
  """What the rule (:mod:`jaxgan.search.decision`) decided.

  Attributes:
    incumbent: the incumbent's row.
    chosen: the answer's row (the incumbent's when it is kept).
    rule: the rule it was decided by (its threshold minimised).
    seed: the typical seed of the answer, whose networks and samples
      ``W/best/`` holds.
    incumbent_kind: ``'baseline'`` (the config's own setting),
      ``'warm start'`` (the answer of the search it was warm-started from)
      or ``'search'`` (the best-ranked setting).
    direction: ``'min'`` or ``'max'``: which way the objective is better.
  """
  incumbent: int
  chosen: int
  rule: Rule
  seed: int | None
  incumbent_kind: str
  direction: str = 'min'

  @property
  def switched(self) -> bool:
    return self.chosen != self.incumbent

  @property
  def sign(self) -> float:
    """-1 for a maximised objective: what turns its values minimised."""
    return -1.0 if self.direction == 'max' else 1.0

  @property
  def incumbent_name(self) -> str:
    return {'baseline': "the config's own setting",
            'warm start': "the warm start's answer"}.get(
                self.incumbent_kind, "the search's best-ranked setting")

  def failures(self, row: Confirmed) -> tuple[bool, ...]:
    """Each of ``row``'s seeds' failure under the rule."""
    return row.sample(self.sign).failures(self.rule)

  def median(self, row: Confirmed) -> float | None:
    """``row``'s median under the rule, as the metric."""
    return row.median(self.sign, self.rule)

  def to_json(self) -> dict:
    return dataclasses.asdict(self)

  @classmethod
  def from_json(cls, obj: dict) -> 'Answer':
    return cls(**dict(obj, rule=Rule(**obj['rule'])))


@dataclasses.dataclass(frozen=True)
class Confirmation:
  """``W/confirm.json``: the rows, the answer, and how many trials the
  search had stored when they were confirmed."""
  trials: int
  rows: tuple[Confirmed, ...]
  answer: Answer | None

  @property
  def chosen(self) -> Confirmed | None:
    return None if self.answer is None else self.rows[self.answer.chosen]

  @property
  def incumbent(self) -> Confirmed | None:
    return None if self.answer is None else self.rows[self.answer.incumbent]

  def to_json(self) -> dict:
    return dict(trials=self.trials, rows=[r.to_json() for r in self.rows],
                answer=None if self.answer is None else self.answer.to_json())

  @classmethod
  def from_json(cls, obj: dict) -> 'Confirmation':
    """``W/confirm.json`` (one written before the rule decided, or
    decided by the paired test before it, has no answer: it is confirmed
    again)."""
    answer = obj.get('answer')
    rows = tuple(map(Confirmed.from_json, obj['rows']))
    if any(row.comparison is None for row in rows[1:]):
      answer = None
    return cls(obj['trials'], rows,
               None if answer is None else Answer.from_json(answer))


class Fresh(NamedTuple):
  """The answer's typical seed while its members are on the device: what
  :meth:`jaxgan.search.results.Best.fresh` keeps.

  Attributes:
    trial: the setting's best trial in the search.
    confirmation: the confirmation (its answer's row is the setting's).
    members: the members at their final state.
    member: the position of the typical seed among them.
    samples: that member's samples.
  """
  trial: Trial
  confirmation: Confirmation
  members: Members
  member: int
  samples: np.ndarray
