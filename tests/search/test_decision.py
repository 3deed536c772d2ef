"""The rule that decides a search's answer, by hand and simulated."""

import numpy as np
import pytest
from scipy import stats

from jaxgan.search import decision
from jaxgan.search.decision import Rule, Sample


def sample(*values):
  return Sample(tuple(None if v is None else float(v) for v in values),
                tuple(v is None for v in values))


def test_the_exact_p_value_is_the_signed_rank_tests():
  # Every sign pattern of ranks 1..4 is equally likely: all four negative
  # is 1 of 16.
  assert decision.signed_rank_p([-1, -2, -3, -4]) == 1 / 16
  # Negative ranks 2, 3, 4 sum to 9: patterns summing to 9 or more are
  # {2,3,4}, {1,2,3,4}: 2 of 16.
  assert decision.signed_rank_p([1, -2, -3, -4]) == 2 / 16
  rng = np.random.default_rng(0)
  for n in (5, 7, 9):
    d = rng.normal(-0.3, 1.0, n)
    assert decision.signed_rank_p(d) == pytest.approx(stats.wilcoxon(
        d, alternative='less', method='exact').pvalue, abs=1e-12)
  # Zeros are dropped, ties share their ranks (1.5 each), a failure
  # (inf) has the largest: ranks 1.5, 1.5, 3 negative is the one pattern
  # of 8 reaching 6.
  assert decision.signed_rank_p([-1, 1e-9 - 1e-9, -1, -np.inf]) == 1 / 8
  # At best: one more pair favouring the contender, ranked above all.
  assert decision.signed_rank_p([1], extra=3) == decision.signed_rank_p(
      [1, -2, -3, -4])


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
    assert c.p == decision.signed_rank_p([0.371 - 0.926, 0.226 - 0.048,
                                          0.215 - 0.096, 0.087 - 0.131])
  # Four seeds cannot show anything at 5%: even four wins give p = 1/16.
  look = decision.decide(incumbent, [sample(0.1, 0.01, 0.01, 0.01)],
                         Rule(first=4, most=4), final=True)
  assert look.chosen is None and look.comparisons[0].p == 1 / 16


def test_a_clearly_better_contender_replaces_the_incumbent():
  incumbent = sample(0.10, 0.08, None, 0.12, 0.09, 0.11, 0.10, 0.13)
  better = sample(0.05, 0.04, 0.06, 0.06, 0.04, 0.05, 0.05, 0.07)
  same = sample(0.11, 0.07, 0.10, 0.13, 0.08, 0.12, 0.09, 0.12)
  look = decision.decide(incumbent, [same, better], Rule(), final=False)
  # 8 of 8 seeds better, p = 1/256, within Holm's 0.0125 / 2 at the first
  # look (a quarter of alpha).
  assert look.chosen == 1 and look.comparisons[1].p == 1 / 256
  assert look.comparisons[1].level == 0.05 * decision.FIRST_LOOK / 2
  assert not look.comparisons[0].better
  # A seed the incumbent failed counts as one the contender won.
  assert look.comparisons[1].wins == 8


def test_seeds_are_added_where_the_order_is_open():
  asked = []
  values = {0: [1.0] * 16, 1: [0.5] * 7 + [2.0] + [0.5] * 8,
            2: [2.0] * 16}

  def draw(settings, start, stop):
    asked.append((tuple(settings), start, stop))
    return [sample(*values[s][start:stop]) for s in settings]

  last, samples = decision.race(draw, 2, Rule(first=8, most=12))
  # Contender 1 won 7 of 8 (p = 2/256 > 0.0125 / 2): open; contender 2
  # lost all 8: no 4 more seeds could show it better.
  assert asked == [((0, 1, 2), 0, 8), ((0, 1), 8, 12)]
  assert [len(s.values) for s in samples] == [12, 12, 8]
  # 11 of 12 at the last look: p = 2/4096, within 0.0375 / 2.
  assert last.chosen == 0 and last.comparisons[0].seeds == 12
  assert last.comparisons[0].wins == 11


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
