import time

import pytest

import synthetic
from jaxgan import search
from jaxgan.search import rounds
from synthetic import stored


def run(cfg, workdir, log=lambda _: None):
  return search.tune(cfg, str(workdir), output=search.Output(log, ()),
                     trainer=synthetic.TRAINER)


def test_a_stopped_staged_search_resumes_where_it_stopped(tmp_path):
  cfg = synthetic.config('random', num_trials=4, population=2, stages=(
      dict(name='first', space={'lr_d': 'log:1e-5:1e-1'}),
      dict(name='second', space={'lr_g': 'log:1e-4:1e-1'})))
  cfg.train.update(num_steps=90, chunk_steps=10)
  synthetic.resumes(tmp_path, cfg, parts=('stages/1-first',
                                          'stages/2-second'))


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
