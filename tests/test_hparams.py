import jax
import numpy as np
import pytest

import jaxgan
from conftest import tiny_config
from jaxgan import config, hparams, pbt, population, train, validation
from jaxgan.search.space import Space

MESH = population.make_mesh()


def test_builtins_keep_their_defaults_and_order():
  assert hparams.BUILT_IN == (
      'lr_g', 'lr_d', 'b1_g', 'b2_g', 'b1_d', 'b2_d', 'wd_g', 'wd_d',
      'gp_weight', 'r1_gamma', 'hinge_margin', 'ema_decay', 'dropout_d',
      'class_weight', 'info_weight', 'bcr_weight', 'cycle_weight',
      'identity_weight', 'loss', 'seed')
  assert hparams.perturbable() == (
      'lr_g', 'lr_d', 'wd_g', 'wd_d', 'gp_weight', 'r1_gamma', 'hinge_margin',
      'class_weight', 'info_weight', 'bcr_weight', 'cycle_weight',
      'identity_weight', 'b1_g', 'b2_g', 'b1_d', 'b2_d', 'ema_decay',
      'dropout_d')


@pytest.mark.parametrize('args, message', [
    (('lr_g', 1.0, 'scale'), "'lr_g' is a built-in one"),
    (('lr', 1.0, 'scale'), 'must be a Python identifier other than'),
    (('w', 1.0, 'weight'), "kind='weight' is not one of"),
    (('w', -1.0, 'scale'), 'default=-1.0 must be >= 0'),
    (('w', 1.0, 'rate'), 'default=1.0 must be in \\[0, 1\\)'),
    (('w', 'x', 'choice'), "a 'choice' needs choices"),
    (('w', 'c', 'choice', ('a', 'b')), "hparams.w='c' is not one of"),
    (('w', 1.0, 'scale', ('a',)), "choices are for kind 'choice'"),
])
def test_bad_declarations_are_named(args, message):
  with pytest.raises(ValueError, match=message):
    jaxgan.register_hparam(*args)


def test_a_declared_hparam_works_everywhere_a_builtin_does():
  jaxgan.register_hparam('aug_p', 0.25, 'rate')
  jaxgan.register_hparam('mode', 'b', 'choice', ('a', 'b', 'c'))
  cfg = tiny_config()
  assert cfg.hparams.aug_p == 0.25 and cfg.search.space.aug_p == ''
  validation.validate(cfg)
  arrays = config.hparams_from_config(cfg)
  assert arrays['mode'].dtype == np.int32 and int(arrays['mode']) == 1
  assert hparams.decode('mode', arrays['mode']) == 'b'
  cfg.hparams.aug_p = 1.5
  with pytest.raises(ValueError, match=r'hparams.aug_p=1.5 must be in \[0, 1\)'):
    validation.validate(cfg)
  cfg.hparams.aug_p = 0.25
  cfg.search.space.aug_p = 'uniform:0:0.5'
  cfg.search.space.update(mode='choice:a,c', r1_gamma='')
  space = Space.from_config(cfg)
  assert ('aug_p',) in space.perturbed() and ('mode',) not in (
      space.perturbed())
  stacked = population.stack_hparams(cfg, [{'mode': 'c', 'aug_p': 0.1}])
  assert stacked['mode'].tolist() == [2]


def test_a_user_hparam_changes_without_recompiling_and_pbt_perturbs_it(
    compile_counter):
  jaxgan.register_hparam('fake_scale', 1.0, 'scale')

  @jaxgan.register_loss_term('shrink', nets=('g',), weight='fake_scale')
  def shrink(inputs):
    return jax.numpy.mean(inputs.fake ** 2)

  cfg = tiny_config()
  cfg.terms = 'shrink'
  pop = population.make_population(cfg, MESH, 4)
  hp = population.stack_hparams(cfg, [{'fake_scale': v}
                                      for v in (0.0, 0.5, 1.0, 2.0)])
  state = pop.init(jax.random.key(0), pop.put(hp))
  state, m = pop.train_chunk(state, pop.put(hp), 3)
  compiled = compile_counter.count
  hp2 = dict(hp, fake_scale=np.float32([3.0, 0.1, 0.0, 5.0]))
  state, m2 = pop.train_chunk(state, pop.put(hp2), 3)
  assert compile_counter.count == compiled
  # The weight matters: members 0 (weight 0) and 2 (weight 1) differ.
  assert not np.allclose(m['g_grad_norm'][0], m['g_grad_norm'][2])
  _, new_hp, parents = jax.jit(pbt.exploit_explore, static_argnums=(4,))(
      jax.random.key(1), state, pop.put(hp2),
      jax.numpy.array([0.0, 1.0, 2.0, 3.0]), pbt.Perturbation(0.25))
  replaced = int(np.flatnonzero(np.asarray(parents) != np.arange(4))[0])
  parent = int(parents[replaced])
  value = float(new_hp['fake_scale'][replaced])
  assert np.isclose(value, hp2['fake_scale'][parent] * np.array([0.8, 1.2]),
                    rtol=1e-6).any()


def test_single_run_reads_a_user_weight_from_hp():
  jaxgan.register_hparam('fake_scale', 1.0, 'scale')
  jaxgan.register_loss_term('shrink', lambda i: jax.numpy.mean(i.fake ** 2),
                            nets=('g',), weight='fake_scale')
  cfg = tiny_config()
  cfg.terms = 'shrink'
  fns = train.make_program(cfg)
  hp = config.hparams_from_config(cfg)
  chunk = jax.jit(fns.train_chunk, static_argnums=2)
  state = jax.jit(fns.init)(jax.random.key(0), hp)
  _, with_term = chunk(state, hp, 2)
  _, without = chunk(state, dict(hp, fake_scale=np.float32(0.0)), 2)
  assert not np.allclose(with_term['g_grad_norm'], without['g_grad_norm'])
  np.testing.assert_allclose(with_term['d_loss'][0], without['d_loss'][0])
