"""Building blocks shared by the generators and discriminators."""

import functools
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.conv import Conv
from jaxgan.types import Array

ACTIVATIONS = {
    'relu': nn.relu,
    'leaky_relu': functools.partial(nn.leaky_relu, negative_slope=0.2),
}
NORMS = ('none', 'batch', 'layer', 'instance', 'spectral')
# Norms that need spatial axes (a convolution's output) to normalise over.
SPATIAL_NORMS = ('instance',)


def normed(layer: nn.Module, norm: str, x: Array, train: bool) -> Array:
  """Applies ``layer`` to ``x`` with the normalisation ``norm``.

  Must be called from inside a compact module, which becomes the parent of the
  layers made here.

  Args:
    layer: an unbound Dense or Conv layer.
    norm: one of :data:`NORMS`. ``spectral`` wraps the layer in
      ``nn.SpectralNorm`` (one power iteration per training call); ``batch``
      and ``layer`` normalise its output, ``layer`` over all non-batch axes;
      ``instance`` normalises every channel of every example over its
      spatial axes (Ulyanov et al. 2016; convolutions only).
    x: input batch.
    train: batch norm uses batch statistics and spectral norm updates its
      power-iteration vector only when True.

  Returns:
    The normalised output.

  Raises:
    ValueError: ``instance`` norm of an output without spatial axes.
  """
  if norm == 'spectral':
    return nn.SpectralNorm(layer)(x, update_stats=train)
  y = layer(x)
  if norm == 'batch':
    return nn.BatchNorm(use_running_average=not train, momentum=0.9)(y)
  if norm == 'layer':
    return nn.LayerNorm(reduction_axes=tuple(range(1, y.ndim)))(y)
  if norm == 'instance':
    if y.ndim < 3:
      raise ValueError("norm='instance' normalises over spatial axes, and a "
                       f'{type(layer).__name__} layer has none')
    return nn.InstanceNorm()(y)
  return y


def stack(layer: Callable[[], nn.Module], x: Array, depth: int,
          activation: str, norm: str, train: bool) -> Array:
  """``[layer() -> norm -> activation] x depth``, inside a compact module."""
  for _ in range(depth):
    x = ACTIVATIONS[activation](normed(layer(), norm, x, train))
  return x


def dropout(module: nn.Module, x: Array, rate: Array, train: bool) -> Array:
  """Inverted dropout with a traced ``rate`` (a dynamic hyperparameter),
  drawn from ``module``'s ``'dropout'`` PRNG stream; identity unless
  ``train``."""
  if not train:
    return x
  keep = jax.random.bernoulli(module.make_rng('dropout'), 1.0 - rate, x.shape)
  return jnp.where(keep, x / (1.0 - rate), 0.0)


class SelfAttention(nn.Module):
  """SAGAN's self-attention block (Zhang et al. 2019): every position attends
  to all others through 1x1 projections to ``channels / 8``; the result is
  added back scaled by a learned ``gamma`` that starts at 0.

  Attributes:
    norm: ``'spectral'`` spectrally normalises the projections (as SAGAN
      does in both networks); anything else leaves them plain.
  """
  norm: str = 'none'

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    b, h, w, c = x.shape
    proj_norm = 'spectral' if self.norm == 'spectral' else 'none'
    proj = lambda ch, v: normed(Conv(ch, (1, 1), use_bias=False),
                                proj_norm, v, train).reshape(b, h * w, ch)
    inner = max(c // 8, 1)
    query, key, value = proj(inner, x), proj(inner, x), proj(c // 2 or 1, x)
    attn = jax.nn.softmax(query @ key.transpose(0, 2, 1), axis=-1)
    out = (attn @ value).reshape(b, h, w, -1)
    out = normed(Conv(c, (1, 1), use_bias=False), proj_norm, out, train)
    gamma = self.param('gamma', nn.initializers.zeros, ())
    return x + gamma * out


class ConditionalBatchNorm(nn.Module):
  """Batch norm whose scale and shift are embeddings of the label
  (de Vries et al. 2017; BigGAN's class-conditional generator)."""
  num_classes: int

  @nn.compact
  def __call__(self, x: Array, y: Array, train: bool) -> Array:
    c = x.shape[-1]
    x = nn.BatchNorm(use_running_average=not train, momentum=0.9,
                     use_scale=False, use_bias=False)(x)
    scale = nn.Embed(self.num_classes, c, embedding_init=nn.initializers.ones,
                     name='scale')(y)
    shift = nn.Embed(self.num_classes, c,
                     embedding_init=nn.initializers.zeros, name='shift')(y)
    shape = (x.shape[0],) + (1,) * (x.ndim - 2) + (c,)
    return x * scale.reshape(shape) + shift.reshape(shape)


def projection(num_classes: int, h: Array, y: Array) -> Array:
  """The projection discriminator's class term (Miyato & Koyama 2018):
  ``<embed(y), h>`` for features ``h`` of shape ``(batch, features)``;
  call from a compact module."""
  embed = nn.Embed(num_classes, h.shape[-1], name='class_embedding')(y)
  return jnp.sum(embed * h, axis=-1)


def discriminator_outputs(d: nn.Module, h: Array, y: Array | None,
                          train: bool) -> Array | dict[str, Array]:
  """D's outputs from its last features ``h`` (call from D's compact
  ``__call__``): the logit (spectrally normalised where D is), plus the
  projection of ``y`` when given; alone, or in a dict with ``'class'``
  logits (``d.class_head``: AC-GAN), ``'category'`` logits and continuous
  ``'code'`` estimates (``d.categories``, ``d.code_dim``: InfoGAN's Q)."""
  final_norm = 'spectral' if d.norm == 'spectral' else 'none'
  logit = normed(nn.Dense(1), final_norm, h, train)[:, 0]
  if y is not None:
    logit = logit + projection(d.num_classes, h, y)
  out = {'logit': logit}
  if d.class_head:
    out['class'] = nn.Dense(d.num_classes, name='class_head')(h)
  categories, code_dim = d.categories, d.code_dim
  if categories or code_dim:
    q = nn.leaky_relu(nn.Dense(h.shape[-1], name='q_hidden')(h), 0.2)
    if categories:
      out['category'] = nn.Dense(categories, name='q_category')(q)
    if code_dim:
      out['code'] = nn.Dense(code_dim, name='q_code')(q)
  return out if len(out) > 1 else logit

