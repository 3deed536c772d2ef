import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import penalties
from jaxgan.models import MLPDiscriminator

HP = {'gp_weight': jnp.float32(10.0), 'r1_gamma': jnp.float32(2.0)}
W = jnp.array([3.0, 4.0])  # |W| = 5


def linear_d(x):
  return x @ W


def test_gradient_penalty_of_linear_critic():
  real, fake = jnp.ones((6, 2)), -jnp.ones((6, 2))
  pen = penalties.gradient_penalty(linear_d, real, fake, jax.random.key(0), HP)
  np.testing.assert_allclose(pen, 10.0 * (5.0 - 1.0) ** 2, rtol=1e-5)


def test_r1_of_linear_critic():
  real = jax.random.normal(jax.random.key(1), (6, 2))
  pen = penalties.r1(linear_d, real, real, jax.random.key(0), HP)
  np.testing.assert_allclose(pen, 0.5 * 2.0 * 25.0, rtol=1e-6)


def test_gradient_penalty_zero_for_unit_slope():
  unit = lambda x: x @ jnp.array([0.6, 0.8])
  pen = penalties.gradient_penalty(unit, jnp.ones((4, 2)), jnp.zeros((4, 2)),
                                   jax.random.key(0), HP)
  np.testing.assert_allclose(pen, 0.0, atol=1e-6)


def test_none_is_zero():
  assert float(penalties.none(linear_d, jnp.ones((3, 2)), jnp.ones((3, 2)),
                              jax.random.key(0), HP)) == 0.0


@pytest.mark.parametrize('name', sorted(penalties.PENALTIES))
def test_gradients_wrt_discriminator_params_finite(name):
  d = MLPDiscriminator(width=8, depth=2)
  real = jax.random.normal(jax.random.key(0), (5, 2))
  fake = jnp.zeros((5, 2))
  params = d.init(jax.random.key(1), real, train=False)['params']

  def loss(p):
    d_fn = lambda x: d.apply({'params': p}, x, train=True)
    return penalties.PENALTIES[name](d_fn, real, fake, jax.random.key(2), HP)

  grads = jax.grad(loss)(params)
  assert all(bool(jnp.all(jnp.isfinite(g))) for g in jax.tree.leaves(grads))
