"""Fully connected G and D: for the 2-D mixtures, and for small images, which
they see flattened (the MLP GAN of Goodfellow et al. 2014)."""

import math

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models.layers import ACTIVATIONS, normed
from jaxgan.types import Array


def hidden_layers(x: Array, width: int, depth: int, activation: str,
                  norm: str, train: bool) -> Array:
  """[Dense(width) -> norm -> activation] x depth, inside a compact module."""
  for _ in range(depth):
    x = ACTIVATIONS[activation](normed(nn.Dense(width), norm, x, train))
  return x


class MLPGenerator(nn.Module):
  """z -> hidden layers -> Dense -> reshape to ``out_shape``.

  The output is linear for points and ``tanh`` for images (a 3-D
  ``out_shape``), whose pixels lie in [-1, 1].
  """
  out_shape: tuple[int, ...]
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'none'

  @nn.compact
  def __call__(self, z: Array, train: bool) -> Array:
    x = hidden_layers(z, self.width, self.depth, self.activation, self.norm,
                      train)
    x = nn.Dense(math.prod(self.out_shape))(x).reshape(
        (z.shape[0],) + tuple(self.out_shape))
    return jnp.tanh(x) if len(self.out_shape) == 3 else x


class MLPDiscriminator(nn.Module):
  """x -> hidden layers -> Dense(1) logits."""
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'none'

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    x = hidden_layers(x.reshape(x.shape[0], -1), self.width, self.depth,
                      self.activation, self.norm, train)
    final_norm = 'spectral' if self.norm == 'spectral' else 'none'
    return normed(nn.Dense(1), final_norm, x, train)[:, 0]
