import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan import optim

PARAMS = {'w': jnp.array([1.0, -2.0])}
GRADS = {'w': jnp.array([0.5, 0.5])}


@pytest.mark.parametrize('name,reference', [
    ('adam', optax.adam(0.1, b1=0.5, b2=0.9)),
    ('adamw', optax.adamw(0.1, b1=0.5, b2=0.9, weight_decay=0.01)),
    ('rmsprop', optax.rmsprop(0.1, decay=0.9, momentum=0.5)),
    ('sgd', optax.sgd(0.1, momentum=0.5)),
])
def test_injected_values_match_plain_optax(name, reference):
  tx = optim.make_optimizer(name, clip_norm=0.0)
  state = optim.set_hyperparams(tx.init(PARAMS), optim.Hyperparams(
      jnp.float32(0.1), jnp.float32(0.5), jnp.float32(0.9),
      jnp.float32(0.01)))
  ref_state = reference.init(PARAMS)
  for _ in range(3):
    updates, state = tx.update(GRADS, state, PARAMS)
    ref_updates, ref_state = reference.update(GRADS, ref_state, PARAMS)
    np.testing.assert_allclose(updates['w'], ref_updates['w'], rtol=1e-6)


def test_clipping_bounds_the_update():
  tx = optim.make_optimizer('sgd', clip_norm=1.0)
  state = optim.set_hyperparams(tx.init(PARAMS),
                                optim.Hyperparams(1.0, 0.0, 0.0, 0.0))
  updates, _ = tx.update({'w': jnp.array([30.0, 40.0])}, state, PARAMS)
  np.testing.assert_allclose(updates['w'], [-0.6, -0.8], rtol=1e-6)


def test_hyperparameters_live_in_state():
  tx = optim.make_optimizer('adam', clip_norm=0.0)
  state = optim.set_hyperparams(tx.init(PARAMS),
                                optim.Hyperparams(3e-4, 0.0, 0.99, 0.0))
  assert float(state.hyperparams['learning_rate']) == pytest.approx(3e-4)
  assert float(state.hyperparams['b2']) == pytest.approx(0.99)


def test_each_networks_values_as_one_record_scheduled_at_a_step():
  hp = {'lr_g': 1.0, 'b1_g': 0.5, 'b2_g': 0.9, 'wd_g': 0.1,
        'lr_d': 2.0, 'b1_d': 0.0, 'b2_d': 0.99, 'wd_d': 0.0}
  assert optim.Hyperparams.of_g(hp) == (1.0, 0.5, 0.9, 0.1)
  assert optim.Hyperparams.of_d(hp) == (2.0, 0.0, 0.99, 0.0)
  assert optim.make_schedule('constant', 4) is None
  d = optim.Hyperparams.of_d(hp)
  assert d.at(None, 3) is d
  halved = d.at(optim.make_schedule('linear', 4), jnp.int32(2))
  assert halved._replace(lr=2.0) == d and float(halved.lr) == 1.0


@pytest.mark.parametrize('name,factors', [
    ('constant', [1.0, 1.0, 1.0]),
    ('linear', [1.0, 0.75, 0.5]),
    ('cosine', [1.0, 0.5 * (1 + np.cos(np.pi / 4)), 0.5]),
])
def test_schedules_by_hand(name, factors):
  steps = jnp.arange(3)
  np.testing.assert_allclose(optim.SCHEDULES[name](steps, 4), factors,
                             rtol=1e-6)


def test_a_registered_schedule_scales_both_learning_rates():
  import jax
  import jaxgan
  from conftest import tiny_config
  jaxgan.register_schedule(
      'warmup', lambda step, n: optax.linear_schedule(0.0, 1.0, n)(step))
  cfg = tiny_config()
  cfg.optim.schedule = 'warmup'
  cfg.train.num_steps = 4
  fns = jaxgan.make_program(cfg)
  hp = jaxgan.hparams_from_config(cfg)
  state = jax.jit(fns.init)(jax.random.key(0), hp)
  state, _ = jax.jit(fns.train_chunk, static_argnums=2)(state, hp, 3)
  for opt, lr in ((state.g_opt_state, hp['lr_g']),
                  (state.d_opt_state, hp['lr_d'])):
    # The third step ran at step 2 of 4: half the learning rate.
    np.testing.assert_allclose(opt.hyperparams['learning_rate'], 0.5 * lr,
                               rtol=1e-6)
