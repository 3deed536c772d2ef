"""The study's answer under seed noise: keep the incumbent unless a
contender is shown better on the same fresh seeds.

A GAN's objective moves with its seed almost as much as with its
hyperparameters, and now and then a seed fails outright. The answer is
decided as a statistician would:

* **Incumbent**: the config's own setting when the search trained it (a
  baseline trial), else the warm start's answer, else the best-ranked
  contender. **Contenders**: the search's top settings.
* **Robust comparison on the same seeds**: every setting trains the same
  fresh seeds, and each contender is compared with the incumbent by the
  exact one-sided Wilcoxon–Mann–Whitney rank-sum test (a rank test: one
  failed seed counts as one bad rank, not as a mean it drags). A seed
  *fails* when it diverged, has no finite objective, or is worse than
  ``search.failure`` (a stated threshold, when given); a failed seed is
  worse than any finite one, two failed seeds tie. The test is unpaired:
  on grid-25 a seed does not make every setting good or bad together
  (the confirmation's within-seed Spearman correlation has median 0), so
  pairing buys nothing, and the rank-sum test has more power there than
  the signed-rank test of the paired differences (BUILD_NOTES).
* **Several contenders**: Holm's step-down correction keeps the chance of
  switching to a contender that is not better at most ``alpha``
  (``search.confirm_alpha``), over every contender.
* **Seeds where the decision needs them** (racing, as F-race and SMAC's
  intensification do): after ``search.confirm_seeds`` seeds, a contender
  whose order with the incumbent is still open (not yet shown better, and
  still able to be with more seeds) trains up to
  ``search.confirm_max_seeds``, beside the incumbent, in whole populations.
  The two looks split ``alpha`` (:data:`FIRST_LOOK` of it at the first), so
  looking twice does not raise the false-switch rate.
* **The answer**: of the contenders shown better, the one with the lowest
  median; none shown better keeps the incumbent.

Every function here is pure and takes host numbers, so the rule is tested
and simulated without training (:func:`simulate`).

Example:
  >>> inc = Sample((0.926, 0.048, 0.096, 0.131), (False,) * 4)
  >>> con = Sample((0.371, 0.226, 0.215, 0.087), (False,) * 4)
  >>> decide(inc, [con], Rule(), final=True).chosen     # None: keep it
"""

import dataclasses
from typing import Callable, Sequence

import numpy as np

# The share of alpha spent at the first look; the rest at the last.
FIRST_LOOK = 0.25
# The test, in words (the report, best/metrics.json, the last lines).
TEST = ('exact one-sided Wilcoxon-Mann-Whitney rank-sum test, a failed '
        'seed ranking worst, Holm-corrected over the contenders')


@dataclasses.dataclass(frozen=True)
class Rule:
  """How the answer is decided.

  Attributes:
    alpha: the largest chance of switching to a contender no better than
      the incumbent (the family-wise error over contenders and looks).
    threshold: a minimised objective above which a seed fails; None: only
      diverged and non-finite seeds fail.
    first: the seeds every setting trains before the first look.
    most: the seeds an open contender (and the incumbent) may train in
      all; at most ``first``: one look.
  """
  alpha: float = 0.05
  threshold: float | None = None
  first: int = 8
  most: int = 12

  def level(self, final: bool) -> float:
    """The alpha of a look: all of it when there is one look; with two,
    :data:`FIRST_LOOK` of it at the first and the rest at the last."""
    if self.most <= self.first:
      return self.alpha
    return self.alpha * ((1 - FIRST_LOOK) if final else FIRST_LOOK)


@dataclasses.dataclass(frozen=True)
class Sample:
  """One setting's fresh seeds, in seed order.

  Attributes:
    values: each seed's objective, minimised (None: not finite).
    failed: each seed's failure before the rule's threshold (diverged or
      not finite).
  """
  values: tuple[float | None, ...]
  failed: tuple[bool, ...]

  def failures(self, rule: Rule) -> tuple[bool, ...]:
    """Each seed's failure under ``rule``: failed, or past its
    threshold."""
    return tuple(bool(f) or v is None or (rule.threshold is not None
                                           and v > rule.threshold)
                 for v, f in zip(self.values, self.failed))

  def scores(self, rule: Rule) -> np.ndarray:
    """Each seed's value with failures at ``inf``."""
    return np.array([np.inf if f else v for v, f in
                     zip(self.values, self.failures(rule))], np.float64)

  def median(self, rule: Rule) -> float:
    """The median over seeds, failures counting as ``inf``."""
    return float(np.median(self.scores(rule)))


def _ranks(values: np.ndarray) -> np.ndarray:
  """Midranks (from 1) of ``values``, doubled so that they are integers;
  equal values (two failed seeds, ``inf``) share theirs."""
  order = np.argsort(values, kind='stable')
  ranks = np.empty(len(values), np.int64)
  ordered = values[order]
  i = 0
  while i < len(ordered):
    j = i
    while j + 1 < len(ordered) and ordered[j + 1] == ordered[i]:
      j += 1
    ranks[order[i:j + 1]] = i + j + 2  # twice the mean of ranks i+1..j+1
    i = j + 1
  return ranks


def rank_sum_p(contender: Sequence[float], incumbent: Sequence[float],
               extra: int = 0) -> float:
  """The exact one-sided p-value of the Wilcoxon–Mann–Whitney rank-sum
  test that the contender's seeds (minimised values, ``inf`` where failed)
  tend lower than the incumbent's.

  Ties take midranks, and the null distribution counts every way of
  drawing the contender's seeds' ranks from all of them (exact with ties,
  as a permutation test of the rank sum). With ``extra``, as if each side
  had that many more seeds, the contender's better and the incumbent's
  worse than any seen: the least p-value these seeds can reach.
  """
  c = np.asarray(contender, np.float64)
  i = np.asarray(incumbent, np.float64)
  if not len(c) or not len(i):
    return 1.0
  seen = _ranks(np.concatenate([c, i])) + 2 * extra
  everyone = len(c) + len(i) + 2 * extra
  mine = np.concatenate([2 * np.arange(1, extra + 1), seen[:len(c)]])
  ranks = np.concatenate([mine, seen[len(c):], 2 * np.arange(
      everyone - extra + 1, everyone + 1)])
  # counts[k, s]: the ways k of the ranks so far sum to s.
  counts = np.zeros((len(mine) + 1, int(ranks.sum()) + 1), np.float64)
  counts[0, 0] = 1.0
  for r in ranks:
    shifted = counts.copy()
    shifted[1:, r:] += counts[:-1, :-r]
    counts = shifted
  last = counts[len(mine)]
  return float(last[:int(mine.sum()) + 1].sum() / last.sum())


def superiority(contender: np.ndarray, incumbent: np.ndarray) -> float:
  """The share of (contender seed, incumbent seed) pairs the contender
  wins, ties counting half: the Mann–Whitney U over its largest value
  (0.5: no better)."""
  c, i = contender[:, None], incumbent[None, :]
  return float(np.mean((c < i) + 0.5 * (c == i)))


def holm(pvalues: Sequence[float], alpha: float
         ) -> tuple[list[bool], list[float]]:
  """Holm's step-down test: which hypotheses are rejected with the
  family-wise error at most ``alpha``, and the level each p-value faces
  (``alpha / (m - rank)`` in increasing order)."""
  order = np.argsort(pvalues, kind='stable')
  rejected = [False] * len(pvalues)
  levels = [0.0] * len(pvalues)
  going = True
  for step, k in enumerate(order):
    levels[k] = alpha / (len(pvalues) - step)
    going = going and pvalues[k] <= levels[k]
    rejected[k] = going
  return rejected, levels


@dataclasses.dataclass(frozen=True)
class Comparison:
  """One contender against the incumbent on their shared seeds.

  Attributes:
    p: the rank-sum test's one-sided p-value.
    level: the level Holm's test held it to at the last look.
    better: shown better (Holm's test at this look rejected its null).
    open: its order with the incumbent is still undecided: not shown
      better, and more seeds could still show it.
    seeds: the seeds compared (each side's).
    wins: seeds where it beat the incumbent on the same seed.
    superiority: the share of (its seed, the incumbent's seed) pairs it
      wins, ties half (:func:`superiority`; 0.5: no better).
  """
  p: float
  level: float
  better: bool
  open: bool
  seeds: int
  wins: int
  superiority: float


@dataclasses.dataclass(frozen=True)
class Decision:
  """What a look at the seeds decides.

  Attributes:
    comparisons: one per contender, in order.
    chosen: the contender to switch to (its position), or None to keep
      the incumbent.
  """
  comparisons: tuple[Comparison, ...]
  chosen: int | None

  @property
  def racing(self) -> tuple[int, ...]:
    """The contenders that need more seeds."""
    return tuple(k for k, c in enumerate(self.comparisons) if c.open)


def decide(incumbent: Sample, contenders: Sequence[Sample], rule: Rule,
           final: bool, shown: Sequence[bool] = ()) -> Decision:
  """One look: each contender against the incumbent on the seeds they
  share (the incumbent's first ones), Holm-corrected at this look's alpha.

  Args:
    incumbent: the incumbent's seeds (at least as many as any
      contender's).
    contenders: the contenders' seeds.
    rule: the alpha, failure threshold and seed counts.
    final: the last look (no more seeds follow).
    shown: contenders an earlier look showed better (they stay so).

  Returns:
    The comparisons and the chosen contender: of those shown better, the
    lowest median (then the lowest p-value, then the first).
  """
  level = rule.level(final)
  inc = incumbent.scores(rule)
  pairs = [(c.scores(rule), inc[:len(c.values)]) for c in contenders]
  pvalues = [rank_sum_p(c, i) for c, i in pairs]
  better, levels = holm(pvalues, level)
  shown = list(shown) + [False] * (len(contenders) - len(shown))
  comparisons = []
  for k, ((c, i), p) in enumerate(zip(pairs, pvalues)):
    is_better = better[k] or shown[k]
    # Open: not shown better, and were every further seed to favour it,
    # the last look's least strict Holm threshold could still be met.
    more = rule.most - len(c)
    could = (not final and more > 0
             and rank_sum_p(c, i, more) <= rule.level(True))
    comparisons.append(Comparison(
        p=p, level=levels[k], better=is_better, open=not is_better and could,
        seeds=len(c), wins=int(np.sum(c < i)), superiority=superiority(c, i)))
  winners = [k for k, c in enumerate(comparisons) if c.better]
  chosen = min(winners, key=lambda k: (
      contenders[k].median(rule), comparisons[k].p, k), default=None)
  return Decision(tuple(comparisons), chosen)


def race(draw: Callable[[Sequence[int], int, int], list[Sample]],
         contenders: int, rule: Rule) -> tuple[Decision, list[Sample]]:
  """The whole rule: ``rule.first`` seeds for the incumbent and every
  contender, a look, then up to ``rule.most`` seeds for the incumbent and
  the contenders still open, and the last look.

  Args:
    draw: ``(settings, start, stop) -> samples``: seeds ``start`` to
      ``stop - 1`` of ``settings`` (0: the incumbent, ``k + 1``: contender
      ``k``), one :class:`Sample` per setting.
    contenders: how many there are.
    rule: the alpha, failure threshold and seed counts.

  Returns:
    The last look's decision and every setting's samples (incumbent
    first).
  """
  samples = draw(range(contenders + 1), 0, rule.first)
  look = decide(samples[0], samples[1:], rule,
                final=rule.most <= rule.first)
  if not look.racing:
    return look, samples
  settings = [0] + [k + 1 for k in look.racing]
  for setting, extra in zip(settings, draw(settings, rule.first,
                                           rule.most)):
    s = samples[setting]
    samples[setting] = Sample(s.values + extra.values,
                              s.failed + extra.failed)
  last = decide(samples[0], samples[1:], rule, final=True,
                shown=[c.better for c in look.comparisons])
  return last, samples


def lognormal(median: float, fail: float = 0.0, sigma: float = 0.45
              ) -> Callable[[np.random.Generator, int], np.ndarray]:
  """A setting's seeds for :func:`simulate`: log-normal around ``median``
  (``sigma`` in log; 0.45 is the spread of partition KL over the seeds of
  jaxgan's defaults on grid-25), each failing (``inf``) with probability
  ``fail``."""
  def draw(rng: np.random.Generator, n: int) -> np.ndarray:
    v = median * np.exp(sigma * rng.standard_normal(n))
    return np.where(rng.random(n) < fail, np.inf, v)
  return draw


def simulate(rng: np.random.Generator, runs: int, incumbent: Callable,
             contenders: Sequence[Callable], rule: Rule = Rule()) -> dict:
  """How often the rule switches, without training: in each run every seed
  of the incumbent and of contender ``k`` is drawn by ``incumbent(rng, n)``
  or ``contenders[k](rng, n)`` (``n`` minimised values, ``inf`` where a
  seed fails).

  Returns:
    ``switched`` (the share of runs that switched), ``chosen`` (per
    contender, the share of runs that chose it), ``raced`` (that trained
    more seeds) and ``seeds`` (the mean seeds a setting trained).
  """
  draws = [incumbent, *contenders]
  chosen = np.zeros(len(contenders))
  raced = seeds = 0

  def draw(settings, start, stop):
    out = []
    for s in settings:
      v = np.asarray(draws[s](rng, stop - start), np.float64)
      out.append(Sample(tuple(float(x) if np.isfinite(x) else None
                              for x in v), tuple(~np.isfinite(v))))
    return out

  for _ in range(runs):
    decision, samples = race(draw, len(contenders), rule)
    if decision.chosen is not None:
      chosen[decision.chosen] += 1
    raced += any(len(s.values) > rule.first for s in samples)
    seeds += np.mean([len(s.values) for s in samples])
  return dict(switched=float(chosen.sum() / runs),
              chosen=tuple(float(c / runs) for c in chosen),
              raced=raced / runs, seeds=seeds / runs)
