import math

from jaxgan.search.confirmed import Confirmed

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
  assert row.median == 3  # the lower median of 0.2, 0.3, 0.4
  # A seed that diverged with a finite last value has failed too.
  assert ROW.measured(finals[:1], [True], 'kl').failed == (True,)
  assert ROW.measured([{'kl': math.inf}], [False], 'kl').median is None


def test_rows_round_trip_and_old_rows_get_their_failures():
  row = ROW.measured([{'kl': 0.4}, {}, {'kl': 0.2}, {'kl': 0.3}],
                     [False] * 4, 'kl')
  assert Confirmed.from_json(row.to_json()) == row
  old = row.to_json()
  del old['failed']
  assert Confirmed.from_json(old).failed == (False, True, False, False)
