"""Every extension point used from outside the package: registered plug-ins
train in populations that equal their single runs, are searched, are never
served a stale program, and bad plug-ins are refused before compiling."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgan
import plugins
from conftest import assert_members_equal_single_runs, tiny_config
from jaxgan import population, search, train, validation
from jaxgan.search import store

MESH = population.make_mesh()


@pytest.fixture(autouse=True)
def _registered():
  plugins.register()


def conditional_config(terms='aux_class', augment='none'):
  cfg = tiny_config('blobs')
  cfg.model.update(name='headed', num_classes=4, code_dim=2)
  cfg.optim.update(g='lion', d='lion')
  cfg.hparams.update(lr_g=1e-4, lr_d=1e-4, b1_g=0.9, b2_g=0.99, b1_d=0.9,
                     b2_d=0.99)
  cfg.terms, cfg.augment = terms, augment
  cfg.eval.metrics = 'closeness'
  cfg.search.space.r1_gamma = ''
  return cfg


def test_dataset_network_term_optimiser_and_metric_equal_single_runs():
  cfg = conditional_config()
  validation.validate(cfg)
  m, evaluated = assert_members_equal_single_runs(cfg, [
      {'aux_weight': 0.0}, {'aux_weight': 2.0, 'lr_g': 3e-4},
      {'aux_weight': 1.0, 'seed': 3}])
  assert set(evaluated) >= {'closeness', 'energy_distance', 'precision'}
  # The class term's weight reaches D's loss: weight 0 trains otherwise.
  assert not np.allclose(m['d_grad_norm'][0], m['d_grad_norm'][2])


def test_infogan_and_consistency_terms_with_an_augmentation():
  cfg = conditional_config('code_mse,aux_class,shift_cr', augment='jitter')
  validation.validate(cfg)
  m, _ = assert_members_equal_single_runs(cfg, [
      {'code_weight': 0.0, 'shift_weight': 0.0},
      {'code_weight': 1.0, 'shift_weight': 0.0},
      {'code_weight': 0.0, 'shift_weight': 10.0}])
  assert not np.allclose(m['g_grad_norm'][0], m['g_grad_norm'][1])
  assert not np.allclose(m['d_grad_norm'][0], m['d_grad_norm'][2])


def test_a_generator_term_reads_a_real_batch_in_gs_step():
  cfg = conditional_config('feature_matching')
  validation.validate(cfg)
  m, _ = assert_members_equal_single_runs(cfg, [
      {'match_weight': 0.0}, {'match_weight': 1.0},
      {'match_weight': 1.0, 'seed': 3}])
  # Feature matching reaches G's loss: weight 0 trains otherwise.
  assert not np.allclose(m['g_grad_norm'][0], m['g_grad_norm'][1])
  np.testing.assert_array_equal(m['g_loss'][0][:1], m['g_loss'][1][:1])


def test_a_registered_program_equals_its_single_runs_and_is_searched(
    tmp_path):
  cfg = tiny_config()
  cfg.program = 'dual'
  assert_members_equal_single_runs(cfg, [{'lr_d': 1e-3}, {'lr_g': 1e-3},
                                         {'seed': 5}], steps=20)
  cfg.search.update(method='pbt', population=2, pbt_interval=10)
  cfg.search.space.update(r1_gamma='', loss='', b1='', b2='')
  best = search.tune(cfg, str(tmp_path / 'pbt'),
                     output=search.Output(lambda _: None, ()))
  trials = store.read(str(tmp_path / 'pbt'))
  assert len(trials) == 4 and best.objective is not None
  assert any(t.parent is not None for t in trials)


def test_user_plugins_are_searched_by_their_own_objective(tmp_path):
  cfg = conditional_config()
  cfg.search.update(method='random', num_trials=3, population=3,
                    objective='closeness', transform='none')
  cfg.search.space.update(aux_weight='log:0.1:10', loss='', r1_gamma='')
  best = search.tune(cfg, str(tmp_path),
                     output=search.Output(lambda _: None, ()))
  trials = store.read(str(tmp_path))
  assert len(trials) == 3
  assert {t.objective for t in trials} == {t.metrics['closeness']
                                          for t in trials}
  assert best.objective == max(t.objective for t in trials)
  assert all(0.1 <= t.hparams['aux_weight'] <= 10 for t in trials)


def test_a_replaced_component_is_never_served_a_stale_program():
  jaxgan.register_loss('mine', jaxgan.losses.non_saturating)
  cfg = tiny_config()
  cfg.hparams.loss = 'mine'
  hp = population.stack_hparams(cfg, [{}, {'seed': 1}])
  first = population.make_population(cfg, MESH, 2)
  out_first = first.train_chunk(first.init(jax.random.key(0), first.put(hp)),
                                first.put(hp), 3)[1]['g_loss']
  jaxgan.register_loss('mine', jaxgan.losses.least_squares, replace=True)
  second = population.make_population(cfg, MESH, 2)
  assert second is not first
  out_second = second.train_chunk(
      second.init(jax.random.key(0), second.put(hp)), second.put(hp),
      3)[1]['g_loss']
  fns = train.make_program(cfg)
  one = {k: v[0] for k, v in hp.items()}
  single = jax.jit(fns.train_chunk, static_argnums=2)(
      jax.jit(fns.init)(jax.random.key(0), one), one, 3)[1]['g_loss']
  np.testing.assert_allclose(out_second[0], single, rtol=2e-5)
  assert not np.allclose(out_first[0], out_second[0])


@pytest.mark.parametrize('change, message', [
    (dict(data='unlabelled', model='labels_but_none'),
     r"its generator takes labels y, but data.name='unlabelled' has none"),
    (dict(code_dim=0), r'takes latent codes c, but model.code_dim=0'),
    (dict(metrics='nowhere'), r"eval.metrics='nowhere' is not a registered "
     'metric'),
    (dict(terms='code_mse,code_mse'), "terms='code_mse,code_mse' lists a loss term twice"),
    (dict(terms='unweighted'), r"'unweighted' is weighted by 'no_such', "
     'which is not a hyperparameter'),
    (dict(model='no_field'), r"declares the field 'depthness', which "
     'config.model does not hold'),
])
def test_bad_plugins_are_refused_before_anything_compiles(
    change, message, compile_counter):
  jaxgan.register_loss_term('unweighted', plugins.info, weight='no_such')
  jaxgan.from_arrays(plugins.blobs()[0], name='unlabelled')
  jaxgan.register_model('labels_but_none', jaxgan.ModelFamily(
      plugins.CondGenerator, jaxgan.models.MLPDiscriminator,
      g_inputs=('y',)))
  jaxgan.register_model('no_field', jaxgan.ModelFamily(
      plugins.CondGenerator, _requires_depthness(), g_inputs=('y', 'c')))
  cfg = conditional_config()
  if 'data' in change:
    cfg.data.name = change['data']
  if 'model' in change:
    cfg.model.name = change['model']
  if 'code_dim' in change:
    cfg.model.code_dim = change['code_dim']
  if 'metrics' in change:
    cfg.eval.metrics = change['metrics']
  if 'terms' in change:
    cfg.terms = change['terms']
  # JAX compiles its own small programs on first use in a process (putting
  # the data and a scalar on the device, making a key); validating must
  # compile nothing else, whichever tests ran before in this process.
  jax.random.key(np.int32(0))
  before = compile_counter.count
  with pytest.raises(ValueError, match=message):
    validation.validate(cfg)
  assert compile_counter.count == before


def _requires_depthness():
  class NeedsDepthness(jaxgan.models.nn.Module):
    depthness: int

    @jaxgan.models.nn.compact
    def __call__(self, x, train):
      return x[:, 0]
  return NeedsDepthness


class ColumnD(jaxgan.models.nn.Module):
  """A D whose logits keep Dense(1)'s column: (batch, 1)."""
  width: int

  @jaxgan.models.nn.compact
  def __call__(self, x, train):
    del train
    return jaxgan.models.nn.Dense(1)(x)


class ThreeG(jaxgan.models.nn.Module):
  """A G that ignores out_shape: (batch, 3) samples."""
  width: int

  @jaxgan.models.nn.compact
  def __call__(self, z, train):
    del train
    return jaxgan.models.nn.Dense(3)(z)


@pytest.mark.parametrize('g, d, message', [
    (jaxgan.models.MLPGenerator, ColumnD, r"model.name='broken': the "
     r'discriminator ColumnD returns logits of shape \(2, 1\) for a batch '
     r'of 2; it must return one logit per example, shape \(batch,\)'),
    (ThreeG, jaxgan.models.MLPDiscriminator, r"model.name='broken': the "
     r'generator ThreeG returns samples of shape \(2, 3\) for a batch of 2; '
     r"data.name='grid25' needs \(batch, 2\)"),
])
def test_networks_breaking_the_contract_are_named_before_compiling(
    g, d, message, compile_counter):
  jaxgan.register_model('broken', jaxgan.ModelFamily(g, d, ('points',)))
  cfg = tiny_config()
  cfg.model.name = 'broken'
  validation.validate(cfg)
  jaxgan.data.for_config(cfg)  # the data's own small programs
  before = compile_counter.count
  with pytest.raises(ValueError, match=message):
    train.make_program(cfg)
  assert compile_counter.count == before


@pytest.mark.parametrize('field, value, message', [
    ('hparams.loss', 'hinje', r"hparams.loss='hinje' is not one of .*"
     r"\(did you mean 'hinge'\?\)"),
    ('model.name', 'dcgann', r"model.name='dcgann' is not a registered model "
     r"family .*\(did you mean 'dcgan'\?\); choose one of"),
])
def test_a_mistyped_name_gets_the_closest_one(field, value, message):
  cfg = tiny_config()
  section, leaf = field.split('.')
  cfg[section][leaf] = value
  with pytest.raises(ValueError, match=message):
    validation.validate(cfg)


def test_metrics_must_declare_every_output_and_a_direction():
  with pytest.raises(ValueError, match="give directions"):
    jaxgan.register_metric('nodir', plugins.closeness, directions={})
  with pytest.raises(ValueError, match="direction of 'closeness' is 'up'"):
    jaxgan.register_metric('updir', plugins.closeness,
                           directions={'closeness': 'up'})
  with pytest.raises(ValueError, match="output 'fid' is a built-in"):
    jaxgan.register_metric('fid2', plugins.closeness, directions={'fid': 'min'})
  jaxgan.register_metric('liar', plugins.closeness,
                         directions={'nearness': 'max'})
  cfg = conditional_config()
  cfg.eval.metrics = 'liar'
  with pytest.raises(ValueError, match=r"'liar' returns \['closeness'\], but "
                     r"declares directions for \['nearness'\]"):
    jaxgan.make_metrics(cfg)


def test_an_objective_without_a_direction_needs_one(tmp_path):
  jaxgan.register_metric('spread', lambda x, r: {'spread': jnp.std(x)},
                         directions={'spread': None})
  cfg = conditional_config()
  cfg.eval.metrics = 'spread'
  cfg.search.objective = 'spread'
  with pytest.raises(ValueError, match="search.objective='spread' is "
                     'measured, but its metric declares no direction: set '
                     "search.direction='min' or 'max'"):
    search.validate(cfg)
  cfg.search.update(direction='max', transform='none')
  search.validate(cfg)
  assert jaxgan.metrics.sign(cfg, 'spread') == -1.0
  cfg.search.direction = 'min'
  assert jaxgan.metrics.sign(cfg, 'spread') == 1.0
  assert jaxgan.metrics.sign(cfg, 'high_quality') == -1.0
  assert jaxgan.metrics.sign(cfg, 'partition_kl') == 1.0
