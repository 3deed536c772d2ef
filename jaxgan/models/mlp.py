"""Fully connected G and D for low-dimensional data (the 2-D mixtures)."""

import flax.linen as nn

from jaxgan.models.layers import ACTIVATIONS, normed
from jaxgan.types import Array


class MLPGenerator(nn.Module):
  """z -> [Dense -> norm -> act] x depth -> Dense(out_dim), linear output."""
  out_shape: tuple[int, ...]
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'none'

  @nn.compact
  def __call__(self, z: Array, train: bool) -> Array:
    x = z
    for _ in range(self.depth):
      x = ACTIVATIONS[self.activation](normed(nn.Dense(self.width), self.norm,
                                              x, train))
    return nn.Dense(self.out_shape[-1])(x)


class MLPDiscriminator(nn.Module):
  """x -> [Dense -> norm -> act] x depth -> Dense(1) logits."""
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'none'

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    x = x.reshape(x.shape[0], -1)
    for _ in range(self.depth):
      x = ACTIVATIONS[self.activation](normed(nn.Dense(self.width), self.norm,
                                              x, train))
    final_norm = 'spectral' if self.norm == 'spectral' else 'none'
    return normed(nn.Dense(1), final_norm, x, train)[:, 0]
