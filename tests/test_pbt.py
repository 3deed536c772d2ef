import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan import pbt, population

MEMBERS = [{'lr_d': 1e-3, 'b2_g': 0.99, 'seed': 0},
           {'lr_d': 2e-3, 'b2_g': 0.9, 'seed': 1, 'loss': 'hinge'},
           {'lr_d': 3e-3, 'seed': 2},
           {'lr_d': 4e-3, 'seed': 3}]


@pytest.fixture(scope='module')
def trained():
  cfg = tiny_config()
  hp = population.stack_hparams(cfg, MEMBERS)
  pop = population.make_population(cfg, population.make_mesh(), 4)
  hp_dev = pop.put(hp)
  state, _ = pop.train_chunk(pop.init(jax.random.key(0), hp_dev), hp_dev, 3)
  return state, {k: jnp.asarray(v) for k, v in hp.items()}


def step(state, hp, scores, **kw):
  fn = jax.jit(functools.partial(pbt.exploit_explore,
                                 rule=pbt.Perturbation(**kw)))
  return fn(jax.random.key(5), state, hp, jnp.asarray(scores, jnp.float32))


def test_worst_copies_best_and_perturbs(trained):
  state, hp = trained
  new_state, new_hp, parents = step(state, hp, [3.0, 0.0, 2.0, 1.0])
  assert parents.tolist() == [1, 1, 2, 3]
  for leaf, new_leaf in zip(jax.tree.leaves(state.g_params),
                            jax.tree.leaves(new_state.g_params)):
    np.testing.assert_array_equal(new_leaf[0], leaf[1])
    np.testing.assert_array_equal(new_leaf[1:], leaf[1:])
  np.testing.assert_array_equal(new_state.d_opt_state.count[0],
                                state.d_opt_state.count[1])
  ratio = float(new_hp['lr_d'][0] / hp['lr_d'][1])
  assert ratio == pytest.approx(0.8) or ratio == pytest.approx(1.2)
  rate = float((1 - new_hp['b2_g'][0]) / (1 - hp['b2_g'][1]))
  assert rate == pytest.approx(0.8, rel=1e-4) or rate == pytest.approx(
      1.2, rel=1e-4)
  assert int(new_hp['loss'][0]) == int(hp['loss'][1])
  assert int(new_hp['seed'][0]) == int(hp['seed'][1])
  for k in hp:
    np.testing.assert_array_equal(new_hp[k][1:], hp[k][1:])
  child, parent = jax.random.key_data(new_state.key[0]), jax.random.key_data(
      state.key[1])
  assert not np.array_equal(child, parent)
  np.testing.assert_array_equal(jax.random.key_data(new_state.key[1:]),
                                jax.random.key_data(state.key[1:]))


def test_nan_and_inf_scores_are_replaced_first(trained):
  state, hp = trained
  _, _, parents = step(state, hp, [np.nan, 0.5, np.inf, 0.1], fraction=0.5)
  parents = np.asarray(parents)
  assert parents[1] == 1 and parents[3] == 3
  assert set(parents[[0, 2]].tolist()) <= {1, 3}


def test_rates_stay_below_one(trained):
  state, hp = trained
  hp = dict(hp, ema_decay=jnp.full((4,), 0.99995, jnp.float32))
  _, new_hp, _ = step(state, hp, [3.0, 0.0, 2.0, 1.0], factors=(1.2, 1.2))
  assert float(new_hp['ema_decay'][0]) <= pbt.MAX_RATE


def test_only_the_named_groups_are_perturbed_each_by_one_factor(trained):
  state, hp = trained
  hp = dict(hp, b1_d=hp['b1_g'])
  groups = (('b1_g', 'b1_d'), ('lr_g',))
  _, new_hp, parents = step(state, hp, [3.0, 0.0, 2.0, 1.0], perturb=groups)
  assert int(parents[0]) == 1
  g = (1 - new_hp['b1_g'][0]) / (1 - hp['b1_g'][1])
  d = (1 - new_hp['b1_d'][0]) / (1 - hp['b1_d'][1])
  np.testing.assert_allclose(g, d, rtol=1e-5)
  assert float(new_hp['lr_g'][0] / hp['lr_g'][1]) in (
      pytest.approx(0.8), pytest.approx(1.2))
  for name in set(hp) - {'b1_g', 'b1_d', 'lr_g'}:
    assert new_hp[name][0] == hp[name][1], name


def test_perturbing_an_integer_hyperparameter_is_refused(trained):
  state, hp = trained
  with pytest.raises(ValueError, match=r"cannot perturb \['loss'\]"):
    step(state, hp, [3.0, 0.0, 2.0, 1.0], perturb=(('loss',),))
