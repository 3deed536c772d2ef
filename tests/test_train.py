import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan import config, losses, penalties, train


def setup(cfg, seed=0):
  fns = train.make_train(cfg)
  hp = config.hparams_from_config(cfg)
  hp['seed'] = np.int32(seed)
  return fns, hp


def run(fns, hp, n, key=None):
  key = jax.random.key(0) if key is None else key
  state = jax.jit(fns.init)(key, hp)
  return jax.jit(fns.train_chunk, static_argnums=2)(state, hp, n)


def test_chunk_reports_every_step_metric():
  fns, hp = setup(tiny_config())
  state, m = run(fns, hp, 7)
  assert set(m) == set(train.STEP_METRICS)
  assert all(v.shape == (7,) for v in m.values())
  assert bool(jnp.all(m['finite'])) and not bool(state.diverged)
  assert int(state.step) == 7


def test_new_hyperparameter_values_compile_nothing(compile_counter):
  fns, hp = setup(tiny_config(penalty='r1'))
  init = jax.jit(fns.init)
  chunk = jax.jit(fns.train_chunk, static_argnums=2)
  state, _ = chunk(init(jax.random.key(0), hp), hp, 5)
  first = compile_counter.count
  assert first >= 1
  other = dict(hp, lr_g=np.float32(3e-3), lr_d=np.float32(5e-5),
               b1_g=np.float32(0.0), b2_d=np.float32(0.999),
               r1_gamma=np.float32(10.0), ema_decay=np.float32(0.9),
               loss=np.int32(losses.loss_index('hinge')), seed=np.int32(7))
  state2, m2 = chunk(init(jax.random.key(0), other), other, 5)
  _, m1 = chunk(state, hp, 5)
  assert compile_counter.count == first
  assert not np.allclose(m1['d_loss'], m2['d_loss'])


def test_same_seed_same_numbers_other_seed_other_numbers():
  fns, hp = setup(tiny_config())
  s1, m1 = run(fns, hp, 5)
  s2, m2 = run(fns, hp, 5)
  jax.tree.map(np.testing.assert_array_equal, s1.g_params, s2.g_params)
  fns3, hp3 = setup(tiny_config(), seed=1)
  s3, _ = run(fns3, hp3, 5)
  assert not np.allclose(jax.tree.leaves(s1.g_params)[0],
                         jax.tree.leaves(s3.g_params)[0])


def test_two_chunks_equal_one_long_chunk():
  fns, hp = setup(tiny_config())
  long_state, _ = run(fns, hp, 6)
  state, _ = run(fns, hp, 3)
  state, _ = jax.jit(fns.train_chunk, static_argnums=2)(state, hp, 3)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6),
               long_state.g_params, state.g_params)


def test_n_disc_steps_of_d_per_step_of_g():
  cfg = tiny_config()
  cfg.train.n_disc = 3
  fns, hp = setup(cfg)
  state, _ = run(fns, hp, 4)
  assert int(state.d_opt_state.count) == 12
  assert int(state.g_opt_state.count) == 4


def test_ema_decay_zero_tracks_params_and_one_half_averages():
  fns, hp = setup(tiny_config())
  state, _ = run(fns, dict(hp, ema_decay=np.float32(0.0)), 3)
  jax.tree.map(np.testing.assert_array_equal, state.ema_params, state.g_params)
  state, _ = run(fns, dict(hp, ema_decay=np.float32(0.5)), 3)
  assert not np.allclose(jax.tree.leaves(state.ema_params)[0],
                         jax.tree.leaves(state.g_params)[0])


def test_divergence_freezes_state_at_last_finite_value():
  fns, hp = setup(tiny_config())
  bad = dict(hp, lr_d=np.float32(1e30), lr_g=np.float32(1e30))
  state, m = run(fns, bad, 6)
  assert bool(state.diverged)
  assert not bool(jnp.all(m['finite']))
  assert all(bool(jnp.all(jnp.isfinite(x)))
             for x in jax.tree.leaves((state.g_params, state.d_params)))
  first_bad = int(np.argmin(np.asarray(m['finite'])))
  assert int(state.step) == first_bad


@pytest.mark.parametrize('penalty', sorted(penalties.PENALTIES))
def test_every_loss_with_every_penalty_trains_finite(penalty):
  cfg = tiny_config()
  cfg.penalty = penalty
  fns, hp = setup(cfg)
  init = jax.jit(fns.init)
  chunk = jax.jit(fns.train_chunk, static_argnums=2)
  for name in losses.LOSSES:
    member = dict(hp, loss=np.int32(losses.loss_index(name)))
    state, m = chunk(init(jax.random.key(0), member), member, 4)
    assert bool(jnp.all(m['finite'])), (name, penalty)
    if penalty == 'none':
      np.testing.assert_array_equal(m['penalty'], 0.0)
    else:
      assert float(jnp.max(m['penalty'])) > 0.0


@pytest.mark.parametrize('norm', ['batch', 'layer', 'spectral'])
def test_digits_dcgan_trains_with_each_norm(norm):
  cfg = tiny_config('digits')
  cfg.model.update(g_norm=norm, d_norm='spectral' if norm == 'batch' else norm)
  fns, hp = setup(cfg)
  state, m = run(fns, hp, 3)
  assert bool(jnp.all(m['finite']))
  x = jax.jit(fns.generate, static_argnums=2)(state, jax.random.key(1), 5)
  assert x.shape == (5, 8, 8, 1)


@pytest.mark.parametrize('opt', ['adamw', 'rmsprop', 'sgd'])
def test_each_optimizer_trains(opt):
  cfg = tiny_config()
  cfg.optim.update(g=opt, d=opt, clip_norm=1.0)
  fns, hp = setup(cfg)
  _, m = run(fns, hp, 3)
  assert bool(jnp.all(m['finite']))
