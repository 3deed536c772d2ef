"""DCGAN-style convolutional G and D (Radford et al. 2016) for images.

``depth`` is the number of resolution stages: G projects z to a
``(H / 2^depth) x (W / 2^depth) x width`` tensor and doubles the resolution
``depth`` times with stride-2 transposed convolutions, halving the channels
each time; D mirrors it. 8x8 digits use depth 2, 28x28 depth 2, 32x32 depth 3.

``attention`` puts SAGAN's self-attention block after the stage of that
resolution (its height) in both networks. G conditions on a label with
conditional batch norm (``norm='batch'``; with another norm the label's
one-hot joins ``z``), D by projection; D may carry AC-GAN's class head,
InfoGAN's Q heads and dropout, as :class:`jaxgan.models.MLPDiscriminator`.
"""

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models.conv import Conv, ConvTranspose
from jaxgan.models.layers import (ACTIVATIONS, SPATIAL_NORMS,
                                  ConditionalBatchNorm, SelfAttention,
                                  discriminator_outputs, dropout, normed)
from jaxgan.models.mlp import joined
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
  attention: int = 0
  num_classes: int = 0

  @nn.compact
  def __call__(self, z: Array, train: bool, y: Array | None = None,
               c: Array | None = None) -> Array:
    h, w, c_out = self.out_shape
    base_h, base_w = h // 2 ** self.depth, w // 2 ** self.depth
    act = ACTIVATIONS[self.activation]
    channels = stage_channels(self.width, self.depth)
    cond_bn = y is not None and self.norm == 'batch'
    inputs = joined(z, None if cond_bn else y, c, self.num_classes)

    def norm_act(layer, x):
      if cond_bn:
        return act(ConditionalBatchNorm(self.num_classes)(layer(x), y, train))
      return act(normed(layer, self.norm, x, train))

    project = nn.Dense(base_h * base_w * channels[0])
    shape = (z.shape[0], base_h, base_w, channels[0])
    if self.norm in SPATIAL_NORMS:
      # Instance norm needs the projection's spatial axes.
      x = act(normed(lambda v: v, self.norm, project(inputs).reshape(shape),
                     train))
    else:
      x = norm_act(project, inputs).reshape(shape)
    for ch in channels[1:]:
      x = norm_act(ConvTranspose(ch, (4, 4), strides=(2, 2)), x)
      if x.shape[1] == self.attention:
        x = SelfAttention(self.norm)(x, train)
    return jnp.tanh(Conv(c_out, (3, 3))(x))


class ConvDiscriminator(nn.Module):
  """x -> [Conv stride 2 -> norm -> act (-> dropout)] x depth -> Dense(1)
  logits, plus the projection of the label when given ``y``.

  As in DCGAN, batch, layer and instance norm skip the first convolution.
  """
  width: int
  depth: int
  activation: str = 'leaky_relu'
  norm: str = 'none'
  attention: int = 0
  dropout: bool = False
  num_classes: int = 0
  class_head: bool = False
  categories: int = 0
  code_dim: int = 0

  @nn.compact
  def __call__(self, x: Array, train: bool, y: Array | None = None,
               dropout_d: Array = 0.0):
    act = ACTIVATIONS[self.activation]
    for i, ch in enumerate(stage_channels(self.width, self.depth)[::-1][1:]):
      norm = 'none' if i == 0 and self.norm != 'spectral' else self.norm
      x = act(normed(Conv(ch, (4, 4), strides=(2, 2)), norm, x, train))
      if self.dropout:
        x = dropout(self, x, dropout_d, train)
      if x.shape[1] == self.attention:
        x = SelfAttention(self.norm)(x, train)
    h = x.reshape(x.shape[0], -1)
    return discriminator_outputs(self, h, y, train)


class ACGANConvDiscriminator(ConvDiscriminator):
  """:class:`ConvDiscriminator` with AC-GAN's class head."""
  class_head: bool = True
