import json
import os

import numpy as np
import pytest

import synthetic
from jaxgan import search
from jaxgan.search import schedules


def run(cfg, workdir, log=lambda _: None):
  return search.tune(cfg, str(workdir), log=log,
                     make_population=synthetic.make_population, tracker=())


def stored(workdir):
  with open(os.path.join(workdir, 'trials.jsonl')) as f:
    return [json.loads(line) for line in f]


def floor(trial):
  return float(synthetic.quality_floor(trial['hparams']['lr_d']))


@pytest.mark.parametrize('args,expected', [
    ((90, 10, 3, 3), [10, 30, 90]),
    ((100, 10, 2, 3), [20, 50, 100]),  # 25 rounds to 2 chunks
    ((40, 10, 3, 3), [10, 40]),          # rung 2 would repeat rung 1
    ((50, 10, 3, 1), [50]),
])
def test_rung_steps(args, expected):
  assert schedules.rung_steps(*args) == expected


def test_halving_keeps_the_best_third_at_every_rung(tmp_path):
  cfg = synthetic.config('halving', num_trials=9, eta=3, rungs=3)
  cfg.train.update(num_steps=90, chunk_steps=10)
  run(cfg, tmp_path)
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


def test_pbt_copies_the_best_and_records_lineage(tmp_path):
  cfg = synthetic.config('pbt', population=4, pbt_interval=10,
                         pbt_fraction=0.25)
  cfg.search.space.lr_g = ''
  cfg.train.update(num_steps=40, chunk_steps=10)
  run(cfg, tmp_path)
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


class Stop(Exception):
  pass


def stop_after(rounds):
  seen = []
  def log(line):
    seen.append(line)
    if len(seen) == rounds:
      raise Stop(line)
  return log


@pytest.mark.parametrize('method,search_args', [
    ('halving', dict(num_trials=9, eta=3, rungs=3)),
    ('pbt', dict(population=4, pbt_interval=30)),
])
def test_a_stopped_schedule_resumes_from_its_checkpoint(tmp_path, method,
                                                        search_args):
  cfg = synthetic.config(method, **search_args)
  if method == 'pbt':
    cfg.search.space.lr_g = ''
  cfg.train.update(num_steps=90, chunk_steps=10)
  run(cfg, tmp_path / 'whole')
  with pytest.raises(Stop):
    run(cfg, tmp_path / 'stopped', log=stop_after(1))
  partial = stored(tmp_path / 'stopped')
  run(cfg, tmp_path / 'stopped')
  drop = lambda t: {k: v for k, v in t.items() if k != 'seconds'}
  whole = [drop(t) for t in stored(tmp_path / 'whole')]
  resumed = [drop(t) for t in stored(tmp_path / 'stopped')]
  assert resumed[:len(partial)] == [drop(t) for t in partial]
  assert sorted(resumed, key=lambda t: t['id']) == sorted(
      whole, key=lambda t: t['id'])
