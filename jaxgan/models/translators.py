"""Generators that map examples of one domain to another (CycleGAN's G).

* :class:`MLPTranslator`: ``x + MLP(x)`` on flattened examples (points or
  images), so that it starts near the identity.
* :class:`ConvTranslator`: stride-1 3x3 convolutions over the image and
  two coordinate channels (CoordConv, Liu et al. 2018): convolutions move
  strokes locally, the coordinates let the move depend on the position, as
  a rotation's does.
"""

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models.conv import Conv
from jaxgan.models.layers import stack
from jaxgan.types import Array


class MLPTranslator(nn.Module):
  """x -> x + [Dense -> norm -> act] x depth -> Dense, on flattened
  examples."""
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'none'

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    flat = x.reshape(x.shape[0], -1)
    h = stack(lambda: nn.Dense(self.width), flat, self.depth, self.activation,
              self.norm, train)
    return (flat + nn.Dense(flat.shape[-1])(h)).reshape(x.shape)


def coordinates(x: Array) -> Array:
  """Row and column coordinates in [-1, 1] as two channels shaped like
  ``x``'s spatial axes."""
  n, h, w, _ = x.shape
  rows = jnp.broadcast_to(jnp.linspace(-1, 1, h)[None, :, None, None],
                          (n, h, w, 1))
  cols = jnp.broadcast_to(jnp.linspace(-1, 1, w)[None, None, :, None],
                          (n, h, w, 1))
  return jnp.concatenate([rows, cols], -1).astype(x.dtype)


class ConvTranslator(nn.Module):
  """[x, coords] -> [Conv 3x3 -> norm -> act] x depth -> Conv 3x3 -> tanh."""
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'none'

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    h = stack(lambda: Conv(self.width, (3, 3)),
              jnp.concatenate([x, coordinates(x)], -1), self.depth,
              self.activation, self.norm, train)
    return jnp.tanh(Conv(x.shape[-1], (3, 3))(h))
