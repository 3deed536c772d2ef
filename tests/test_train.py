import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgan
from conftest import tiny_config
from jaxgan import config, losses, models, penalties, train


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


def _stats_equal(a, b) -> bool:
  return all(jax.tree.leaves(jax.tree.map(
      lambda x, y: bool(jnp.array_equal(x, y)), a, b)))


@pytest.mark.parametrize('d_norm', ['batch', 'spectral'])
@pytest.mark.parametrize('rule', ['OWN_STEP', 'EVERY_STEP'])
def test_each_networks_state_updates_in_the_steps_its_family_declares(
    rule, d_norm):
  jaxgan.register_model('stateful', models.ModelFamily(
      models.MLPGenerator, models.MLPDiscriminator, ('points',),
      state=getattr(models, rule)))
  cfg = tiny_config()
  cfg.model.update(name='stateful', g_norm='batch', d_norm=d_norm)
  p = train.make_parts(cfg)
  hp = dict(config.hparams_from_config(cfg), dropout_d=np.float32(0.0))
  state = train.init(p, jax.random.key(0), hp)
  assert state.g_stats and state.d_stats
  every = rule == 'EVERY_STEP'
  key = jax.random.key(1)

  # G's step: G's call on its latents, D's call on G's fakes.
  after, _ = train.g_update(p, state, hp, key)
  latents = train.draw_latents(p, key, p.batch)
  fake, g_stats = train.apply_g(p, state.g_params, state.g_stats, latents,
                                True)
  _, d_stats = train.apply_d(p, {'params': state.d_params, **state.d_stats},
                             fake, None, hp, key)
  assert not _stats_equal(d_stats, state.d_stats)
  assert _stats_equal(after.g_stats, g_stats)
  assert _stats_equal(after.d_stats, d_stats if every else state.d_stats)

  # D's step: G's call making the fakes, D's call on real and fake.
  after, _ = train.d_update(p, state, hp, key)
  _, k_z, _ = jax.random.split(key, 3)
  _, g_stats = train.apply_g(p, state.g_params, state.g_stats,
                             train.draw_latents(p, k_z, p.batch), True)
  assert not _stats_equal(g_stats, state.g_stats)
  assert _stats_equal(after.g_stats, g_stats if every else state.g_stats)
  assert not _stats_equal(after.d_stats, state.d_stats)

  # Evaluation: inference-mode calls leave every collection as it was.
  _, frozen = train.apply_g(p, state.g_params, state.g_stats, latents, False)
  assert _stats_equal(frozen, state.g_stats)
  out, frozen = p.d.apply({'params': state.d_params, **state.d_stats}, fake,
                          train=False, mutable=list(state.d_stats),
                          dropout_d=hp['dropout_d'])
  assert out.shape == (p.batch,) and _stats_equal(frozen, state.d_stats)


@pytest.mark.parametrize('d_norm', ['batch', 'layer'])
def test_d_step_shows_d_the_fakes_as_g_step_does(d_norm):
  """D's step scores G's fakes as G's step will: with batch norm, on the
  fakes alone (their own statistics), not normalised together with the
  real batch."""
  cfg = tiny_config('digits')
  cfg.model.d_norm = d_norm
  p = train.make_parts(cfg)
  assert p.family.d_calls == ('separate' if d_norm == 'batch' else 'joint')
  assert models.MODELS.lookup('dcgan').d_calls == 'joint'
  hp = config.hparams_from_config(cfg)
  state = train.init(p, jax.random.key(0), hp)
  key = jax.random.key(1)
  real, _ = train.draw_real(p, key)
  latents = train.draw_latents(p, jax.random.key(2), p.batch)
  _, diag = train.d_step(p, state, hp, real, None, latents, key)
  fake, _ = train.apply_g(p, state.g_params, state.g_stats, latents, True)
  alone, _ = train.apply_d(p, {'params': state.d_params, **state.d_stats},
                           fake, None, hp, key)
  np.testing.assert_allclose(diag['d_fake'], jnp.mean(alone['logit']),
                             rtol=1e-5, atol=1e-6)


def test_a_family_declaring_state_updates_in_no_step_is_refused():
  with pytest.raises(ValueError, match=r"state=.* must be a StateUpdates of "
                     "steps 'g' and/or 'd'"):
    jaxgan.register_model('bad_state', models.ModelFamily(
        models.MLPGenerator, models.MLPDiscriminator,
        state=models.StateUpdates(g=('gen',))))


def test_discriminator_steps_compile_to_one_loop_body():
  """The n_disc D steps are a scan: the compiled step holds D's loss once
  whatever n_disc is (compile time does not grow with it)."""
  def dots(n_disc):
    cfg = tiny_config()
    cfg.train.n_disc = n_disc
    fns, hp = setup(cfg)
    state = jax.eval_shape(fns.init, jax.random.key(0), hp)
    text = jax.jit(fns.train_chunk, static_argnums=2).lower(
        state, hp, 2).as_text()
    return text.count('dot_general')
  assert dots(2) == dots(7) < 2 * dots(1)
