"""Bayes, random and grid search: on a synthetic objective without
training, resumed, and the GP's own check."""

import numpy as np
import pytest

import synthetic
from jaxgan.search import schedulers
from jaxgan.search.methods import ask_tell, optuna_samplers
from jaxgan.search.space import Space
from jaxgan.search.tune import validate

OPTIMUM = dict(lr_d=1e-3, b1=0.3)
ASK_TELL = {'bayes': ask_tell.Bayes, 'random': ask_tell.Random,
            'grid': ask_tell.Grid}


def make(method, **search):
  cfg = synthetic.searching(lr_d='log:1e-5:1e-1', b1='uniform:0:0.9')
  cfg.search.update(method=method, **search)
  space = Space.from_config(cfg)
  return ASK_TELL[method](space, cfg.search), space


def objective(space, point):
  v = dict(zip(space.names, point))
  return ((np.log10(v['lr_d']) - np.log10(OPTIMUM['lr_d'])) ** 2
          + 10 * (v['b1'] - OPTIMUM['b1']) ** 2)


def search(method, rounds, size, **kw):
  m, space = make(method, **kw)
  best = np.inf
  for _ in range(rounds):
    points = m.ask(size)
    assert len(points) == size
    values = [objective(space, p) for p in points]
    for p in points:
      assert space.contains(dict(zip(space.names, p)))
    m.tell(points, values)
    best = min(best, *values)
  return best


def test_finite_values_penalise_divergence_by_worst_plus_margin():
  np.testing.assert_allclose(
      schedulers.finite_values([1.0, np.nan, 3.0, np.inf]), [1, 4, 3, 4])
  np.testing.assert_allclose(schedulers.finite_values([0.0, 30.0, np.nan]),
                             [0, 30, 33])
  np.testing.assert_array_equal(schedulers.finite_values([np.nan, np.inf]),
                                [1, 1])


def test_bayes_finds_the_optimum_and_beats_random():
  bayes = search('bayes', rounds=5, size=4, initial_points=8, seed=0)
  random = search('random', rounds=5, size=4, seed=0)
  assert bayes < 0.05
  assert bayes < random


def test_bayes_asks_a_latin_hypercube_first():
  m, space = make('bayes', initial_points=4, seed=0)
  points = np.array([[np.log10(p[1]), p[0]] for p in m.ask(4)])
  # One point in each quarter of every range.
  lr_bins = np.floor((points[:, 0] + 5) / 1.0).astype(int)
  b1_bins = np.floor(points[:, 1] / 0.225).astype(int)
  assert sorted(lr_bins) == [0, 1, 2, 3] and sorted(b1_bins) == [0, 1, 2, 3]


def test_bayes_survives_a_round_where_everything_diverged():
  m, space = make('bayes', initial_points=4, seed=0)
  points = m.ask(4)
  m.tell(points, [np.nan] * 4)
  again = m.ask(4)
  assert len(again) == 4 and all(
      space.contains(dict(zip(space.names, p))) for p in again)
  m.tell(again, [1.0, np.inf, 0.5, 2.0])
  assert len(m.ask(4)) == 4


@pytest.mark.parametrize('method', ['bayes', 'optuna-tpe'])
def test_a_decay_near_one_is_found_on_its_horizon(tmp_path, method):
  cfg = synthetic.searching(ema_decay='rate:0:0.9999')
  cfg.search.update(method=method, initial_points=4, seed=0)
  space = Space.from_config(cfg)
  m = (ask_tell.Bayes(space, cfg.search) if method == 'bayes' else
       optuna_samplers.Optuna(space, cfg.search, str(tmp_path)))
  # The optimum is a horizon of 1,000 steps: 0.999, where a uniform range
  # would put one draw in a thousand.
  miss = lambda p: abs(np.log10(1.0 - p[0]) + 3.0)
  best = np.inf
  for _ in range(4):
    points = m.ask(4)
    assert all(space.contains(space.labelled(p)) for p in points)
    m.tell(points, [miss(p) for p in points])
    best = min(best, *map(miss, points))
  assert best < 0.3


@pytest.mark.parametrize('method', sorted(ASK_TELL))
def test_rebuilt_method_asks_what_the_original_asks(method):
  original, space = make(method, initial_points=4, seed=3)
  first = original.ask(4)
  values = [objective(space, p) for p in first]
  original.tell(first, values)
  rebuilt, _ = make(method, initial_points=4, seed=3)
  rebuilt.tell(first, values)
  assert rebuilt.ask(4) == original.ask(4)


def test_random_points_depend_only_on_seed_and_index():
  a, _ = make('random', seed=1)
  b, _ = make('random', seed=1)
  first = a.ask(6)
  b.tell(first[:2], [0.0, 0.0])
  assert b.ask(4) == first[2:]
  c, _ = make('random', seed=2)
  assert c.ask(6) != first


def test_grid_visits_every_point_once_then_repeats():
  m, space = make('grid', grid_points=3, seed=0)
  assert ask_tell.grid_size(space, 3) == 9
  points = m.ask(9)
  assert sorted(map(tuple, points)) == sorted(map(tuple, space.grid(3)))
  m.tell(points, [0.0] * 9)
  assert m.ask(2) == points[:2]


@pytest.mark.parametrize('name,args', [
    ('bayes', dict(num_trials=12, population=4, initial_points=4)),
    ('random', dict(num_trials=8, population=4)),
    ('grid', dict(num_trials=9, population=3, grid_points=3)),
])
def test_a_stopped_search_resumes_where_it_stopped(tmp_path, name, args):
  cfg = synthetic.config(name, **args)
  cfg.train.update(num_steps=90, chunk_steps=10)
  synthetic.resumes(tmp_path, cfg)


def test_the_gp_refuses_the_log_of_a_maximised_objective(tmp_path):
  cfg = synthetic.config('bayes', objective='high_quality')
  with pytest.raises(ValueError, match=(
      r"search.transform='log' models the log of an objective to minimise, "
      r"but search.objective='high_quality' is maximised")):
    synthetic.tune(cfg, tmp_path)
  # Other methods do not model the objective's log.
  cfg.search.method = 'optuna-tpe'
  validate(cfg)
