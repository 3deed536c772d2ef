"""Building blocks shared by the generators and discriminators."""

import functools

import flax.linen as nn

from jaxgan.types import Array

ACTIVATIONS = {
    'relu': nn.relu,
    'leaky_relu': functools.partial(nn.leaky_relu, negative_slope=0.2),
}
NORMS = ('none', 'batch', 'layer', 'spectral')


def normed(layer: nn.Module, norm: str, x: Array, train: bool) -> Array:
  """Applies ``layer`` to ``x`` with the normalisation ``norm``.

  Must be called from inside a compact module, which becomes the parent of the
  layers made here.

  Args:
    layer: an unbound Dense or Conv layer.
    norm: one of :data:`NORMS`. ``spectral`` wraps the layer in
      ``nn.SpectralNorm`` (one power iteration per training call); ``batch``
      and ``layer`` normalise its output, ``layer`` over all non-batch axes.
    x: input batch.
    train: batch norm uses batch statistics and spectral norm updates its
      power-iteration vector only when True.

  Returns:
    The normalised output.
  """
  if norm == 'spectral':
    return nn.SpectralNorm(layer)(x, update_stats=train)
  y = layer(x)
  if norm == 'batch':
    return nn.BatchNorm(use_running_average=not train, momentum=0.9)(y)
  if norm == 'layer':
    return nn.LayerNorm(reduction_axes=tuple(range(1, y.ndim)))(y)
  return y
