import numpy as np
import pytest

import synthetic
from conftest import tiny_config
from jaxgan.search import space as space_lib, stages


def config(**space):
  return synthetic.searching(penalty='r1', **space)


def test_default_space_reads_and_ties_betas():
  cfg = tiny_config(penalty='r1')
  space = space_lib.Space.from_config(cfg)
  assert space.names == ['b1', 'b2', 'loss', 'lr_d', 'lr_g', 'r1_gamma']
  setting = space.setting([0.3, 0.95, 'hinge', 1e-3, 2e-3, 0.1])
  assert setting == dict(b1_g=0.3, b1_d=0.3, b2_g=0.95, b2_d=0.95,
                         loss='hinge', lr_d=1e-3, lr_g=2e-3, r1_gamma=0.1)


@pytest.mark.parametrize('name,text,message', [
    ('lr_d', 'log:1e-2:1e-4', r'search.space.lr_d=.*empty or inverted'),
    ('lr_d', 'log:1e-3:1e-3', r'search.space.lr_d=.*empty or inverted'),
    ('lr_d', 'log:0:1e-2', r'search.space.lr_d=.*log range must stay above 0'),
    ('loss', 'choice:', r'search.space.loss=.*at least one value'),
    ('loss', 'choice:hinge,hinge', r'search.space.loss=.*twice'),
    ('loss', 'choice:hinge,nope', r"search.space.loss: the value 'nope'"),
    ('lr_d', 'beta:1:2', r'search.space.lr_d=.*a range is one of'),
    ('lr_d', 'log:1e-4', r'search.space.lr_d=.*log:LOW:HIGH'),
    ('lr_d', 'log:a:b', r'search.space.lr_d=.*must be numbers'),
    ('seed', 'int:0:2.5', r'search.space.seed=.*integer bounds'),
    ('ema_decay', 'rate:0:1', r'search.space.ema_decay=.*lies in \[0, 1\)'),
    ('ema_decay', 'rate:-0.1:0.9', r'search.space.ema_decay=.*in \[0, 1\)'),
    ('b1', 'uniform:0:1', r'search.space.b1: the value 1.0 is not valid.*'
     r'b1_g=1.0 must be in \[0, 1\)'),
    ('model.width', 'choice:0,8', r'search.space.model.width: the value 0'),
    ('gp_weight', 'log:1:10', r"gp_weight has no effect with penalty='r1'"),
])
def test_bad_ranges_are_named(name, text, message):
  with pytest.raises(ValueError, match=message):
    space_lib.Space.from_config(config(**{name: text}))


def test_unknown_name_is_named():
  cfg = config(lr_d='log:1e-4:1e-2')
  cfg.search.space.lr_dd = 'log:1e-4:1e-2'
  with pytest.raises(ValueError, match=r'search.space.lr_dd is neither a '
                     'dynamic hyperparameter'):
    space_lib.Space.from_config(cfg)


def test_a_tied_name_cannot_be_searched_twice():
  with pytest.raises(ValueError, match=r'search.space.b1 sets .*b1_g'):
    space_lib.Space.from_config(config(b1='uniform:0:0.5',
                                       b1_g='uniform:0:0.5'))


def test_empty_space_is_refused():
  with pytest.raises(ValueError, match='searches nothing'):
    space_lib.Space.from_config(config())


def test_samples_lie_in_the_space_and_log_ranges_are_log_uniform():
  space = space_lib.Space.from_config(config(
      lr_d='log:1e-5:1e-1', b1='uniform:0:0.9', seed='int:0:3',
      loss='choice:hinge,wasserstein', **{'model.width': 'choice:8,16'}))
  rng = np.random.default_rng(0)
  points = [space.sample(rng) for _ in range(2000)]
  for point in points:
    assert space.contains(dict(zip(space.names, point)))
  lr = np.array([p[space.names.index('lr_d')] for p in points])
  # Log-uniform over 4 decades: about a quarter of the draws per decade.
  np.testing.assert_allclose(np.mean(lr < 1e-4), 0.25, atol=0.03)
  seeds = {p[space.names.index('seed')] for p in points}
  assert seeds == {0, 1, 2, 3}
  assert space.static_names() == ['model.width']


def test_a_rate_is_drawn_and_modelled_on_its_horizon():
  space = space_lib.Space.from_config(config(ema_decay='rate:0:0.9999'))
  [d] = space.dimensions
  rng = np.random.default_rng(0)
  draws = np.array([space.sample(rng)[0] for _ in range(4000)])
  assert draws.min() >= 0 and draws.max() <= 0.9999
  # 1 - value log-uniform over 4 decades: a quarter of the draws per decade
  # (a uniform range would put 1% above 0.99).
  np.testing.assert_allclose(np.mean(draws >= 0.99), 0.5, atol=0.03)
  np.testing.assert_allclose(np.mean(draws < 0.9), 0.25, atol=0.03)
  assert d.grid(3) == pytest.approx([0.0, 0.99, 0.9999])
  [sk] = space.skopt()
  assert (sk.name, sk.low, sk.high, sk.prior) == (
      '1-ema_decay', pytest.approx(1e-4), 1.0, 'log-uniform')
  assert space.surrogate([0.99]) == pytest.approx([0.01])
  assert space.from_surrogate([np.float64(0.01)]) == pytest.approx([0.99])
  assert space.from_surrogate([1e-4 * (1 - 1e-12)]) == [0.9999]


@pytest.mark.parametrize('text,best,narrowed', [
    ('log:1e-5:1e-1', 1e-3, 'log:0.0001:0.01'),
    ('uniform:0:1', 0.5, 'uniform:0.45:0.55'),
    ('rate:0:0.9999', 0.99, 'rate:0.9:0.999'),
    ('rate:0:0.9999', 0.0, 'rate:0.0:0.9'),
    ('choice:a,b', 'a', 'choice:a,b'),
])
def test_a_later_stage_narrows_each_kind_around_the_best(text, best,
                                                          narrowed):
  got = stages.narrowed(text, 'x', best, 10.0)
  if got.startswith('choice'):
    assert got == narrowed
    return
  kind, low, high = got.split(':')
  want = narrowed.split(':')
  assert kind == want[0]
  np.testing.assert_allclose([float(low), float(high)],
                             [float(want[1]), float(want[2])], atol=1e-12)


def test_grid_spreads_ranges_and_lists_choices():
  space = space_lib.Space.from_config(config(
      lr_d='log:1e-4:1e-2', loss='choice:hinge,wasserstein'))
  grid = space.grid(3)
  assert len(grid) == 6
  assert sorted({p[1] for p in grid}) == pytest.approx([1e-4, 1e-3, 1e-2])


def test_values_read_a_trained_member_back():
  space = space_lib.Space.from_config(config(
      b1='uniform:0:0.9', lr_d='log:1e-4:1e-2',
      **{'model.width': 'choice:8,16'}))
  hp = dict(b1_g=0.2, b1_d=0.2, lr_d=1e-3, lr_g=5.0)
  assert space.values(hp, {'model.width': 8}) == {
      'b1': 0.2, 'lr_d': 1e-3, 'model.width': 8}
  assert space.perturbed() == (('b1_g', 'b1_d'), ('lr_d',))


def with_space(space):
  cfg = config()
  for name, text in space.items():
    cfg.search.space[name] = text
  return cfg


CONDITIONAL = dict(penalty='choice:gp,r1',
                   gp_weight='log:0.1:100 if penalty=gp',
                   r1_gamma='log:0.01:1 if penalty=r1',
                   lr_d='log:1e-4:1e-2')


def test_a_conditional_name_is_searched_only_under_its_choice():
  space = space_lib.Space.from_config(with_space(CONDITIONAL))
  assert space.names == ['gp_weight', 'lr_d', 'penalty', 'r1_gamma']
  point = [10.0, 1e-3, 'gp', 0.5]
  assert space.active(point) == [True, True, True, False]
  assert space.canonical(point) == [10.0, 1e-3, 'gp', 0.01]
  assert space.setting(point) == dict(gp_weight=10.0, lr_d=1e-3,
                                      penalty='gp')
  values = space.labelled(point)
  assert values == dict(gp_weight=10.0, lr_d=1e-3, penalty='gp',
                        r1_gamma=None)
  assert space.contains(values) and space.point(values) == [
      10.0, 1e-3, 'gp', 0.01]
  assert not space.contains(dict(values, gp_weight=None))
  # Samples and the grid are canonical: 2 x 3 grid points per penalty.
  rng = np.random.default_rng(0)
  for p in (space.sample(rng) for _ in range(20)):
    assert p == space.canonical(p)
  grid = space.grid(3)
  assert len(grid) == 2 * 3 * 3
  assert {p[2] for p in grid} == {'gp', 'r1'}


@pytest.mark.parametrize('space,message', [
    (dict(gp_weight='log:0.1:100 if penalty=gp'),
     r"search.space.gp_weight is searched only where penalty is one of "
     r"\['gp'\], but penalty is fixed at 'r1'"),
    (dict(penalty='choice:gp,r1', gp_weight='log:0.1:100 if penalty=wgan'),
     r"search.space.gp_weight: penalty='wgan' is not one of "
     r"search.space.penalty's choices \['gp', 'r1'\]"),
    (dict(lr_d='log:1e-4:1e-2 if colour=red'),
     r"search.space.lr_d is conditional on 'colour', which is neither"),
    (dict(loss='choice:hinge,non_saturating', lr_g='log:1e-4:1e-2',
          hinge_margin='uniform:0.5:2 if lr_g=0.001'),
     r'search.space.hinge_margin is conditional on lr_g, which is not an '
     r'unconditional choice'),
    (dict(lr_d='log:1e-4:1e-2 if loss'),
     r'search.space.lr_d=.*a condition is "if PARENT=V1,V2"'),
    (dict(penalty='choice:gp,r1',
          gp_weight='log:0:100 if penalty=gp'),
     r'search.space.gp_weight=.*a log range must stay above 0'),
])
def test_bad_conditions_are_named(space, message):
  with pytest.raises(ValueError, match=message):
    space_lib.Space.from_config(with_space(space))


def test_a_condition_met_by_the_config_is_always_searched():
  space = space_lib.Space.from_config(
      config(r1_gamma='log:0.01:1 if penalty=r1'))
  assert space.dimensions[0].condition is None
