"""Tiny searches give the trials they gave before the search was reshaped.

``fixtures/tiny_searches.json`` holds, for each search below, every stored
trial's id, round, setting, steps, status, parent and objective, recorded
with ``python tests/search/test_regression.py`` on the commit before the
round runner (BUILD_NOTES.md, "Search: the shape", names it). A change that
alters them must say which and why there, and re-record.
"""

import json
import os
import sys
import tempfile

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
import synthetic  # noqa: E402
from conftest import tiny_config  # noqa: E402
from jaxgan import search  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(__file__), 'fixtures',
                       'tiny_searches.json')
FIELDS = ('id', 'round', 'setting', 'steps', 'status', 'parent', 'objective')


def _synthetic(method, **args):
  cfg = synthetic.config(method, **args)
  if method == 'pbt':
    cfg.search.space.lr_g = ''
  cfg.train.update(num_steps=90, chunk_steps=10)
  return cfg, synthetic.make_population


def _gan():
  cfg = tiny_config(penalty='r1')
  cfg.hparams.ema_decay = 0.9
  # The GP search that was the default when the fixture was recorded.
  cfg.search.update(method='bayes', num_trials=6, population=3,
                    initial_points=3)
  cfg.train.update(num_steps=200, chunk_steps=100)
  return cfg, None


SEARCHES = {
    'bayes': lambda: _synthetic('bayes', num_trials=12, population=4,
                                initial_points=4),
    'random': lambda: _synthetic('random', num_trials=8, population=4),
    'grid': lambda: _synthetic('grid', num_trials=9, population=3,
                               grid_points=3),
    'halving': lambda: _synthetic('halving', num_trials=9, eta=3, rungs=3),
    'pbt': lambda: _synthetic('pbt', population=4, pbt_interval=30),
    'default_gan': _gan,
}


def trials_of(name: str, workdir: str) -> list[dict]:
  cfg, make_population = SEARCHES[name]()
  trainer = (search.Trainer() if make_population is None
             else search.Trainer(make_population=make_population))
  search.tune(cfg, workdir, output=search.Output(lambda _: None, ()),
              trainer=trainer)
  with open(os.path.join(workdir, 'trials.jsonl')) as f:
    trials = [json.loads(line) for line in f]
  return sorted(({k: t.get(k) for k in FIELDS} for t in trials),
                key=lambda t: t['id'])


def _close(a, b, rtol):
  if isinstance(a, float) or isinstance(b, float):
    return a is not None and b is not None and np.isclose(a, b, rtol=rtol,
                                                          atol=1e-7)
  if isinstance(a, dict) and isinstance(b, dict):
    return a.keys() == b.keys() and all(_close(a[k], b[k], rtol) for k in a)
  return a == b


@pytest.mark.parametrize('name', sorted(SEARCHES))
def test_a_tiny_search_gives_the_recorded_trials(tmp_path, name):
  with open(FIXTURE) as f:
    expected = json.load(f)[name]
  # The real GAN's float32 sums may round differently on another CPU.
  rtol = 1e-3 if name == 'default_gan' else 1e-6
  got = trials_of(name, str(tmp_path))
  assert len(got) == len(expected)
  for g, e in zip(got, expected):
    assert _close(g, e, rtol), (g, e)


if __name__ == '__main__':
  with tempfile.TemporaryDirectory() as tmp:
    recorded = {name: trials_of(name, os.path.join(tmp, name))
                for name in sorted(SEARCHES)}
  with open(FIXTURE, 'w') as f:
    json.dump(recorded, f, indent=1, sort_keys=True)
    f.write('\n')
