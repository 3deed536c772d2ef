"""Fully connected G and D: for the 2-D mixtures, and for small images, which
they see flattened (the MLP GAN of Goodfellow et al. 2014).

G conditions on a label by joining its one-hot to ``z`` (Mirza & Osindero
2014) and on latent codes by joining them too; D conditions by projection
(Miyato & Koyama 2018) and may carry AC-GAN's class head and InfoGAN's Q
heads (:func:`jaxgan.models.layers.discriminator_outputs`)."""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.layers import (ACTIVATIONS, discriminator_outputs,
                                  dropout, normed, stack)
from jaxgan.types import Array


def joined(z: Array, y: Array | None, c: Array | None,
           num_classes: int) -> Array:
  """``z`` with the label's one-hot and the codes appended (those given)."""
  parts = [z]
  if y is not None:
    parts.append(jax.nn.one_hot(y, num_classes))
  if c is not None:
    parts.append(c)
  return jnp.concatenate(parts, -1)


class MLPGenerator(nn.Module):
  """z (+ label, codes) -> [Dense -> norm -> act] x depth -> Dense -> reshape
  to ``out_shape``.

  The output is linear for points and ``tanh`` for images (a 3-D
  ``out_shape``), whose pixels lie in [-1, 1].
  """
  out_shape: tuple[int, ...]
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'none'
  num_classes: int = 0

  @nn.compact
  def __call__(self, z: Array, train: bool, y: Array | None = None,
               c: Array | None = None) -> Array:
    x = stack(lambda: nn.Dense(self.width), joined(z, y, c, self.num_classes),
              self.depth, self.activation, self.norm, train)
    x = nn.Dense(math.prod(self.out_shape))(x).reshape(
        (z.shape[0],) + tuple(self.out_shape))
    return jnp.tanh(x) if len(self.out_shape) == 3 else x


class MLPDiscriminator(nn.Module):
  """x -> [Dense -> norm -> act (-> dropout)] x depth -> Dense(1) logits,
  plus the projection of the label when given ``y``.

  Attributes:
    dropout: drop hidden units at the rate ``dropout_d`` (a dynamic
      hyperparameter) in training calls.
    class_head: return ``{'logit', 'class'}`` with AC-GAN's classifier.
    categories, code_dim: InfoGAN's Q heads (``'category'``, ``'code'``)
      for that many categories and continuous codes (0: none).
  """
  width: int
  depth: int
  activation: str = 'relu'
  norm: str = 'none'
  dropout: bool = False
  num_classes: int = 0
  class_head: bool = False
  categories: int = 0
  code_dim: int = 0

  @nn.compact
  def __call__(self, x: Array, train: bool, y: Array | None = None,
               dropout_d: Array = 0.0):
    h = x.reshape(x.shape[0], -1)
    for _ in range(self.depth):
      h = ACTIVATIONS[self.activation](normed(nn.Dense(self.width), self.norm,
                                              h, train))
      if self.dropout:
        h = dropout(self, h, dropout_d, train)
    return discriminator_outputs(self, h, y, train)


class ACGANDiscriminator(MLPDiscriminator):
  """:class:`MLPDiscriminator` with AC-GAN's class head."""
  class_head: bool = True
