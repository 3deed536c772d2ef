"""The conditional, AC-GAN and InfoGAN families' networks, attention,
dropout and instance norm."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan import config, models, validation
from jaxgan.models.layers import SelfAttention


def build(name, shape=(8, 8, 1), **model):
  cfg = config.get_config().model
  cfg.update(name=name, width=16, depth=2, latent_dim=4, **model)
  return models.make_models(cfg, shape, num_classes=10)


@pytest.mark.parametrize('arch', ['mlp', 'dcgan'])
def test_conditional_networks_use_the_label(arch):
  g, d = build(f'cond_{arch}', g_norm='batch')
  z = jax.random.normal(jax.random.key(0), (4, 4))
  y0, y1 = jnp.zeros(4, jnp.int32), jnp.full(4, 3)
  g_vars = g.init(jax.random.key(1), z, train=False, y=y0)
  # Conditional batch norm starts at scale 1 and shift 0 for every label
  # (BigGAN's initialisation): perturb the parameters first.
  leaves, tree = jax.tree.flatten(g_vars['params'])
  keys = jax.random.split(jax.random.key(3), len(leaves))
  g_vars = {**g_vars, 'params': jax.tree.unflatten(tree, [
      v + 0.1 * jax.random.normal(k, v.shape) for v, k in zip(leaves, keys)])}
  x0, x1 = (g.apply(g_vars, z, train=False, y=y) for y in (y0, y1))
  assert x0.shape == (4, 8, 8, 1) and not np.allclose(x0, x1)
  d_vars = d.init(jax.random.key(2), x0, train=False, y=y0)
  l0, l1 = (d.apply(d_vars, x0, train=False, y=y) for y in (y0, y1))
  assert l0.shape == (4,)
  no_label = d.apply(d_vars, x0, train=False)
  assert not np.allclose(l0, l1) and not np.allclose(l0, no_label)


@pytest.mark.parametrize('name,codes,heads', [
    ('acgan_mlp', {}, {'logit': (4,), 'class': (4, 10)}),
    ('info_dcgan', dict(categories=5, code_dim=2),
     {'logit': (4,), 'category': (4, 5), 'code': (4, 2)})])
def test_heads(name, codes, heads):
  _, d = build(name, **codes)
  x = jnp.zeros((4, 8, 8, 1))
  out = d.apply(d.init(jax.random.key(0), x, train=False), x, train=False)
  assert {k: v.shape for k, v in out.items()} == heads


def test_self_attention_starts_as_the_identity_and_mixes_positions():
  x = jax.random.normal(jax.random.key(0), (2, 4, 4, 16))
  block = SelfAttention()
  params = block.init(jax.random.key(1), x, train=False)
  np.testing.assert_array_equal(block.apply(params, x, train=False), x)
  params = jax.tree.map(lambda p: p, params)
  params['params']['gamma'] = jnp.float32(1.0)
  moved = x.at[:, 0, 0].add(1.0)
  diff = (block.apply(params, moved, train=False)
          - block.apply(params, x, train=False))
  # A change at one position reaches every other position.
  assert float(jnp.abs(diff[:, 3, 3]).max()) > 0


def test_dropout_rate_is_a_traced_value_and_off_outside_training():
  _, d = build('mlp', shape=(2,), dropout=True)
  x = jax.random.normal(jax.random.key(0), (64, 2))
  params = d.init(jax.random.key(1), x, train=False)
  apply = jax.jit(lambda rate: d.apply(params, x, train=True, dropout_d=rate,
                                       rngs={'dropout': jax.random.key(2)}))
  np.testing.assert_allclose(apply(0.0), d.apply(params, x, train=False),
                             rtol=1e-5, atol=1e-6)
  assert not np.allclose(apply(0.5), apply(0.0))
  np.testing.assert_allclose(
      d.apply(params, x, train=False, dropout_d=0.5),
      d.apply(params, x, train=False), rtol=1e-6)


@pytest.mark.parametrize('change, message', [
    (dict(model=dict(g_norm='instance')), "model.g_norm='instance'"),
    (dict(model=dict(attention=4)), 'model.attention=4 needs a conv'),
    (dict(hparams=dict(dropout_d=0.3)), 'model.dropout=False'),
    (dict(model=dict(categories=3)), 'takes no codes'),
    (dict(model=dict(name='info_mlp')), 'takes latent codes c'),
    (dict(data=dict(source='ring8')), "program='gan' generates from noise"),
])
def test_bad_knobs_are_named(change, message):
  cfg = tiny_config('ring8')
  for section, values in change.items():
    cfg[section].update(values)
  with pytest.raises(ValueError, match=message):
    validation.validate(cfg)


def test_attention_must_sit_at_an_inner_stage():
  cfg = tiny_config('digits')
  cfg.model.attention = 8
  with pytest.raises(ValueError, match=r'choose from \[4\]'):
    validation.validate(cfg)
  cfg.model.attention = 4
  validation.validate(cfg)


@pytest.mark.parametrize('shape', [(2,), (8, 8, 1)])
def test_translators_keep_the_shape_and_start_near_the_identity(shape):
  from jaxgan.models.translators import ConvTranslator, MLPTranslator
  x = jax.random.uniform(jax.random.key(0), (4,) + shape, minval=-1)
  nets = [MLPTranslator(16, 2)] + ([ConvTranslator(8, 2)] if len(shape) == 3
                                   else [])
  for net in nets:
    out = net.apply(net.init(jax.random.key(1), x, train=False), x,
                    train=False)
    assert out.shape == x.shape
  mlp = nets[0]
  out = mlp.apply(mlp.init(jax.random.key(1), x, train=False), x, train=False)
  # Residual: the output is the input plus a small correction at init.
  assert float(jnp.mean(jnp.abs(out - x))) < float(jnp.mean(jnp.abs(x)))
