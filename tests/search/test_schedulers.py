import time

import numpy as np
import pytest

import synthetic
from jaxgan import search
from jaxgan.search import rounds, schedulers
from synthetic import Stop, floor, stop_after, stored


def run(cfg, workdir, log=lambda _: None):
  return search.tune(cfg, str(workdir), log=log,
                     make_population=synthetic.make_population, tracker=())


@pytest.mark.parametrize('args,expected', [
    ((90, 10, 3, 3), [10, 30, 90]),
    ((100, 10, 2, 3), [20, 50, 100]),  # 25 rounds to 2 chunks
    ((40, 10, 3, 3), [10, 40]),          # rung 2 would repeat rung 1
    ((50, 10, 3, 1), [50]),
])
def test_rung_steps(args, expected):
  assert schedulers.rung_steps(*args) == expected


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


# Every registered method, and seeds and stages, on the synthetic population.
RESUMED = {
    'bayes': dict(num_trials=12, population=4, initial_points=4),
    'random': dict(num_trials=8, population=4),
    'grid': dict(num_trials=9, population=3, grid_points=3),
    'halving': dict(num_trials=9, eta=3, rungs=3),
    'hyperband': dict(num_trials=17, eta=3, min_steps=10),
    'pbt': dict(population=4, pbt_interval=30),
    'optuna-tpe': dict(num_trials=8, population=4, initial_points=4),
    'optuna-cmaes': dict(num_trials=8, population=4),
    'optuna-nsga2': dict(num_trials=8, population=4, pareto='reverse_kl'),
    'seeds': dict(method='halving', num_trials=18, eta=3, rungs=2, seeds=2),
    'stages': dict(method='random', num_trials=4, population=2, stages=(
        dict(name='first', space={'lr_d': 'log:1e-5:1e-1'}),
        dict(name='second', space={'lr_g': 'log:1e-4:1e-1'}))),
}
# Samplers whose state lives in their study: a resume completes the search,
# but the points after it may differ (see jaxgan.search.optuna_methods).
DIFFER = ('optuna-cmaes', 'optuna-nsga2')


def test_every_method_is_resumed():
  assert set(search.METHODS) <= set(RESUMED)


@pytest.mark.parametrize('name', sorted(RESUMED))
def test_a_stopped_search_resumes_where_it_stopped(tmp_path, name):
  args = dict(RESUMED[name])
  cfg = synthetic.config(args.pop('method', name), **args)
  if name == 'pbt':
    cfg.search.space.lr_g = ''
  cfg.train.update(num_steps=90, chunk_steps=10)
  run(cfg, tmp_path / 'whole')
  with pytest.raises(Stop):
    run(cfg, tmp_path / 'stopped', log=stop_after(2))
  run(cfg, tmp_path / 'stopped')
  for part in ([''] if name != 'stages' else ['stages/1-first',
                                              'stages/2-second']):
    drop = lambda t: {k: v for k, v in t.items()
                      if k not in ('seconds', 'elapsed')}
    whole = sorted(map(drop, stored(tmp_path / 'whole' / part)),
                   key=lambda t: t['id'])
    resumed = sorted(map(drop, stored(tmp_path / 'stopped' / part)),
                     key=lambda t: t['id'])
    if name in DIFFER:
      assert [t['id'] for t in resumed] == [t['id'] for t in whole]
    else:
      assert resumed == whole


def test_hyperband_brackets_by_hand():
  # s_max = log3(90 / 10) = 2: 9 settings from 10 steps, 5 from 30, 3 at 90.
  assert schedulers.hyperband_brackets(90, 10, 3, 10) == [
      (9, [10, 30, 90]), (5, [30, 90]), (3, [90])]
  # s_max = 3; n = ceil(4 / (s + 1) * 2**s); 1000 / 8 = 125 steps is 2.5
  # chunks of 50, rounded half to even: 100.
  assert schedulers.hyperband_brackets(1000, 100, 2, 50) == [
      (8, [100, 250, 500, 1000]), (6, [250, 500, 1000]), (4, [500, 1000]),
      (4, [1000])]


def test_hyperband_runs_its_brackets_and_keeps_the_best_of_each_rung(
    tmp_path):
  cfg = synthetic.config('hyperband', num_trials=17, eta=3, min_steps=10,
                         baseline=False)
  cfg.train.update(num_steps=90, chunk_steps=10)
  lines = []
  run(cfg, tmp_path, log=lines.append)
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


@pytest.mark.parametrize('method,budget,trials,spent', [
    # Rounds of 4, 4, then the 2 settings of 20 steps that still fit.
    ('random', 'member_steps:200', 10, 200),
    # Rungs cost 90 and 60; the last rung's 60 do not fit in 160: its one
    # member is stored as stopped at 30 steps, beside the two halving
    # stopped there.
    ('halving', 'member_steps:160', 9, 150),
    # The first round starts before any time is spent, then it is over.
    ('random', 'seconds:0.001', 4, 80),
])
def test_a_budget_caps_every_method(tmp_path, monkeypatch, method, budget,
                                    trials, spent):
  # The runner's clock advances a second each time it is read: its first
  # round takes more than 0.001 s whatever the machine's speed.
  now = iter(range(1_000_000))
  monkeypatch.setattr(rounds.time, 'perf_counter', lambda: float(next(now)))
  cfg = synthetic.config(method, num_trials=20, population=4, eta=3,
                         rungs=3, budget=budget)
  if method == 'halving':
    cfg.search.num_trials = 9
    cfg.train.update(num_steps=90, chunk_steps=10)
  lines = []
  run(cfg, tmp_path, log=lines.append)
  got = stored(tmp_path)
  assert len(got) == trials
  assert max(t['budget'] for t in got) == spent
  if method == 'halving':
    assert sorted(t['status'] for t in got if t['steps'] == 30) == [
        'stopped'] * 3
    assert 'budget spent: 1 running trial stored as stopped' in lines
  text = (tmp_path / 'report.md').read_text()
  assert f'Budget `{budget}`' in text


class SlowRandom(search.Random):
  """Random search that takes 0.2 s to ask for a round's points."""

  def ask(self, n):
    time.sleep(0.2)
    return super().ask(n)


def test_the_seconds_a_budget_counts_include_the_asking(tmp_path):
  # Each round's 0.2 s of asking is in its seconds and in the search's
  # elapsed time, which 'seconds:S' budgets cap.
  search.register_method('slow-random', SlowRandom, replace=True)
  cfg = synthetic.config('slow-random', num_trials=8, population=4,
                         baseline=False)
  run(cfg, tmp_path)
  got = stored(tmp_path)
  assert [t['round'] for t in got] == [0] * 4 + [1] * 4
  assert all(t['seconds'] >= 0.2 for t in got)
  first, second = got[0]['elapsed'], got[4]['elapsed']
  assert first >= 0.2 and second - first >= 0.2


def test_more_budget_continues_a_search_the_budget_stopped(tmp_path):
  cfg = synthetic.config('random', num_trials=12, population=4,
                         budget='member_steps:80')
  run(cfg, tmp_path)
  assert len(stored(tmp_path)) == 4
  cfg.search.budget = 'member_steps:160'
  run(cfg, tmp_path)
  assert [t['id'] for t in stored(tmp_path)] == list(range(8))
