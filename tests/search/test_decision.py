"""The rule that decides a search's answer, by hand and simulated."""

import numpy as np
import pytest
from scipy import stats

from jaxgan.search import decision
from jaxgan.search.decision import Rule, Sample


def sample(*values):
  return Sample(tuple(None if v is None else float(v) for v in values),
                tuple(v is None for v in values))


def test_the_exact_p_value_is_the_rank_sum_tests():
  # Every 4 of the 8 ranks are equally likely to be the contender's: its
  # holding ranks 1..4 is 1 of 70.
  assert decision.rank_sum_p([1, 2, 3, 4], [5, 6, 7, 8]) == 1 / 70
  # Ranks 1, 2, 3, 5 sum to 11: {1,2,3,4} and {1,2,3,5} reach it, 2 of 70.
  assert decision.rank_sum_p([1, 2, 3, 5], [4, 6, 7, 8]) == 2 / 70
  rng = np.random.default_rng(0)
  for n, m in ((5, 5), (8, 8), (6, 9)):
    c, i = rng.normal(-0.5, 1.0, n), rng.normal(0.0, 1.0, m)
    assert decision.rank_sum_p(c, i) == pytest.approx(stats.mannwhitneyu(
        c, i, alternative='less', method='exact').pvalue, abs=1e-12)
  # Ties share their midranks and failures (inf) tie with each other,
  # above every finished seed; the null counts every draw of 2 of these
  # ranks: 1.5, 1.5, 3.5, 3.5 of which the contender's sum to 5, reached by
  # {1.5, 1.5}, {1.5, 3.5} four ways of 6.
  assert decision.rank_sum_p([1, np.inf], [1, np.inf]) == 5 / 6
  # At best: three more seeds each, the contender's below and the
  # incumbent's above every seed seen.
  assert decision.rank_sum_p([1], [0], extra=3) == decision.rank_sum_p(
      [-3, -2, -1, 1], [0, 5, 6, 7])


def test_superiority_counts_the_pairs_a_contender_wins():
  assert decision.superiority(np.array([1.0, 3.0]),
                              np.array([2.0, 3.0])) == (1 + 1 + 0 + 0.5) / 4
  assert decision.superiority(np.array([np.inf]), np.array([np.inf])) == 0.5


def test_holm_steps_down_from_the_smallest_p_value():
  assert decision.holm([0.04, 0.01], 0.05) == ([True, True], [0.05, 0.025])
  assert decision.holm([0.03, 0.04], 0.05) == ([False, False], [0.025, 0.05])
  assert decision.holm([0.2, 0.001, 0.03], 0.05)[0] == [False, True, False]


def test_a_contender_that_wins_two_seeds_of_four_does_not_replace_the_incumbent():
  # A search's answer that one failed seed of the baseline decided: by the
  # mean the contender wins (0.225 against 0.300), seed by seed it is 2-2
  # and by the median the incumbent is twice as good.
  incumbent = sample(0.926, 0.048, 0.096, 0.131)
  contender = sample(0.371, 0.226, 0.215, 0.087)
  for rule in (Rule(first=4, most=4), Rule(first=4, most=12), Rule()):
    look = decision.decide(incumbent, [contender], rule, final=True)
    assert look.chosen is None
    [c] = look.comparisons
    assert (c.wins, c.seeds, c.better) == (2, 4, False)
    # Ranks: the contender holds 7, 6, 5, 2 of 8 (sum 20; 53 of the 70
    # draws reach it).
    assert c.p == decision.rank_sum_p([0.371, 0.226, 0.215, 0.087],
                                      [0.926, 0.048, 0.096, 0.131]) == 53 / 70
    assert c.superiority == 6 / 16


def test_a_clearly_better_contender_replaces_the_incumbent():
  incumbent = sample(0.10, 0.08, None, 0.12, 0.09, 0.11, 0.10, 0.13)
  better = sample(0.05, 0.04, 0.06, 0.06, 0.04, 0.05, 0.05, 0.07)
  same = sample(0.11, 0.07, 0.10, 0.13, 0.08, 0.12, 0.09, 0.12)
  look = decision.decide(incumbent, [same, better], Rule(), final=False)
  # The contender's 8 seeds are the 8 lowest of 16: p = 1/12870, within
  # Holm's 0.0125 / 2 at the first look (a quarter of alpha).
  assert look.chosen == 1 and look.comparisons[1].p == 1 / 12870
  assert look.comparisons[1].level == 0.05 * decision.FIRST_LOOK / 2
  assert look.comparisons[1].superiority == 1.0
  assert not look.comparisons[0].better
  # A seed the incumbent failed counts as one the contender won.
  assert look.comparisons[1].wins == 8


def test_seeds_are_added_where_the_order_is_open():
  asked = []
  values = {0: [1.0] * 16, 1: [0.5] * 6 + [2.0] * 2 + [0.5] * 8,
            2: [2.0] * 16}

  def draw(settings, start, stop):
    asked.append((tuple(settings), start, stop))
    return [sample(*values[s][start:stop]) for s in settings]

  last, samples = decision.race(draw, 2, Rule(first=8, most=12))
  # Contender 1 won 6 of 8 (p = 0.030 > 0.0125 / 2): open; contender 2
  # lost all 8: no 4 more seeds could show it better.
  assert asked == [((0, 1, 2), 0, 8), ((0, 1), 8, 12)]
  assert [len(s.values) for s in samples] == [12, 12, 8]
  assert decision.rank_sum_p([2.0] * 8, [1.0] * 8, extra=4) > 0.0375
  # 10 of 12 at the last look: p = 0.00085, within 0.0375 / 2.
  assert last.chosen == 0 and last.comparisons[0].seeds == 12
  assert last.comparisons[0].wins == 10
  assert last.comparisons[0].p < 0.0375 / 2 < decision.rank_sum_p(
      values[1][:8], values[0][:8])


@pytest.mark.parametrize('fail', [0.0, 0.15])
def test_the_rule_rarely_switches_to_a_setting_no_better(fail):
  rng = np.random.default_rng(1)
  # Two contenders equal to the incumbent: log-normal seeds around the
  # same median, as partition KL spreads over one setting's seeds.
  out = decision.simulate(rng, 1000, decision.lognormal(0.1, fail),
                          [decision.lognormal(0.1, fail)] * 2)
  assert out['switched'] <= 0.05


def test_the_rule_finds_a_setting_with_half_the_median():
  rng = np.random.default_rng(2)
  out = decision.simulate(rng, 1000, decision.lognormal(0.1),
                          [decision.lognormal(0.05), decision.lognormal(0.1)])
  assert out['chosen'][0] >= 0.8 and out['chosen'][1] <= 0.05
