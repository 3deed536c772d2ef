import math

from jaxgan.search.confirmed import Answer, Confirmation, Confirmed
from jaxgan.search.decision import Comparison, Rule

ROW = Confirmed(setting={'lr_d': 1e-3}, trial=4, search=0.2, baseline=False,
                steps=100, seeds=(10000, 10001, 10002, 10003))


def test_a_row_measured_by_hand():
  finals = [{'kl': 0.4, 'modes': 25.0}, {'kl': math.nan, 'modes': 20.0},
            {'kl': 0.2, 'modes': 24.0}, {'kl': 0.3}]
  row = ROW.measured(finals, [False, True, False, False], 'kl')
  assert row.values == (0.4, None, 0.2, 0.3)
  assert row.failed == (False, True, False, False)
  assert row.diverged == 1
  assert math.isclose(row.mean, 0.3) and math.isclose(row.std,
                                                      math.sqrt(0.02 / 3))
  assert row.metrics == {'kl': row.mean, 'modes': 23.0}
  assert row.typical(4) == 3  # the lower median of 0.2, 0.3, 0.4
  assert row.typical(1) == 0
  # The median counts the failed seed as the worst: of 0.2, 0.3, 0.4, inf.
  assert math.isclose(row.median(1.0, Rule()), 0.35)
  # Past a threshold, a seed fails too: 0.2, inf, inf, inf.
  assert row.median(1.0, Rule(threshold=0.25)) is None
  # A maximised objective: the rule sees its values negated.
  assert row.sample(-1.0).values == (-0.4, None, -0.2, -0.3)
  assert math.isclose(row.median(-1.0, Rule()), 0.25)
  # A seed that diverged with a finite last value has failed too.
  assert ROW.measured(finals[:1], [True], 'kl').failed == (True,)
  assert ROW.measured([{'kl': math.inf}], [False], 'kl').typical(4) is None


def test_more_seeds_extend_a_row():
  first = ROW.measured([{'kl': 0.4, 'modes': 25.0}], [False], 'kl')
  both = first.measured([{'kl': 0.2, 'modes': 23.0}], [True], 'kl')
  assert both.values == (0.4, 0.2) and both.failed == (False, True)
  assert both.diverged == 1 and math.isclose(both.mean, 0.3)
  assert both.metrics == {'kl': both.mean, 'modes': 24.0}


def test_a_confirmation_round_trips_and_old_files_still_read():
  row = ROW.measured([{'kl': 0.4}, {}, {'kl': 0.2}, {'kl': 0.3}],
                     [False] * 4, 'kl')
  contender = ROW.measured([{'kl': 0.1}] * 4, [False] * 4, 'kl')
  contender = Confirmed(**{**contender.__dict__, 'comparison': Comparison(
      p=0.06, level=0.05, better=False, open=False, seeds=4, wins=4,
      superiority=0.75)})
  done = Confirmation(8, (row, contender), Answer(
      incumbent=0, chosen=0, rule=Rule(threshold=1.0), seed=10003,
      incumbent_kind='baseline'))
  assert Confirmation.from_json(done.to_json()) == done
  assert done.chosen is row and done.incumbent is row
  assert not done.answer.switched
  old = row.to_json()
  del old['failed'], old['seed_metrics'], old['comparison']
  assert Confirmed.from_json(old).failed == (False, True, False, False)
  # A file from before the rule: its rows, no answer.
  assert Confirmation.from_json(dict(trials=8, rows=[old])).answer is None
  # One decided by the paired test before the rank-sum test: decided again.
  paired = done.to_json()
  paired['rows'][1]['comparison'] = dict(
      p=0.06, level=0.05, better=False, open=False, seeds=4, wins=4,
      median_difference=-0.2)
  again = Confirmation.from_json(paired)
  assert again.answer is None and again.rows[1].comparison is None
