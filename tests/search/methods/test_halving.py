"""Successive halving and Hyperband on the synthetic population."""

import numpy as np
import pytest

import synthetic
from jaxgan.search.methods import halving
from synthetic import floor, stored


@pytest.mark.parametrize('args,expected', [
    ((90, 10, 3, 3), [10, 30, 90]),
    ((100, 10, 2, 3), [20, 50, 100]),  # 25 rounds to 2 chunks
    ((40, 10, 3, 3), [10, 40]),          # rung 2 would repeat rung 1
    ((50, 10, 3, 1), [50]),
])
def test_rung_steps(args, expected):
  assert halving.rung_steps(*args) == expected


def test_halving_keeps_the_best_third_at_every_rung(tmp_path):
  cfg = synthetic.config('halving', num_trials=9, eta=3, rungs=3)
  cfg.train.update(num_steps=90, chunk_steps=10)
  synthetic.tune(cfg, tmp_path)
  trials = stored(tmp_path)
  assert sorted(t['id'] for t in trials) == list(range(9))
  by_steps = {s: [t for t in trials if t['steps'] == s] for s in (10, 30, 90)}
  assert [len(v) for v in by_steps.values()] == [6, 2, 1]
  ranked = sorted((t for t in trials if not t['diverged']), key=floor)
  assert {t['id'] for t in by_steps[90] + by_steps[30]} == {
      t['id'] for t in ranked[:3]}
  assert by_steps[90][0]['id'] == ranked[0]['id']
  assert by_steps[90][0]['status'] == 'finished'
  assert {t['status'] for t in by_steps[10]} <= {'stopped', 'diverged'}
  # Budget: 9 x 10 + 3 x 20 + 1 x 60 member-steps.
  assert max(t['budget'] for t in trials) == 210
  # The best evaluation is kept: the survivor's objective is its last one.
  best = by_steps[90][0]
  assert best['best_step'] == 90
  np.testing.assert_allclose(best['objective'], floor(best) + 1 / 91,
                             rtol=1e-5)


def test_hyperband_brackets_by_hand():
  # s_max = log3(90 / 10) = 2: 9 settings from 10 steps, 5 from 30, 3 at 90.
  assert halving.hyperband_brackets(90, 10, 3, 10) == [
      (9, [10, 30, 90]), (5, [30, 90]), (3, [90])]
  # s_max = 3; n = ceil(4 / (s + 1) * 2**s); 1000 / 8 = 125 steps is 2.5
  # chunks of 50, rounded half to even: 100.
  assert halving.hyperband_brackets(1000, 100, 2, 50) == [
      (8, [100, 250, 500, 1000]), (6, [250, 500, 1000]), (4, [500, 1000]),
      (4, [1000])]


def test_hyperband_runs_its_brackets_and_keeps_the_best_of_each_rung(
    tmp_path):
  cfg = synthetic.config('hyperband', num_trials=17, eta=3, min_steps=10,
                         baseline=False)
  cfg.train.update(num_steps=90, chunk_steps=10)
  lines = []
  synthetic.tune(cfg, tmp_path, log=lines.append)
  trials = sorted(stored(tmp_path), key=lambda t: t['id'])
  assert [t['id'] for t in trials] == list(range(17))
  brackets = [trials[:9], trials[9:14], trials[14:]]
  steps = [sorted(t['steps'] for t in b) for b in brackets]
  assert steps == [[10] * 6 + [30] * 2 + [90], [30] * 4 + [90], [90] * 3]
  for b in brackets[:2]:
    ranked = sorted((t for t in b if not t['diverged']), key=floor)
    assert max(b, key=lambda t: t['steps'])['id'] == ranked[0]['id']
  assert [sorted({t['round'] for t in b}) for b in brackets] == [
      [0, 1, 2], [3, 4], [5]]
  # 9x10 + 3x20 + 1x60, then 5x30 + 1x60, then 3x90 member-steps.
  assert max(t['budget'] for t in trials) == 210 + 210 + 270
  assert lines[0].startswith('bracket 1 (1 of 3), rung 1/3 (10 steps): 9 '
                             'members')
  assert ('Hyperband brackets (η = 3): 9 settings at 10, 30, 90 steps; 5 '
          'settings at 30, 90 steps; 3 settings at 90 steps.') in (
              tmp_path / 'report.md').read_text()


@pytest.mark.parametrize('name,args', [
    ('halving', dict(num_trials=9, eta=3, rungs=3)),
    ('hyperband', dict(num_trials=17, eta=3, min_steps=10)),
    # Each setting's seeds continue together.
    ('halving', dict(num_trials=18, eta=3, rungs=2, seeds=2)),
])
def test_a_stopped_search_resumes_where_it_stopped(tmp_path, name, args):
  cfg = synthetic.config(name, **args)
  cfg.train.update(num_steps=90, chunk_steps=10)
  synthetic.resumes(tmp_path, cfg)
