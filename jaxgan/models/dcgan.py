"""DCGAN-style convolutional G and D (Radford et al. 2016) for images.

``depth`` is the number of resolution stages: G projects z to a
``(H / 2^depth) x (W / 2^depth) x width`` tensor and doubles the resolution
``depth`` times with stride-2 transposed convolutions, halving the channels
each time; D mirrors it. 8x8 digits use depth 2, 28x28 depth 2, 32x32 depth 3.
"""

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models.layers import ACTIVATIONS, normed
from jaxgan.types import Array


def stage_channels(width: int, depth: int) -> list[int]:
  """Channels of each stage from the lowest resolution up (at least 8)."""
  return [max(width // 2 ** i, 8) for i in range(depth + 1)]


class ConvGenerator(nn.Module):
  """z -> Dense -> reshape -> [ConvT stride 2 -> norm -> act] x depth -> tanh."""
  out_shape: tuple[int, ...]
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'batch'

  @nn.compact
  def __call__(self, z: Array, train: bool) -> Array:
    h, w, c = self.out_shape
    base_h, base_w = h // 2 ** self.depth, w // 2 ** self.depth
    act = ACTIVATIONS[self.activation]
    channels = stage_channels(self.width, self.depth)
    x = normed(nn.Dense(base_h * base_w * channels[0]), self.norm, z, train)
    x = act(x).reshape(z.shape[0], base_h, base_w, channels[0])
    for ch in channels[1:]:
      x = act(normed(nn.ConvTranspose(ch, (4, 4), strides=(2, 2)), self.norm,
                     x, train))
    return jnp.tanh(nn.Conv(c, (3, 3))(x))


class ConvDiscriminator(nn.Module):
  """x -> [Conv stride 2 -> norm -> act] x depth -> Dense(1) logits.

  As in DCGAN, batch and layer norm skip the first convolution.
  """
  width: int
  depth: int
  activation: str = 'leaky_relu'
  norm: str = 'none'

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    act = ACTIVATIONS[self.activation]
    for i, ch in enumerate(stage_channels(self.width, self.depth)[::-1][1:]):
      norm = 'none' if i == 0 and self.norm != 'spectral' else self.norm
      x = act(normed(nn.Conv(ch, (4, 4), strides=(2, 2)), norm, x, train))
    x = x.reshape(x.shape[0], -1)
    final_norm = 'spectral' if self.norm == 'spectral' else 'none'
    return normed(nn.Dense(1), final_norm, x, train)[:, 0]
