"""Population-based training on the synthetic population."""

import numpy as np
import pytest

import synthetic
from synthetic import floor, stored


def test_pbt_copies_the_best_and_records_lineage(tmp_path):
  cfg = synthetic.config('pbt', population=4, pbt_interval=10,
                         pbt_fraction=0.25)
  cfg.search.space.lr_g = ''
  cfg.train.update(num_steps=40, chunk_steps=10)
  synthetic.tune(cfg, tmp_path)
  trials = {t['id']: t for t in stored(tmp_path)}
  assert sorted(trials) == list(range(16))
  for k in range(1, 4):
    previous = [trials[4 * (k - 1) + i] for i in range(4)]
    worst = max(previous, key=lambda t: t['objective'])
    top = min(previous, key=lambda t: t['objective'])
    for i in range(4):
      t = trials[4 * k + i]
      assert t['member'] == i and t['round'] == k
      if previous[i]['id'] == worst['id']:
        # The worst member continued the best one, with lr_d x 0.8 or 1.2.
        assert t['parent'] == top['id']
        ratio = t['hparams']['lr_d'] / top['hparams']['lr_d']
        assert min(abs(ratio - 0.8), abs(ratio - 1.2)) < 1e-5
        # It carries the copied state: the parent's quality floor.
        np.testing.assert_allclose(t['objective'] - 1 / (1 + 10 * (k + 1)),
                                   floor(top), rtol=1e-4, atol=1e-6)
      else:
        assert t['parent'] == previous[i]['id']
        assert t['hparams']['lr_d'] == previous[i]['hparams']['lr_d']
      # Only searched hyperparameters move.
      assert t['hparams']['lr_g'] == previous[i]['hparams']['lr_g']


def test_a_stopped_search_resumes_where_it_stopped(tmp_path):
  cfg = synthetic.config('pbt', population=4, pbt_interval=30)
  cfg.search.space.lr_g = ''
  cfg.train.update(num_steps=90, chunk_steps=10)
  synthetic.resumes(tmp_path, cfg)


@pytest.mark.parametrize('space,interval,message', [
    ({'model.width': 'choice:8,16'}, 10, r'search.space.model.width is static'),
    ({}, 15, r'search.pbt_interval=15 must be a multiple of '
     r'train.chunk_steps=10'),
])
def test_pbt_refuses_what_it_cannot_do(tmp_path, space, interval, message):
  cfg = synthetic.config('pbt', pbt_interval=interval)
  for name, text in space.items():
    section, leaf = name.split('.')
    cfg.search.space[section][leaf] = text
  with pytest.raises(ValueError, match=message):
    synthetic.tune(cfg, tmp_path)
