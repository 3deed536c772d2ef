"""Searches of several objectives: the front, ParEGO, and resuming one."""

import json

import numpy as np
import pytest

import synthetic
from jaxgan import search
from synthetic import Stop, stop_after, stored, tune


def test_the_pareto_front_of_two_conflicting_objectives(tmp_path):
  # partition_kl is lowest at lr_d = 1e-3, reverse_kl at 1e-2: on the grid
  # 1e-5, 10^-4.5, ..., 1e-1 the front is 1e-3, 10^-2.5 and 1e-2.
  cfg = synthetic.searching(lr_d='log:1e-5:1e-1')
  cfg.search.update(method='grid', grid_points=9, num_trials=9, population=9,
                    pareto='reverse_kl', baseline=False)
  tune(cfg, tmp_path)
  study = json.loads((tmp_path / 'pareto.json').read_text())
  assert study['objectives'] == [['partition_kl', 'min'],
                                 ['reverse_kl', 'min']]
  front = sorted(r['setting']['lr_d'] for r in study['front'])
  np.testing.assert_allclose(front, [1e-3, 10**-2.5, 1e-2], rtol=1e-6)
  text = (tmp_path / 'report.md').read_text()
  assert '## Pareto front' in text and 'pareto.png' in text


def test_parego_scalarises_by_hand():
  from jaxgan.search import pareto
  y = np.array([[1.0, 30.0], [3.0, 10.0], [2.0, 20.0], [np.inf, 0.0]])
  # Scaled: [0, 1], [1, 0], [0.5, 0.5]; weights (0.25, 0.75).
  got = pareto.parego(y, np.array([0.25, 0.75]))
  np.testing.assert_allclose(got[:3], [0.75 + 0.05 * 0.75,
                                       0.25 + 0.05 * 0.25,
                                       0.375 + 0.05 * 0.5])
  assert got[3] == np.inf
  assert pareto.front(y) == [0, 1, 2]
  assert pareto.front(np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 1.0]])) == [0, 2]


def test_bayes_searches_a_front_with_random_scalarisations(tmp_path):
  cfg = synthetic.config('bayes', num_trials=12, population=4,
                         initial_points=4, pareto='reverse_kl')
  tune(cfg, tmp_path / 'whole')
  study = json.loads((tmp_path / 'whole' / 'pareto.json').read_text())
  trials = {t['id']: t for t in stored(tmp_path / 'whole')}
  for r in study['front']:
    t = trials[r['trial']]
    assert r['partition_kl'] == t['metrics']['partition_kl']
    for other in trials.values():
      if other['objective'] is not None:
        assert not (other['metrics']['partition_kl'] < r['partition_kl']
                    and other['metrics']['reverse_kl'] < r['reverse_kl'])
  # Resumed after its first round, it asks what it asked before.
  with pytest.raises(Stop):
    search.tune(cfg, str(tmp_path / 'stopped'),
                output=search.Output(stop_after(1), ()),
                trainer=synthetic.TRAINER)
  tune(cfg, tmp_path / 'stopped')
  assert [t['setting'] for t in stored(tmp_path / 'stopped')] == [
      t['setting'] for t in stored(tmp_path / 'whole')]
