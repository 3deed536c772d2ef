import os
import socket
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import (RESNET_ROUNDING_ONLY, RESNET_ROUNDING_STATS,
                      tiny_config, tiny_sngan_config)
from processes import finish, start
from jaxgan import losses, models, population, run, train

MESH = population.make_mesh()
WORKER = os.path.join(os.path.dirname(__file__), 'population_worker.py')


def single_run(cfg, member_hp, n):
  fns = train.make_train(cfg)
  state = jax.jit(fns.init)(jax.random.key(0), member_hp)
  return jax.jit(fns.train_chunk, static_argnums=2)(state, member_hp, n)


def population_run(cfg, members, n, size=None):
  hp = population.stack_hparams(cfg, members)
  size = size or len(members)
  pop = population.make_population(cfg, MESH, size)
  hp_dev = pop.put(population.pad(hp, size))
  state = pop.init(jax.random.key(0), hp_dev)
  state, m = pop.train_chunk(state, hp_dev, n)
  return pop, state, m, hp


MEMBERS = [
    {'lr_d': 1e-3},
    {'lr_d': 3e-3, 'lr_g': 2e-4, 'seed': 4},
    {'b1_g': 0.0, 'b2_d': 0.99, 'r1_gamma': 1.0, 'ema_decay': 0.9},
    {'loss': 'hinge', 'hinge_margin': 0.5, 'seed': 2},
]


@pytest.mark.parametrize('penalty', ['none', 'r1'])
def test_every_member_equals_its_single_run(penalty):
  cfg = tiny_config(penalty=penalty)
  _, state, m, hp = population_run(cfg, MEMBERS, 6)
  fns = train.make_train(cfg)
  init = jax.jit(fns.init)
  chunk = jax.jit(fns.train_chunk, static_argnums=2)
  for i in range(len(MEMBERS)):
    one = {k: v[i] for k, v in hp.items()}
    single_state, single_m = chunk(init(jax.random.key(0), one), one, 6)
    for k in train.STEP_METRICS:
      np.testing.assert_allclose(m[k][i], single_m[k], rtol=2e-5, atol=1e-6,
                                 err_msg=f'member {i}: {k}')
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a[i], b, rtol=2e-5,
                                                         atol=1e-6),
                 (state.g_params, state.d_params, state.ema_params),
                 (single_state.g_params, single_state.d_params,
                  single_state.ema_params))


@pytest.mark.xdist_group('literature')   # shares the 32x32 digits' classifier
def test_sngan_members_equal_their_single_runs(compile_counter):
  """SNGAN's ResNets at a reduced width: convolutions per member, spectral
  norm's vectors and G's batch norm kept per member, D called twice a D
  step. Everything but G's parameters that only rounding moves
  (``conftest.RESNET_ROUNDING_ONLY``) and the running means that follow
  them. New values of the dynamic hyperparameters compile nothing."""
  cfg = tiny_sngan_config()
  population_run(cfg, [{'lr_d': 1e-3, 'loss': 'non_saturating'},
                       {'b2_g': 0.99, 'ema_decay': 0.9, 'seed': 7}], 3)
  compiled = compile_counter.count
  members = [{'lr_d': 2e-4, 'b1_d': 0.0}, {'lr_g': 1e-3, 'seed': 3}]
  _, state, m, hp = population_run(cfg, members, 3)
  assert compile_counter.count == compiled
  fns = train.make_train(cfg)
  chunk = jax.jit(fns.train_chunk, static_argnums=2)
  member = lambda tree, i: jax.tree.map(lambda v: v[i], tree)
  for i in range(len(members)):
    one = member(hp, i)
    single, single_m = chunk(jax.jit(fns.init)(jax.random.key(0), one), one,
                             3)
    for k in train.STEP_METRICS:
      np.testing.assert_allclose(m[k][i], single_m[k], rtol=2e-5, atol=1e-6,
                                 err_msg=f'member {i}: {k}')
    for net in ('g', 'd'):
      ours = models.state_dict_of(
          {'params': member(getattr(state, f'{net}_params'), i),
           **member(getattr(state, f'{net}_stats'), i)})
      alone = models.state_dict_of({'params': getattr(single,
                                                      f'{net}_params'),
                                    **getattr(single, f'{net}_stats')})
      compared = [k for k in ours if net == 'd' or not (
          RESNET_ROUNDING_ONLY.fullmatch(k)
          or RESNET_ROUNDING_STATS.fullmatch(k))]
      assert len(compared) > len(ours) // 2
      for k in compared:
        np.testing.assert_allclose(ours[k], alone[k], rtol=2e-5, atol=1e-6,
                                   err_msg=f'member {i}: {net} {k}')


def test_members_trained_in_groups_equal_members_trained_together():
  cfg = tiny_config()
  members = MEMBERS + [{'lr_g': 3e-4, 'seed': 11}, {'b1_d': 0.2}]
  hp = population.stack_hparams(cfg, members)
  results = []
  for group in (1, 2, 6):
    pop = population.make_population(cfg, MESH, 6, group_size=group)
    hp_dev = pop.put(hp)
    state, m = pop.train_chunk(pop.init(jax.random.key(0), hp_dev), hp_dev, 4)
    results.append((state.g_params, m['d_loss']))
  for other in results[1:]:
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5,
                                                         atol=1e-6),
                 results[0], other)


def test_evaluate_is_per_member_single_evaluation():
  cfg = tiny_config()
  pop, state, _, hp = population_run(cfg, MEMBERS, 4)
  quality = pop.evaluate(state)
  one = {k: v[3] for k, v in hp.items()}
  single_state, _ = single_run(cfg, one, 4)
  _, single_quality = jax.jit(pop.fns.evaluate, static_argnums=1)(
      single_state, cfg.train.eval_samples)
  for k, v in single_quality.items():
    assert quality[k].shape == (4,)
    np.testing.assert_allclose(quality[k][3], v, rtol=1e-5)
  samples = pop.sample(state, 32)
  assert samples.shape == (4, 32, 2)
  single_samples, _ = jax.jit(pop.fns.evaluate, static_argnums=1)(
      single_state, 32)
  np.testing.assert_allclose(samples[3], single_samples, rtol=1e-5, atol=1e-6)


def test_later_rounds_with_new_values_compile_nothing(compile_counter):
  cfg = tiny_config()
  population_run(cfg, MEMBERS[:3], 5, size=4)
  first = compile_counter.count
  assert first > 0
  other = [{'lr_d': 5e-4, 'loss': 'least_squares'}, {'lr_g': 1e-2, 'seed': 9}]
  pop, state, _, _ = population_run(cfg, other, 5, size=4)
  pop.evaluate(state)
  after_eval = compile_counter.count
  pop, state, _, _ = population_run(cfg, MEMBERS, 5, size=4)
  pop.evaluate(state)
  assert compile_counter.count == after_eval


def test_diverged_member_changes_no_other_member():
  cfg = tiny_config()
  healthy = [MEMBERS[0], MEMBERS[1], MEMBERS[2]]
  poisoned = [MEMBERS[0], {'lr_d': 1e30, 'lr_g': 1e30}, MEMBERS[2]]
  _, s_ok, m_ok, _ = population_run(cfg, healthy, 6)
  _, s_bad, m_bad, _ = population_run(cfg, poisoned, 6)
  assert bool(s_bad.diverged[1]) and not bool(jnp.any(s_bad.diverged[::2]))
  for i in (0, 2):
    for k in train.STEP_METRICS:
      np.testing.assert_array_equal(m_ok[k][i], m_bad[k][i])
    jax.tree.map(lambda a, b: np.testing.assert_array_equal(a[i], b[i]),
                 s_ok.g_params, s_bad.g_params)
  assert all(bool(jnp.all(jnp.isfinite(x[1])))
             for x in jax.tree.leaves(s_bad.g_params))


def test_buckets_group_static_values_and_keep_order():
  cfg = tiny_config()
  settings = [{'lr_d': 1e-3, 'model.width': 8}, {'lr_d': 2e-3},
              {'lr_d': 3e-3, 'model.width': 8}, {'loss': 'hinge'}]
  groups = population.buckets(cfg, settings)
  assert [g.indices for g in groups] == [[0, 2], [1, 3]]
  assert groups[0].cfg.model.width == 8 and groups[1].cfg.model.width == 16
  np.testing.assert_allclose(groups[0].hparams['lr_d'], [1e-3, 3e-3])
  assert groups[1].hparams['loss'].tolist() == [
      losses.loss_index('non_saturating'), losses.loss_index('hinge')]
  assert cfg.model.width == 16  # the base config is not modified


@pytest.mark.parametrize('setting,message', [
    ({'lr_dd': 1e-3}, r"'lr_dd' is not a static config field nor a dynamic "
     r'hyperparameter \(lr_g, lr_d'),
    ({'lr_d': -1.0}, r'hparams.lr_d=-1.0 must be > 0'),
    ({'model.widht': 8}, r"'model.widht' is not a static config field"),
    ({'hparams.lr_d': 0.1}, r"'hparams.lr_d' is not a static config field"),
    ({'search.seed': 1}, r"'search.seed' is not a static config field"),
    ({'model': 1}, r"'model' is not a static config field"),
])
def test_bad_settings_are_named(setting, message):
  with pytest.raises(ValueError, match=message):
    population.buckets(tiny_config(), [{'lr_d': 1e-3}, setting])


def test_a_bad_static_value_is_named_before_anything_is_written(tmp_path):
  with pytest.raises(ValueError, match=r'model.width=0 must be an integer '
                     '>= 1'):
    run.train_population(tiny_config(), [{'lr_d': 1e-3}, {'model.width': 0}],
                         str(tmp_path / 'w'))
  assert not (tmp_path / 'w').exists()


def test_size_must_split_over_the_mesh():
  with pytest.raises(ValueError, match=r"size=0 must be a positive multiple"):
    population.make_population(tiny_config(), MESH, 0)
  with pytest.raises(ValueError, match=r'group_size=0 must be >= 1'):
    population.make_population(tiny_config(), MESH, 2, group_size=0)
  assert population.padded_size(5, MESH) == 5
  padded = population.pad({'a': np.array([1, 2, 3])}, 5)
  assert padded['a'].tolist() == [1, 2, 3, 3, 3]
  with pytest.raises(ValueError, match='3 members do not fit'):
    population.pad({'a': np.array([1, 2, 3])}, 2)


def _run_worker(out_dir, meshes=(), env=None, devices=8, programs=()):
  """The worker, started; its output goes to ``OUT_DIR/worker-RANK.log``."""
  env = dict(os.environ, JAX_NUM_CPU_DEVICES=str(devices), **(env or {}))
  log = out_dir / f'worker-{env.get("JAXGAN_PROCESS_ID", "0")}.log'
  return start([sys.executable, WORKER, f'--out={out_dir}',
                *[f'--mesh={shape}' for shape in meshes],
                *[f'--program={name}' for name in programs]],
               log, env=env), log


def _assert_same(a, b):
  assert set(a.files) == set(b.files)
  for k in a.files:
    if k in ('devices', 'processes'):
      continue
    np.testing.assert_allclose(a[k], b[k], rtol=1e-4, atol=1e-6, err_msg=k)


@pytest.mark.slow
def test_pop_and_data_splits_over_8_devices_match_one_device(tmp_path):
  """The built-in program and a registered one (``plugins.dual_program``)
  match one device, and so does SNGAN on 'pop'; a conditional GAN and a
  CycleGAN train as two buckets of one round on the 8 devices."""
  finish(*_run_worker(tmp_path, ['8x1', '4x2', '1x1'], devices=8,
                      programs=('gan', 'dual', 'families', 'sngan')))
  families = np.load(tmp_path / '8x1-families.npz')
  assert int(families['devices']) == 8
  assert {'0_class_accuracy', '1_class_accuracy'} <= set(families.files)
  assert families['0_d_loss'].shape[0] == families['1_d_loss'].shape[0] == 3
  assert all(np.all(np.isfinite(families[k])) for k in families.files)
  # The CycleGAN members differ only in their cycle weight (0, 1, 10) and
  # seed; their G losses part from the first step on.
  assert len({round(float(v), 6) for v in families['1_g_loss'][:, -1]}) == 3
  for suffix in ('', '-dual'):
    results = {shape: np.load(tmp_path / f'{shape}{suffix}.npz')
               for shape in ('8x1', '4x2', '1x1')}
    assert int(results['8x1']['devices']) == 8
    assert int(results['4x2']['devices']) == 8
    assert int(results['1x1']['devices']) == 1
    _assert_same(results['8x1'], results['1x1'])
    _assert_same(results['4x2'], results['1x1'])
  # SNGAN's 8 members, one per device, equal the 8 on one device.
  _assert_same(np.load(tmp_path / '8x1-sngan.npz'),
               np.load(tmp_path / '1x1-sngan.npz'))


def _free_port():
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_match_one_process_with_four_devices(tmp_path):
  address = f'127.0.0.1:{_free_port()}'
  (tmp_path / 'multi').mkdir()
  (tmp_path / 'single').mkdir()
  procs = [_run_worker(tmp_path / 'multi', devices=2, env=dict(
      JAXGAN_COORDINATOR=address, JAXGAN_NUM_PROCESSES='2',
      JAXGAN_PROCESS_ID=str(rank))) for rank in range(2)]
  for started in procs:
    finish(*started)
  finish(*_run_worker(tmp_path / 'single', devices=4))
  multi = np.load(tmp_path / 'multi' / '4x1.npz')
  one = np.load(tmp_path / 'single' / '4x1.npz')
  assert int(multi['processes']) == 2 and int(multi['devices']) == 4
  assert int(one['processes']) == 1 and int(one['devices']) == 4
  _assert_same(multi, one)
