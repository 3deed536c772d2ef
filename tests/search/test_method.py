"""Each search method's own checks, its warm start and its answer on a known optimum."""

import numpy as np
import pytest

import synthetic
from jaxgan import search
from synthetic import stored, tune


def test_the_gp_refuses_the_log_of_a_maximised_objective(tmp_path):
  cfg = synthetic.config('bayes', objective='high_quality')
  with pytest.raises(ValueError, match=(
      r"search.transform='log' models the log of an objective to minimise, "
      r"but search.objective='high_quality' is maximised")):
    tune(cfg, tmp_path)
  # Other methods do not model the objective's log.
  cfg.search.method = 'optuna-tpe'
  search.validate(cfg)


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
    tune(cfg, tmp_path)


@pytest.mark.parametrize('method,search_args', [
    ('bayes', dict(num_trials=16, population=4, initial_points=8)),
    ('random', dict(num_trials=16, population=4)),
    ('grid', dict(num_trials=9, population=3, grid_points=3)),
    ('halving', dict(num_trials=16, eta=2, rungs=3)),
    ('pbt', dict(population=8, pbt_interval=10, pbt_fraction=0.25)),
])
def test_every_method_finds_the_known_optimum(tmp_path, method, search_args):
  # The synthetic objective is lowest at lr_d = 1e-3: every method's best
  # trial lands within half a decade of it.
  cfg = synthetic.config(method, baseline=False, **search_args)
  if method == 'pbt':
    cfg.search.space.lr_g = ''
  best = tune(cfg, tmp_path)
  assert abs(np.log10(best.hparams['lr_d']) + 3) < 0.5
  finite = [t['objective'] for t in stored(tmp_path)
            if t['objective'] is not None]
  assert best.objective == min(finite)


def test_a_warm_start_tells_bayes_an_earlier_search(tmp_path):
  cfg = synthetic.config('bayes', num_trials=8, population=4,
                         initial_points=4)
  tune(cfg, tmp_path / 'old')
  wider = synthetic.config('bayes', num_trials=4, population=4,
                           initial_points=4)
  wider.search.space.lr_d = 'log:1e-6:1'
  tune(wider, tmp_path / 'cold')
  tune(wider, tmp_path / 'warm', warm_start=str(tmp_path / 'old'))
  # Told 8 trials, bayes asks from its GP at once, not its hypercube.
  cold = [t['setting'] for t in stored(tmp_path / 'cold')]
  warm = [t['setting'] for t in stored(tmp_path / 'warm')]
  assert cold[0] == warm[0] and cold[1:] != warm[1:]
  other = synthetic.config('bayes', num_trials=4)
  other.search.space.b1 = 'uniform:0:0.9'
  with pytest.raises(ValueError, match=r"searched \['lr_d', 'lr_g'\], this "
                     r"search searches \['b1', 'lr_d', 'lr_g'\]"):
    tune(other, tmp_path / 'new', warm_start=str(tmp_path / 'old'))
  assert not (tmp_path / 'new').exists()
  with pytest.raises(ValueError, match=r"a warm start informs"):
    tune(synthetic.config('random'), tmp_path / 'new',
         warm_start=str(tmp_path / 'old'))
