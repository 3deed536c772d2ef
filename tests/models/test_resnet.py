"""SNGAN's and cGAN-PD's 32×32 ResNets against Mimicry's own modules
(``fixtures/make_mimicry_reference.py``): its checkpoints loaded, G's images
and D's logits in both modes, the state after a training-mode call, one
iteration of its training, the parameter counts; loading errors."""

import functools
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from conftest import RESNET_ROUNDING_ONLY
from jaxgan import config, models, train

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
WIDTH = 16   # the 32x32 fixtures' ngf and ndf
CLASSES = 10
# fixture -> (model.name, ngf, ndf, side) of the fixtures, and Mimicry's
# default ngf and ndf.
NETWORKS = {'sngan': ('sngan', WIDTH, WIDTH, 32, 256, 128),
            'cgan_pd': ('cgan_pd', WIDTH, WIDTH, 32, 256, 128),
            'sngan48': ('sngan', 32, 64, 48, 512, 1024)}


def close(got, want):
  """max |Δ| ≤ 1e-4 · max |reference|."""
  got, want = np.asarray(got), np.asarray(want)
  assert got.shape == want.shape
  assert np.max(np.abs(got - want)) <= 1e-4 * np.max(np.abs(want))


def reference(name):
  """The networks at the fixtures' width, their variables loaded from
  Mimicry's checkpoints, and the fixtures' arrays."""
  f = dict(np.load(os.path.join(FIXTURES, f'mimicry_{name}.npz')))
  family, g_width, d_width, side, _, _ = NETWORKS[name]
  cfg = config.get_config().model
  cfg.update(name=family, g_width=g_width, d_width=d_width,
             d_norm='spectral')
  classes = CLASSES if family == 'cgan_pd' else 0
  g, d = models.make_models(cfg, (side, side, 3), classes)
  y = jnp.asarray(f['y']) if classes else None
  loaded = []
  for net, module, x in (('G', g, f['z']), ('D', d, f['x'])):
    template = module.init(jax.random.key(0), x, False, y)
    loaded.append(models.load_torch_state_dict(
        os.path.join(FIXTURES, f'mimicry_{name}', f'net{net}.pth'),
        template))
  return g, d, loaded, y, f


@pytest.mark.parametrize('name', sorted(NETWORKS))
def test_the_networks_compute_as_mimicry(name):
  g, d, (g_vars, d_vars), y, f = reference(name)
  close(g.apply(g_vars, f['z'], False, y), f['g_eval'])
  close(d.apply(d_vars, f['x'], False, y), f['d_eval'])
  for net, module, variables, x, out in (('g', g, g_vars, f['z'], 'g_train'),
                                         ('d', d, d_vars, f['x'], 'd_train')):
    got, state = module.apply(variables, x, True, y, mutable=['batch_stats'])
    close(got, f[out])
    after = models.state_dict_of(state)
    prefix = f'{net}_state/'
    assert set(after) == {k[len(prefix):] for k in f if k.startswith(prefix)}
    for key, value in after.items():
      close(value, f[prefix + key])


def mimicry_recipe(name):
  """Mimicry's training of the fixtures: hinge loss, Adam 2e-4 with β =
  (0, 0.9) for both networks, the fixtures' batch and N_DIS = 2."""
  cfg = config.get_config()
  cfg.data.name = 'digits32'
  cfg.model.update(name=name, g_width=WIDTH, d_width=WIDTH,
                   d_norm='spectral', latent_dim=128)
  cfg.train.update(batch_size=5, n_disc=2)
  cfg.penalty = 'none'
  cfg.hparams.update(loss='hinge', lr_g=2e-4, lr_d=2e-4, b1_g=0.0,
                     b1_d=0.0, b2_g=0.9, b2_d=0.9)
  return cfg


def trained_once(name):
  """The fixtures' networks after one iteration of Mimicry's recipe on
  its batches and latents, with the fixture."""
  cfg = mimicry_recipe(name)
  p = train.make_parts(cfg)
  hp = config.hparams_from_config(cfg)
  state = train.init(p, jax.random.key(0), hp)
  nets = {}
  for net in ('g', 'd'):
    template = {'params': getattr(state, f'{net}_params'),
                **getattr(state, f'{net}_stats')}
    nets[net] = models.load_torch_state_dict(
        os.path.join(FIXTURES, f'mimicry_{name}',
                     f'net{net.upper()}.pth'), template)
  stats = lambda net: {k: v for k, v in nets[net].items() if k != 'params'}
  state = state.replace(
      g_params=nets['g']['params'], ema_params=nets['g']['params'],
      g_stats=stats('g'), d_params=nets['d']['params'], d_stats=stats('d'))
  f = dict(np.load(os.path.join(FIXTURES, f'mimicry_{name}_step.npz')))
  labels = (lambda k: jnp.asarray(f[k])) if name == 'cgan_pd' else (
      lambda k: None)
  latents = lambda k: train.Latents(jnp.asarray(f[f'z{k}']), labels(f'y{k}'),
                                    None, None)
  d_step = jax.jit(functools.partial(train.d_step, p))
  g_step = jax.jit(functools.partial(train.g_step, p), static_argnums=3)
  key = jax.random.key(1)
  for k in range(cfg.train.n_disc):
    state, _ = d_step(state, hp, jnp.asarray(f[f'real{k}']),
                      labels(f'real_y{k}'), latents(k), key)
  state, _ = g_step(state, hp, latents(cfg.train.n_disc), None, key)
  return state, nets, f, hp


@pytest.mark.parametrize('name', ['sngan', 'cgan_pd'])
def test_one_training_iteration_equals_mimicrys(name):
  state, before, f, hp = trained_once(name)
  for net in ('g', 'd'):
    stats = getattr(state, f'{net}_stats')
    after = models.state_dict_of({'params': getattr(state, f'{net}_params'),
                                  **stats})
    want = {k[2:]: v for k, v in f.items() if k.startswith(f'{net}/')}
    assert set(after) == set(want)
    start = models.state_dict_of(before[net])
    lr = float(hp[f'lr_{net}'])
    moments = {}
    for moment, field in (('exp_avg', 'mu'), ('exp_avg_sq', 'nu')):
      moments[moment] = models.state_dict_of(
          {'params': optax.tree.get(getattr(state, f'{net}_opt_state'),
                                    field), **stats})
    largest = max(np.max(np.abs(v)) for k, v in f.items()
                  if k.startswith(f'{net}_exp_avg/'))
    for key, value in after.items():
      noise = net == 'g' and RESNET_ROUNDING_ONLY.fullmatch(key)
      if not noise:
        close(value, want[key])
        continue
      for moved in (value, want[key]):
        assert np.max(np.abs(moved - start[key])) <= 1.01 * lr
      for grad in (moments['exp_avg'][key], f[f'g_exp_avg/{key}']):
        assert np.max(np.abs(grad)) <= 1e-5 * largest
    for moment, got in moments.items():
      prefix = f'{net}_{moment}/'
      want_moment = {k[len(prefix):]: v for k, v in f.items()
                     if k.startswith(prefix)}
      assert set(want_moment) <= set(got)
      for key, value in want_moment.items():
        if not (net == 'g' and RESNET_ROUNDING_ONLY.fullmatch(key)):
          close(got[key], value)


@pytest.mark.parametrize('name', sorted(NETWORKS))
def test_parameter_counts_equal_mimicrys_at_its_widths(name):
  with open(os.path.join(FIXTURES, 'counts.json')) as f:
    counts = json.load(f)[name]
  family, _, _, side, g_width, d_width = NETWORKS[name]
  cfg = config.get_config().model
  cfg.update(name=family, g_width=g_width, d_width=d_width,
             d_norm='spectral')
  classes = CLASSES if family == 'cgan_pd' else 0
  g, d = models.make_models(cfg, (side, side, 3), classes)
  y = jnp.zeros(2, jnp.int32) if classes else None
  count = lambda module, x: sum(v.size for v in jax.tree.leaves(
      jax.eval_shape(lambda: module.init(jax.random.key(0), x, False, y)
                     )['params']))
  assert count(g, jnp.zeros((2, 128))) == counts['g']
  assert count(d, jnp.zeros((2, side, side, 3))) == counts['d']


def test_a_state_dict_that_does_not_fit_is_refused_by_name():
  g, _, (g_vars, _), _, _ = reference('sngan')
  tensors = models.state_dict_of(g_vars)
  tensors['block2.c1.weight'] = tensors['block2.c1.weight'][:, :8]
  tensors['extra.weight'] = np.zeros(3)
  del tensors['b5.running_var']
  with pytest.raises(ValueError, match=(
      r"the state dict does not fit the network: missing "
      r"\['b5.running_var'\]; unexpected \['extra.weight'\]; wrong shapes: "
      r"block2.c1.weight: \(16, 8, 3, 3\), expected \(16, 16, 3, 3\)")):
    models.load_torch_state_dict(tensors, g_vars)
  with pytest.raises(ValueError, match="entry 'b5.weight' is a str"):
    models.load_torch_state_dict({'b5.weight': 'x'}, g_vars)


def test_a_state_dict_round_trips_and_may_be_nested():
  _, d, (_, d_vars), _, f = reference('sngan')
  tensors = models.state_dict_of(d_vars)
  assert 'block1.c1.weight_orig' in tensors and 'block1.c1.weight_u' in tensors
  again = models.load_torch_state_dict({'state_dict': tensors}, d_vars)
  close(d.apply(again, f['x'], False), f['d_eval'])


def test_the_resnets_take_only_32x32_or_48x48_images_and_their_norms():
  cfg = config.get_config().model
  cfg.update(name='sngan', d_norm='spectral')
  with pytest.raises(ValueError, match=r"SNGAN's 32x32 and 48x48 networks, "
                     r'and the data holds 8x8 images'):
    models.make_models(cfg, (8, 8, 1))
  cfg.d_norm = 'batch'
  with pytest.raises(ValueError, match=r"model.d_norm='batch': the ResNet "
                     "discriminator"):
    models.make_models(cfg, (32, 32, 3))

