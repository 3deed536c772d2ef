"""``jaxgan.models.conv``: lax's convolution with its gradients and its
batching over members written in the layout XLA:CPU's Eigen kernels take."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from jaxgan.models import conv

HIGHEST = lax.Precision.HIGHEST
# (strides, padding, lhs dilation, rhs dilation, image side, kernel side):
# D's strided convolution, a 'SAME' one, a transposed one (lhs-dilated), a
# dilated kernel.
CASES = [((2, 2), ((0, 1), (0, 1)), (1, 1), (1, 1), 16, 3),
         ((1, 1), ((1, 1), (1, 1)), (1, 1), (1, 1), 8, 3),
         ((1, 1), ((2, 2), (2, 2)), (2, 2), (1, 1), 8, 4),
         ((2, 2), ((1, 1), (1, 1)), (1, 1), (2, 2), 9, 3)]


def lax_conv(x, w, s, p, ld, rd):
  return lax.conv_general_dilated(x, w, s, p, ld, rd, conv.LAYOUT,
                                  precision=HIGHEST)


def our_conv(x, w, s, p, ld, rd):
  return conv.conv(x, w, s, p, ld, rd, HIGHEST)


def objective(fn, s, p, ld, rd):
  """A loss of the convolution and of its input gradient's square: its
  gradient differentiates the convolution twice, as R1 does."""
  def loss(x, w):
    y = fn(x, w, s, p, ld, rd)
    gx = jax.grad(lambda v: jnp.sum(jnp.sin(fn(v, w, s, p, ld, rd))))(x)
    return jnp.sum(jnp.cos(y)) + jnp.sum(gx ** 2)
  return jax.grad(loss, (0, 1))


@pytest.mark.parametrize('case', CASES)
def test_values_and_gradients_twice_equal_lax(case):
  s, p, ld, rd, side, k = case
  key = jax.random.key(0)
  x = jax.random.normal(key, (3, 4, side, side, 5))
  w = jax.random.normal(jax.random.fold_in(key, 1), (3, k, k, 5, 7))
  np.testing.assert_array_equal(our_conv(x[0], w[0], s, p, ld, rd),
                                lax_conv(x[0], w[0], s, p, ld, rd))
  ours = jax.jit(objective(our_conv, s, p, ld, rd))(x[0], w[0])
  theirs = jax.jit(objective(lax_conv, s, p, ld, rd))(x[0], w[0])
  for a, b in zip(ours, theirs):
    np.testing.assert_array_equal(a, b)
  # Per-member kernels: each member's own convolutions, against lax's
  # grouped one (float rounding apart) and against the single runs (equal).
  batched = jax.jit(jax.vmap(objective(our_conv, s, p, ld, rd)))(x, w)
  grouped = jax.jit(jax.vmap(objective(lax_conv, s, p, ld, rd)))(x, w)
  for a, b in zip(batched, grouped):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max())
  single = jax.jit(objective(our_conv, s, p, ld, rd))(x[1], w[1])
  for a, b in zip(batched, single):
    np.testing.assert_allclose(a[1], b, rtol=1e-6, atol=1e-6 * np.abs(b).max())


def test_members_sharing_a_kernel_or_an_image():
  key = jax.random.key(0)
  x = jax.random.normal(key, (3, 4, 8, 8, 5))
  w = jax.random.normal(key, (3, 3, 3, 5, 7))
  pads = ((1, 1), (1, 1))
  f = lambda x, w: conv.conv(x, w, (1, 1), pads, precision=HIGHEST)
  g = lambda x, w: lax_conv(x, w, (1, 1), pads, (1, 1), (1, 1))
  np.testing.assert_allclose(jax.vmap(f, (0, None))(x, w[0]),
                             jax.vmap(g, (0, None))(x, w[0]), rtol=1e-6,
                             atol=1e-5)
  np.testing.assert_allclose(jax.vmap(f, (None, 0))(x[0], w),
                             jax.vmap(g, (None, 0))(x[0], w), rtol=1e-6,
                             atol=1e-5)


def test_flax_layers_keep_their_parameters_and_outputs():
  x = jax.random.normal(jax.random.key(0), (2, 8, 8, 5))
  for ours, flax_layer in (
      (conv.Conv(7, (4, 4), strides=(2, 2)),
       nn.Conv(7, (4, 4), strides=(2, 2))),
      (conv.Conv(7, (3, 3), padding='VALID'),
       nn.Conv(7, (3, 3), padding='VALID')),
      (conv.ConvTranspose(7, (4, 4), strides=(2, 2)),
       nn.ConvTranspose(7, (4, 4), strides=(2, 2)))):
    variables = flax_layer.init(jax.random.key(1), x)
    jax.tree.map(np.testing.assert_array_equal,
                 ours.init(jax.random.key(1), x), variables)
    np.testing.assert_array_equal(ours.apply(variables, x),
                                  flax_layer.apply(variables, x))


def test_grouped_convolutions_are_left_to_lax():
  x = jnp.ones((1, 4, 4, 4))
  w = jnp.ones((3, 3, 2, 6))
  out = conv.conv_general_dilated(x, w, (1, 1), 'SAME',
                                  dimension_numbers=conv.LAYOUT,
                                  feature_group_count=2)
  np.testing.assert_array_equal(out, lax.conv_general_dilated(
      x, w, (1, 1), 'SAME', dimension_numbers=conv.LAYOUT,
      feature_group_count=2))
  with pytest.raises(ValueError, match="padding='FULL'"):
    conv.transpose_padding(3, 2, 'FULL')


def test_gradients_in_a_loop_compile_to_eigens_layout():
  """Inside a scan, lax's gradient convolutions keep autodiff's labels
  (which XLA:CPU runs as naive loops); ours are all b01f_01io->b01f."""
  x = jnp.ones((4, 8, 8, 3))
  w = jnp.ones((3, 3, 3, 5)) * 0.1
  pads = ((1, 1), (1, 1))

  def steps(fn):
    def body(w, _):
      grad = jax.grad(lambda w: jnp.sum(fn(x, w, (1, 1), pads, (1, 1),
                                          (1, 1)) ** 2))(w)
      return w - 1e-3 * grad, None
    return lambda w: jax.lax.scan(body, w, None, length=2)[0]

  def labels(fn):
    text = jax.jit(steps(fn)).lower(w).compile().as_text()
    return [line.split('dim_labels=')[1].split(',')[0]
            for line in text.split('\n') if ' convolution(' in line]

  assert set(labels(our_conv)) == {'b01f_01io->b01f'}
  assert set(labels(lax_conv)) != {'b01f_01io->b01f'}
