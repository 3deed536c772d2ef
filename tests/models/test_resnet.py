"""SNGAN's and cGAN-PD's 32×32 ResNets against Mimicry's own modules
(``fixtures/make_mimicry_reference.py``): its checkpoints loaded, G's images
and D's logits in both modes, the state after a training-mode call, the
parameter counts; loading errors."""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import config, models

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
WIDTH = 16   # the fixtures' ngf and ndf
CLASSES = 10


def close(got, want):
  """max |Δ| ≤ 1e-4 · max |reference|."""
  got, want = np.asarray(got), np.asarray(want)
  assert got.shape == want.shape
  assert np.max(np.abs(got - want)) <= 1e-4 * np.max(np.abs(want))


def reference(name):
  """The networks at the fixtures' width, their variables loaded from
  Mimicry's checkpoints, and the fixtures' arrays."""
  f = dict(np.load(os.path.join(FIXTURES, f'mimicry_{name}.npz')))
  cfg = config.get_config().model
  cfg.update(name=name, g_width=WIDTH, d_width=WIDTH, d_norm='spectral')
  classes = CLASSES if name == 'cgan_pd' else 0
  g, d = models.make_models(cfg, (32, 32, 3), classes)
  y = jnp.asarray(f['y']) if classes else None
  loaded = []
  for net, module, x in (('G', g, f['z']), ('D', d, f['x'])):
    template = module.init(jax.random.key(0), x, False, y)
    loaded.append(models.load_torch_state_dict(
        os.path.join(FIXTURES, f'mimicry_{name}', f'net{net}.pth'),
        template))
  return g, d, loaded, y, f


@pytest.mark.parametrize('name', ['sngan', 'cgan_pd'])
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


@pytest.mark.parametrize('name', ['sngan', 'cgan_pd'])
def test_parameter_counts_equal_mimicrys_at_its_widths(name):
  with open(os.path.join(FIXTURES, 'counts.json')) as f:
    counts = json.load(f)[name]
  cfg = config.get_config().model
  cfg.update(name=name, g_width=256, d_width=128, d_norm='spectral')
  classes = CLASSES if name == 'cgan_pd' else 0
  g, d = models.make_models(cfg, (32, 32, 3), classes)
  y = jnp.zeros(2, jnp.int32) if classes else None
  count = lambda module, x: sum(v.size for v in jax.tree.leaves(
      jax.eval_shape(lambda: module.init(jax.random.key(0), x, False, y)
                     )['params']))
  assert count(g, jnp.zeros((2, 128))) == counts['g']
  assert count(d, jnp.zeros((2, 32, 32, 3))) == counts['d']


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


def test_the_resnets_take_only_32x32_images_and_their_norms():
  cfg = config.get_config().model
  cfg.update(name='sngan', d_norm='spectral')
  with pytest.raises(ValueError, match=r"SNGAN's 32x32 networks, and the "
                     r'data holds 8x8 images'):
    models.make_models(cfg, (8, 8, 1))
  cfg.d_norm = 'batch'
  with pytest.raises(ValueError, match=r"model.d_norm='batch': the ResNet "
                     "discriminator"):
    models.make_models(cfg, (32, 32, 3))

