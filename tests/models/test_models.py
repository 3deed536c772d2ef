import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import config, models, validation

IMAGE_CASES = [((8, 8, 1), 2), ((28, 28, 1), 2), ((32, 32, 3), 3)]
CASES = ([('mlp', (2,), 2)] + [('dcgan', shape, depth)
                               for shape, depth in IMAGE_CASES])


def build(name, shape, depth, norm, width=16):
  cfg = config.get_config().model
  cfg.update(name=name, width=width, depth=depth, latent_dim=5, g_norm=norm,
             d_norm=norm)
  return models.make_models(cfg, shape)


def variables(module, x, seed=0):
  return module.init(jax.random.key(seed), x, train=False)


# Instance norm needs spatial axes: the conv nets only.
NORM_CASES = [(case, norm) for case, norm in itertools.product(CASES,
                                                               models.NORMS)
              if not (case[0] == 'mlp' and norm in models.SPATIAL_NORMS)]


@pytest.mark.parametrize('case,norm', NORM_CASES)
def test_shapes_and_ranges(case, norm):
  name, shape, depth = case
  g, d = build(name, shape, depth, norm)
  z = jax.random.normal(jax.random.key(1), (3, 5))
  g_vars = variables(g, z)
  x, _ = g.apply(g_vars, z, train=True, mutable=True)
  assert x.shape == (3,) + shape
  if name == 'dcgan':
    assert float(jnp.max(jnp.abs(x))) <= 1.0
  d_vars = variables(d, x)
  logits, _ = d.apply(d_vars, x, train=True, mutable=True)
  assert logits.shape == (3,)
  assert bool(jnp.all(jnp.isfinite(logits)))


@pytest.mark.parametrize('case,norm', NORM_CASES)
def test_apply_is_pure(case, norm):
  name, shape, depth = case
  g, d = build(name, shape, depth, norm)
  z = jax.random.normal(jax.random.key(1), (4, 5))
  g_vars = variables(g, z)
  before = jax.tree.map(np.asarray, g_vars)
  out1 = g.apply(g_vars, z, train=False)
  out2 = g.apply(g_vars, z, train=False)
  np.testing.assert_array_equal(out1, out2)
  jax.tree.map(np.testing.assert_array_equal, before, g_vars)
  # Training mode returns new statistics instead of changing its input.
  _, new_stats = g.apply(g_vars, z, train=True, mutable=['batch_stats'])
  jax.tree.map(np.testing.assert_array_equal, before, g_vars)
  assert set(new_stats) == ({'batch_stats'} if norm in ('batch', 'spectral')
                            else set())


@pytest.mark.parametrize('name,shape,depth', CASES)
def test_spectral_norm_keeps_sigma_near_one(name, shape, depth):
  _, d = build(name, shape, depth, 'spectral', width=32)
  x = jax.random.normal(jax.random.key(2), (4,) + shape)
  d_vars = variables(d, x)
  params = d_vars['params']
  # Scale every weight up so that an unnormalised layer would be far from 1.
  params = jax.tree.map(lambda p: 7.0 * p, params)
  stats = d_vars['batch_stats']
  for _ in range(30):  # power iterations run in training calls
    _, new = d.apply({'params': params, 'batch_stats': stats}, x, train=True,
                     mutable=['batch_stats'])
    stats = new['batch_stats']
  checked = 0
  for layer_stats in stats.values():
    for name, sigma in layer_stats.items():
      if not name.endswith('/kernel/sigma'):
        continue
      kernel = np.asarray(params[name.split('/')[0]]['kernel'])
      top = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]),
                          compute_uv=False)[0]
      np.testing.assert_allclose(top / float(sigma), 1.0, rtol=0.05)
      checked += 1
  assert checked == depth + 1


def test_dcgan_depth_must_divide_image():
  cfg = config.get_config()
  cfg.data.name = 'digits'
  cfg.model.update(name='dcgan', depth=4)
  with pytest.raises(ValueError, match='model.depth=4'):
    validation.validate(cfg)
