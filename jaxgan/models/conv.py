"""2-D convolutions that XLA:CPU runs at full speed inside a training loop
and across a population's members.

Two things make the convolutions of a training step slow on XLA:CPU, and
both are what jaxgan's programs do:

* **Inside a loop** (``lax.scan`` over steps), the convolutions of the
  gradient keep the dimension labels autodiff gives them (the weight
  gradient's ``f01b_i01o->01bf``, the input gradient's reversed ``01oi``
  kernel) instead of being rewritten into the layout XLA:CPU's Eigen
  kernels take, as they are outside a loop; XLA then emits a naive loop
  nest, about 20x slower (jax-ml/jax#12868; ``BUILD_NOTES.md``, "The
  convolutional population").
* **Across members** (``vmap`` with per-member weights), JAX turns each
  convolution into one with ``feature_group_count`` = members, which
  XLA:CPU runs several times slower per member than the members' own
  convolutions.

:func:`conv` is ``lax.conv_general_dilated`` for NHWC images and HWIO
kernels whose gradient is written as convolutions in that same layout
(explicit transposes around them), and whose batching over per-member
weights computes each member's convolution on its own (``lax.map``). Its
values and gradients equal lax's; it differentiates any number of times
(the gradient penalties differentiate D's gradient).
:func:`conv_general_dilated` is the drop-in for Flax's ``nn.Conv``
(:data:`Conv`), and :class:`ConvTranspose` replaces ``nn.ConvTranspose``
with the same parameters.
"""

import functools
from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxgan.types import Array

# Images NHWC, kernels HWIO: the layout XLA:CPU's Eigen convolution takes.
LAYOUT = ('NHWC', 'HWIO', 'NHWC')
Pairs = tuple[tuple[int, int], ...]


def _pairs(values: Sequence[int] | None) -> tuple[int, ...]:
  return (1, 1) if values is None else tuple(int(v) for v in values)


def conv(x: Array, w: Array, strides: Sequence[int] = (1, 1),
         padding: Sequence[tuple[int, int]] = ((0, 0), (0, 0)),
         lhs_dilation: Sequence[int] | None = None,
         rhs_dilation: Sequence[int] | None = None,
         precision=None) -> Array:
  """``lax.conv_general_dilated(x, w, ...)`` with ``x`` NHWC and ``w``
  HWIO and explicit ``(low, high)`` padding, whose gradients and batching
  stay in that layout (see the module docstring)."""
  return _conv(tuple(_pairs(strides)),
               tuple((int(lo), int(hi)) for lo, hi in padding),
               _pairs(lhs_dilation), _pairs(rhs_dilation), precision, x, w)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2, 3, 4))
def _conv(strides, padding, lhs_dilation, rhs_dilation, precision, x, w):
  return _mapped(strides, padding, lhs_dilation, rhs_dilation,
                 precision)(x, w)


def _conv_fwd(strides, padding, lhs_dilation, rhs_dilation, precision, x,
              w):
  return _conv(strides, padding, lhs_dilation, rhs_dilation, precision, x,
               w), (x, w)


def _dilated(sizes, dilation):
  return [0 if s == 0 else 1 + d * (s - 1) for s, d in zip(sizes, dilation)]


def _conv_bwd(strides, padding, lhs_dilation, rhs_dilation, precision, res,
              g):
  """The input and kernel gradients as JAX's transpose rules compute them,
  each a convolution in :data:`LAYOUT` (so itself differentiable and
  batched the same way)."""
  x, w = res
  inputs = _dilated(x.shape[1:3], lhs_dilation)
  window = _dilated(w.shape[:2], rhs_dilation)
  outputs = _dilated(g.shape[1:3], strides)
  before = [k - lo - 1 for k, (lo, _) in zip(window, padding)]
  after = [i + k - 1 - o - b
           for i, k, o, b in zip(inputs, window, outputs, before)]
  # The kernel reversed in space with its in and out swapped.
  flipped = jnp.flip(w, (0, 1)).transpose(0, 1, 3, 2)
  dx = _conv(lhs_dilation, tuple(zip(before, after)), strides, rhs_dilation,
             precision, g, flipped)
  high = [o - i + k - lo - 1
          for o, i, k, (lo, _) in zip(outputs, inputs, window, padding)]
  # Channels as the batch, the batch as the channels: (C, H, W, N) * the
  # gradient as a (h, w, N, O) kernel -> (C, kh, kw, O).
  dw = _conv(rhs_dilation, tuple((lo, h) for (lo, _), h in
                                 zip(padding, high)),
             lhs_dilation, strides, precision, x.transpose(3, 1, 2, 0),
             g.transpose(1, 2, 0, 3))
  return dx, dw.transpose(1, 2, 0, 3)


_conv.defvjp(_conv_fwd, _conv_bwd)


@functools.lru_cache(maxsize=None)
def _mapped(strides, padding, lhs_dilation, rhs_dilation, precision):
  """The convolution for these static settings, batched per member."""

  @jax.custom_batching.custom_vmap
  def plain(x, w):
    return lax.conv_general_dilated(x, w, strides, padding, lhs_dilation,
                                    rhs_dilation, LAYOUT,
                                    precision=precision)

  @plain.def_vmap
  def batched(axis_size, in_batched, x, w):
    x_batched, w_batched = in_batched
    if not w_batched:
      # One kernel: the members' images are one batch.
      y = plain(x.reshape((-1,) + x.shape[2:]), w)
      return y.reshape((axis_size, x.shape[1]) + y.shape[1:]), True
    if x_batched:
      return lax.map(lambda xw: plain(*xw), (x, w)), True
    return lax.map(lambda k: plain(x, k), w), True

  return plain


def conv_general_dilated(lhs: Array, rhs: Array, window_strides,
                         padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1,
                         batch_group_count=1, precision=None,
                         preferred_element_type=None) -> Array:
  """``lax.conv_general_dilated``'s signature, computed by :func:`conv`
  for 2-D NHWC/HWIO convolutions without groups (what Flax's ``nn.Conv``
  asks for on images), and by lax otherwise."""
  spatial = lhs.ndim == 4 and rhs.ndim == 4
  canonical = spatial and lax.conv_dimension_numbers(
      lhs.shape, rhs.shape, dimension_numbers) == lax.conv_dimension_numbers(
          lhs.shape, rhs.shape, LAYOUT)
  if (not canonical or feature_group_count != 1 or batch_group_count != 1
      or preferred_element_type is not None):
    return lax.conv_general_dilated(
        lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers, feature_group_count, batch_group_count,
        precision, preferred_element_type)
  if isinstance(padding, str):
    window = _dilated(rhs.shape[:2], _pairs(rhs_dilation))
    padding = lax.padtype_to_pads(lhs.shape[1:3], window, window_strides,
                                  padding)
  return conv(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
              precision)


# Flax's nn.Conv with its convolution computed by conv_general_dilated:
# the same parameters, names and values.
Conv = functools.partial(nn.Conv, conv_general_dilated=conv_general_dilated)


def transpose_padding(kernel: int, stride: int, padding: str
                      ) -> tuple[int, int]:
  """``lax.conv_transpose``'s padding of one dimension for ``'SAME'`` or
  ``'VALID'``."""
  if padding == 'SAME':
    total = kernel + stride - 2
    low = kernel - 1 if stride > kernel - 1 else int(np.ceil(total / 2))
  elif padding == 'VALID':
    total = kernel + stride - 2 + max(kernel - stride, 0)
    low = kernel - 1
  else:
    raise ValueError(f"padding={padding!r}: use 'SAME' or 'VALID'")
  return low, total - low


class ConvTranspose(nn.Module):
  """Flax's ``nn.ConvTranspose`` (``lax.conv_transpose`` without flipping
  the kernel) with its convolution computed by :func:`conv`: the same
  ``kernel`` ``(kh, kw, in, out)`` and ``bias``, initialised alike."""
  features: int
  kernel_size: tuple[int, int]
  strides: tuple[int, int] = (1, 1)
  padding: str = 'SAME'
  use_bias: bool = True
  kernel_init: nn.initializers.Initializer = nn.initializers.lecun_normal()
  bias_init: nn.initializers.Initializer = nn.initializers.zeros_init()

  @nn.compact
  def __call__(self, x: Array) -> Array:
    kernel = self.param('kernel', self.kernel_init,
                        tuple(self.kernel_size) + (x.shape[-1],
                                                   self.features))
    pads = [transpose_padding(k, s, self.padding)
            for k, s in zip(self.kernel_size, self.strides)]
    y = conv(x, kernel, (1, 1), pads, lhs_dilation=self.strides)
    if self.use_bias:
      y = y + self.param('bias', self.bias_init, (self.features,))
    return y
