"""What every search method shares: a resume test per built-in method, the
warm start and the answer on a known optimum."""

import os
import re

import numpy as np
import pytest

import jaxgan
import synthetic
from jaxgan import search
from synthetic import stored, tune

HERE = os.path.dirname(__file__)


def test_every_built_in_method_has_a_resume_test_beside_its_module():
  package = os.path.join(os.path.dirname(jaxgan.__file__), 'search',
                         'methods')
  names = []
  for module in sorted(os.listdir(package)):
    if module.startswith('_') or not module.endswith('.py'):
      continue
    with open(os.path.join(package, module)) as f:
      registered = re.findall(r"register_method\(\s*'([^']+)'", f.read())
    with open(os.path.join(HERE, 'methods', f'test_{module}')) as f:
      test = f.read()
    assert 'synthetic.resumes(' in test, module
    for name in registered:
      assert f"'{name}'" in test, (module, name)
    names += registered
  assert sorted(names) == sorted(search.METHODS)


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
