import os

import numpy as np
import pytest

from jaxgan import config, hparams, losses, search, validation

CONFIG_DIR = os.path.join(os.path.dirname(__file__), '..', 'experiments',
                          'configs')


@pytest.mark.parametrize('name', sorted(f for f in os.listdir(CONFIG_DIR)
                                         if f.endswith('.py')))
def test_shipped_configs_load_and_validate(name):
  search.validate(config.load(os.path.join(CONFIG_DIR, name)))


def with_field(path, value):
  cfg = config.get_config()
  *parents, leaf = path.split('.')
  node = cfg
  for p in parents:
    node = node[p]
  node[leaf] = value
  return cfg


@pytest.mark.parametrize('path,value,message', [
    ('hparams.lr_g', -1e-4, r'hparams.lr_g=-0.0001 must be > 0'),
    ('hparams.lr_d', 0.0, r'hparams.lr_d=0.0 must be > 0'),
    ('hparams.b1_g', 1.0, r'hparams.b1_g=1.0 must be in \[0, 1\)'),
    ('hparams.b2_d', -0.1, r'hparams.b2_d=-0.1 must be in \[0, 1\)'),
    ('hparams.ema_decay', 1.5, r'hparams.ema_decay=1.5'),
    ('hparams.gp_weight', -1.0, r'hparams.gp_weight=-1.0 must be >= 0'),
    ('hparams.lr_g', float('nan'), r'hparams.lr_g=nan'),
    ('hparams.wd_g', 0.1, r"hparams.wd_g=0.1 has no effect with optim.g='adam'"),
    ('train.num_steps', 0, r'train.num_steps=0 must be an integer >= 1'),
    ('train.batch_size', -3, r'train.batch_size=-3 must be an integer >= 1'),
    ('model.latent_dim', 0, r'model.latent_dim=0 must be an integer >= 1'),
    ('optim.clip_norm', -1.0, r'optim.clip_norm=-1.0'),
])
def test_bad_values_name_field_and_value(path, value, message):
  with pytest.raises(ValueError, match=message):
    validation.validate(with_field(path, value))


@pytest.mark.parametrize('path,value,valid', [
    ('hparams.loss', 'wgan', 'non_saturating'),
    ('model.name', 'resnet', 'dcgan'),
    ('model.g_norm', 'group', 'spectral'),
    ('model.d_activation', 'gelu', 'leaky_relu'),
    ('data.name', 'imagenet', 'grid25'),
    ('penalty', 'dragan', 'gp'),
    ('optim.d', 'lion', 'rmsprop'),
])
def test_unknown_names_list_valid_ones(path, value, valid):
  with pytest.raises(ValueError, match=f'{path}={value!r}.*{valid}'):
    validation.validate(with_field(path, value))


def test_model_must_fit_data():
  with pytest.raises(ValueError, match="model.name='dcgan' is for images"):
    validation.validate(with_field('model.name', 'dcgan'))


def test_gradient_penalty_refuses_batch_norm_in_d():
  cfg = with_field('penalty', 'gp')
  cfg.model.d_norm = 'batch'
  with pytest.raises(ValueError, match="model.d_norm='batch'"):
    validation.validate(cfg)


def test_population_arrays_are_checked_member_by_member():
  hp = config.hparams_from_config(config.get_config())
  hp['lr_d'] = np.array([1e-3, 2e-3, -5.0], np.float32)
  with pytest.raises(ValueError, match=r'hparams.lr_d=-5.0'):
    validation.validate_hparams(hp, config.get_config())
  hp['lr_d'] = np.float32(1e-3)
  del hp['seed']
  with pytest.raises(ValueError, match=r"missing \['seed'\]"):
    validation.validate_hparams(hp, config.get_config())


def test_hparams_from_config_types():
  hp = config.hparams_from_config(config.get_config())
  assert set(hp) == set(hparams.names())
  assert hp['loss'].dtype == np.int32 and hp['seed'].dtype == np.int32
  assert hp['lr_g'].dtype == np.float32
  assert int(hp['loss']) == tuple(losses.LOSSES).index('non_saturating')


def test_as_arrays_keeps_population_shape():
  hp = dict(config.get_config().hparams)
  hp['loss'] = ['hinge', 'wasserstein']
  hp['lr_g'] = [1e-4, 2e-4]
  out = hparams.as_arrays(hp)
  assert out['loss'].tolist() == [2, 3] and out['lr_g'].shape == (2,)


def test_load_errors_name_the_path(tmp_path):
  with pytest.raises(FileNotFoundError, match='missing.py'):
    config.load(str(tmp_path / 'missing.py'))
  empty = tmp_path / 'empty.py'
  empty.write_text('x = 1\n')
  with pytest.raises(ValueError, match='empty.py.*does not define get_config'):
    config.load(str(empty))
  broken = tmp_path / 'broken.py'
  broken.write_text('def get_config(:\n')
  with pytest.raises(SyntaxError) as e:
    config.load(str(broken))
  assert e.value.filename == str(broken)


def test_load_does_not_mutate_defaults():
  a = config.get_config()
  a.hparams.lr_g = 123.0
  assert config.get_config().hparams.lr_g != 123.0
