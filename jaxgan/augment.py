"""Differentiable augmentations of D's inputs: DiffAugment (Zhao et al. 2020,
"Differentiable Augmentation for Data-Efficient GAN Training").

Each is ``(key, x) -> x`` on a batch of NHWC images in [-1, 1], drawn
independently per example and differentiable in ``x``, so G learns through
it. They are registered in :data:`jaxgan.terms.AUGMENTATIONS` under their
names, and ``'diffaugment'`` applies all three, as the paper's
``'color,translation,cutout'`` policy does.
"""

import jax
import jax.numpy as jnp

from jaxgan.types import Array, PRNGKey

# The paper's ratios: shifts up to 1/8 of the side, cutout of half the side.
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _images(name: str, x: Array) -> None:
  if x.ndim != 4:
    raise ValueError(f'augment: {name!r} transforms images (batch, height, '
                     f'width, channels), not examples of shape {x.shape[1:]}')


def color(key: PRNGKey, x: Array) -> Array:
  """Random brightness (+U[-0.5, 0.5]), saturation (x U[0, 2]) and contrast
  (x U[0.5, 1.5]), as DiffAugment's ``rand_brightness``,
  ``rand_saturation`` and ``rand_contrast``."""
  _images('color', x)
  k_b, k_s, k_c = jax.random.split(key, 3)
  per_example = lambda k: jax.random.uniform(k, (x.shape[0], 1, 1, 1))
  x = x + (per_example(k_b) - 0.5)
  mean = jnp.mean(x, axis=3, keepdims=True)
  x = (x - mean) * (per_example(k_s) * 2.0) + mean
  mean = jnp.mean(x, axis=(1, 2, 3), keepdims=True)
  return (x - mean) * (per_example(k_c) + 0.5) + mean


def _shifted(x: Array, dy: Array, dx: Array) -> Array:
  """One image moved by whole pixels, zeros shifted in."""
  h, w = x.shape[:2]
  rows, cols = jnp.arange(h) - dy, jnp.arange(w) - dx
  valid = (((rows >= 0) & (rows < h))[:, None]
           & ((cols >= 0) & (cols < w))[None, :])
  moved = x[jnp.clip(rows, 0, h - 1)][:, jnp.clip(cols, 0, w - 1)]
  return jnp.where(valid[..., None], moved, 0.0)


def translation(key: PRNGKey, x: Array) -> Array:
  """Moves every image by up to :data:`TRANSLATION_RATIO` of its sides
  (whole pixels, uniform), filling with zeros."""
  _images('translation', x)
  n, h, w, _ = x.shape
  sy, sx = int(h * TRANSLATION_RATIO + 0.5), int(w * TRANSLATION_RATIO + 0.5)
  k_y, k_x = jax.random.split(key)
  dy = jax.random.randint(k_y, (n,), -sy, sy + 1)
  dx = jax.random.randint(k_x, (n,), -sx, sx + 1)
  return jax.vmap(_shifted)(x, dy, dx)


def cutout(key: PRNGKey, x: Array) -> Array:
  """Zeros a square of :data:`CUTOUT_RATIO` of the sides at a uniform
  position in every image (it may hang over the border)."""
  _images('cutout', x)
  n, h, w, _ = x.shape
  ch, cw = int(h * CUTOUT_RATIO + 0.5), int(w * CUTOUT_RATIO + 0.5)
  k_y, k_x = jax.random.split(key)
  top = jax.random.randint(k_y, (n, 1, 1), 0, h + (1 - ch % 2)) - ch // 2
  left = jax.random.randint(k_x, (n, 1, 1), 0, w + (1 - cw % 2)) - cw // 2
  rows = jnp.arange(h)[None, :, None]
  cols = jnp.arange(w)[None, None, :]
  inside = ((rows >= top) & (rows < top + ch)
            & (cols >= left) & (cols < left + cw))
  return x * (~inside)[..., None]


def diffaugment(key: PRNGKey, x: Array) -> Array:
  """Colour, translation and cutout, in the paper's order."""
  k_color, k_move, k_cut = jax.random.split(key, 3)
  return cutout(k_cut, translation(k_move, color(k_color, x)))
