import json
import os

import numpy as np
import pytest

from conftest import tiny_config
from jaxgan import run


def test_grid25_run_writes_all_outputs(tmp_path):
  lines = []
  result = run.train_one(tiny_config(), str(tmp_path), log=lines.append)
  assert sorted(os.listdir(tmp_path)) == ['config.json', 'metrics.json',
                                          'samples.npz', 'samples.png']
  saved = json.loads((tmp_path / 'metrics.json').read_text())
  assert saved == pytest.approx(result)
  for k in ('modes', 'high_quality', 'reverse_kl', 'd_loss', 'g_loss'):
    assert np.isfinite(saved[k])
  assert saved['steps'] == 20 and saved['diverged'] is False
  x = np.load(tmp_path / 'samples.npz')['x']
  assert x.shape == (64, 2)
  assert json.loads((tmp_path / 'config.json').read_text())['data'] == {
      'name': 'grid25', 'dir': '', 'download': False, 'image_size': 32,
      'source': ''}
  assert len(lines) == 3 and lines[0].startswith('step 10/20')


def test_digits_samples_are_images_in_unit_range(tmp_path):
  run.train_one(tiny_config('digits'), str(tmp_path), log=lambda _: None)
  x = np.load(tmp_path / 'samples.npz')['x']
  assert x.shape == (64, 8, 8, 1)
  assert x.min() >= 0.0 and x.max() <= 1.0


def test_bad_config_writes_nothing(tmp_path):
  cfg = tiny_config()
  cfg.hparams.lr_g = -1.0
  workdir = tmp_path / 'w'
  with pytest.raises(ValueError, match='hparams.lr_g=-1.0'):
    run.train_one(cfg, str(workdir))
  assert not workdir.exists()


@pytest.mark.slow
def test_default_grid25_reaches_the_documented_quality(tmp_path):
  # The bar set for the defaults: >= 20 of 25 modes with >= 75% high-quality samples
  # from the shipped defaults (EMA generator).
  result = run.train_one(run.config.get_config(), str(tmp_path),
                         log=lambda _: None)
  assert result['modes'] >= 20
  assert result['high_quality'] >= 0.75
  assert not result['diverged']
