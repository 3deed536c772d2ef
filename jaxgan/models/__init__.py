"""Generator and discriminator families, looked up by name.

Every model is a Flax Linen module called as ``G(z, train)`` -> samples or
``D(x, train)`` -> logits of shape ``(batch,)``. Models whose normalisation
keeps state (batch norm statistics, spectral norm's power-iteration vectors)
hold it in the ``batch_stats`` collection.
"""

from typing import NamedTuple

import flax.linen as nn
import ml_collections

from jaxgan.models.dcgan import ConvDiscriminator, ConvGenerator
from jaxgan.models.layers import ACTIVATIONS, NORMS
from jaxgan.models.mlp import MLPDiscriminator, MLPGenerator


class ModelFamily(NamedTuple):
  """A generator class, a discriminator class and what they fit.

  Attributes:
    generator, discriminator: the module classes.
    kinds: the data kinds they model (``'points'``, ``'images'``).
    strided: whether ``depth`` halves the image size that many times.
  """
  generator: type[nn.Module]
  discriminator: type[nn.Module]
  kinds: tuple[str, ...]
  strided: bool


MODELS = {
    'mlp': ModelFamily(MLPGenerator, MLPDiscriminator, ('points', 'images'),
                       False),
    'dcgan': ModelFamily(ConvGenerator, ConvDiscriminator, ('images',), True),
}


def make_models(model_cfg: ml_collections.ConfigDict,
                out_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
  """Builds (G, D) from ``config.model`` for examples of shape ``out_shape``."""
  family = MODELS[model_cfg.name]
  size = dict(width=model_cfg.width, depth=model_cfg.depth)
  g = family.generator(out_shape=tuple(out_shape), norm=model_cfg.g_norm,
                       activation=model_cfg.g_activation, **size)
  d = family.discriminator(norm=model_cfg.d_norm,
                           activation=model_cfg.d_activation, **size)
  return g, d


__all__ = ['ACTIVATIONS', 'MODELS', 'NORMS', 'ModelFamily', 'make_models',
           'ConvDiscriminator', 'ConvGenerator', 'MLPDiscriminator',
           'MLPGenerator']
