"""The top settings retrained with fresh seeds, and the answer taken from
them."""

import json

import numpy as np

import synthetic
from jaxgan import checkpoint, search
from jaxgan.search import confirm
from jaxgan.search.confirmed import Confirmed
from synthetic import stored, tune


def test_the_top_settings_are_confirmed_with_fresh_seeds(tmp_path):
  cfg = synthetic.config('random', num_trials=8, population=4, confirm_top=2,
                         confirm_seeds=3)
  lines = []
  best = search.tune(cfg, str(tmp_path),
                     output=search.Output(lines.append, ()),
                     trainer=synthetic.TRAINER)
  trials = stored(tmp_path)
  ranked = sorted((t for t in trials if t['objective'] is not None),
                  key=lambda t: t['objective'])
  confirmed = json.loads((tmp_path / 'confirm.json').read_text())
  assert confirmed['trials'] == 8
  rows = confirmed['rows']
  # The top 2, then the config's own setting (the baseline, trial 0) with
  # the same seeds.
  assert ranked[0]['id'] != 0 and ranked[1]['id'] != 0
  expected = ranked[:2] + [t for t in ranked if t['id'] == 0]
  assert [r['trial'] for r in rows] == [t['id'] for t in expected] == [
      ranked[0]['id'], ranked[1]['id'], 0]
  assert [r['baseline'] for r in rows] == [False, False, True]
  for r, t in zip(rows, expected):
    # Fresh seeds 10000, 10001, 10002: 0, 1 and 2 thousandths worse.
    floor = synthetic.quality_floor(t['hparams']['lr_d']) + 1 / 21
    np.testing.assert_allclose(
        r['values'], floor + synthetic.SEED_EFFECT * np.arange(3), rtol=1e-5)
    np.testing.assert_allclose(r['mean'], floor + synthetic.SEED_EFFECT,
                               rtol=1e-5)
    np.testing.assert_allclose(r['std'], synthetic.SEED_EFFECT
                               * np.std([0, 1, 2]), rtol=1e-4)
    assert r['seeds'] == [10000, 10001, 10002] and r['steps'] == 20
    assert r['failed'] == [False] * 3 and r['diverged'] == 0
  assert lines[-4].startswith(f'confirmed trial {ranked[0]["id"]} ')
  assert "in the search, the config's own setting)" in lines[-2]
  assert lines[-1].startswith(f'best: the setting of trial {best.id}, '
                              f'objective {rows[0]["mean"]:.4g} ± ')
  assert best.id == rows[0]['trial']
  # best/ holds the fresh numbers and the median fresh seed, not the best
  # evaluation the search picked.
  record = json.loads((tmp_path / 'best' / 'metrics.json').read_text())
  assert record['objective'] == rows[0]['mean']
  assert record['metrics'] == rows[0]['metrics']
  assert record['search']['objective'] == ranked[0]['objective']
  assert record['fresh']['pictured_seed'] == 10001
  retrain = json.loads((tmp_path / 'best' / 'config.json').read_text())
  assert retrain['hparams']['seed'] == 10001
  assert retrain['train']['num_steps'] == 20
  checkpoints = tmp_path / 'checkpoints' / 'best'
  assert checkpoint.restore_meta(
      str(checkpoints), checkpoint.latest_step(str(checkpoints))) == dict(
          trial=best.id, seed=10001)
  text = (tmp_path / 'report.md').read_text()
  assert '## Confirmed with fresh seeds' in text
  assert '| 0 (baseline) |' in text
  assert f'## Best: the setting of trial {best.id}' in text
  # Nothing new to confirm when the search is run again.
  before = (tmp_path / 'confirm.json').stat().st_mtime_ns
  tune(cfg, tmp_path)
  assert (tmp_path / 'confirm.json').stat().st_mtime_ns == before


def test_the_chosen_setting_has_the_best_fresh_mean():
  rows = [Confirmed({}, k, 0.0, False, 1, (), mean=mean)
          for k, mean in enumerate((2.0, None, 1.0, 1.0))]
  assert confirm.chosen(rows, 'min') is rows[2]
  assert confirm.chosen(rows, 'max') is rows[0]
  assert confirm.chosen(rows[1:2], 'min') is None
