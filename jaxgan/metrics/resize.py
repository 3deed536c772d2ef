"""The resize protocols of the reference FID implementations.

FID, IS and KID shift with how images reach the Inception network's 299x299
input, so every number jaxgan stores names its protocol:

* ``'tf1'``: the original FID (TTUR) and Inception Score code. Images in
  [0, 255] go through TensorFlow 1's ``ResizeBilinear`` inside the graph
  (``align_corners=False`` without half-pixel centres: source coordinate
  ``i * in / out``), then ``(x - 128) / 128``.
* ``'pytorch'``: pytorch-fid. Images in [0, 1] go through
  ``F.interpolate(mode='bilinear', align_corners=False)`` (half-pixel
  centres, no antialiasing), then ``2 x - 1``.
* ``'clean'``: clean-fid. Images are quantised to uint8, resized one channel
  at a time with PIL's bicubic filter in float mode (``'F'``), clipped to
  [0, 255], then ``(x - 128) / 128``.

Each resize is separable, so it is a matrix per axis, built here in NumPy
exactly as the reference computes its coefficients, and applied with one
``einsum`` inside jit. Grayscale images are repeated to 3 channels first, as
every reference does.

Example:
  >>> x = preprocess(images01, 'pytorch')   # (n, 299, 299, 3) in [-1, 1]
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.types import Array

# The Inception network's input side.
SIZE = 299


def _tf1_bilinear(in_size: int, out_size: int) -> np.ndarray:
  """TF1 ``ResizeBilinear`` (legacy scaler: ``i * scale`` in float32)."""
  scale = np.float32(in_size) / np.float32(out_size)
  w = np.zeros((out_size, in_size), np.float64)
  for i in range(out_size):
    src = np.float32(i) * scale
    lo = int(math.floor(src))
    hi = min(int(math.ceil(src)), in_size - 1)
    frac = float(src - np.float32(lo))
    w[i, lo] += 1.0 - frac
    w[i, hi] += frac
  return w


def _torch_bilinear(in_size: int, out_size: int) -> np.ndarray:
  """``F.interpolate(mode='bilinear', align_corners=False)`` along one axis."""
  scale = np.float32(in_size) / np.float32(out_size)
  w = np.zeros((out_size, in_size), np.float64)
  for i in range(out_size):
    src = max(float(scale * (np.float32(i) + np.float32(0.5))
                    - np.float32(0.5)), 0.0)
    lo = int(src)
    hi = lo + (1 if lo < in_size - 1 else 0)
    frac = float(np.float32(src) - np.float32(lo))
    w[i, lo] += 1.0 - frac
    w[i, hi] += frac
  return w


def _pil_cubic(x: float) -> float:
  """PIL's bicubic kernel (a = -0.5)."""
  a, x = -0.5, abs(x)
  if x < 1.0:
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
  if x < 2.0:
    return (((x - 5.0) * x + 8.0) * x - 4.0) * a
  return 0.0


def _pil_bicubic(in_size: int, out_size: int) -> np.ndarray:
  """PIL's ``precompute_coeffs`` for ``Image.BICUBIC``: support 2 widened by
  the downscale factor, weights normalised over the taps inside the image."""
  scale = in_size / out_size
  filter_scale = max(scale, 1.0)
  support = 2.0 * filter_scale
  w = np.zeros((out_size, in_size), np.float64)
  for i in range(out_size):
    centre = (i + 0.5) * scale
    lo = max(int(centre - support + 0.5), 0)
    hi = min(int(centre + support + 0.5), in_size)
    taps = np.array([_pil_cubic((j - centre + 0.5) / filter_scale)
                     for j in range(lo, hi)])
    if taps.sum() != 0.0:
      taps /= taps.sum()
    w[i, lo:hi] = taps
  return w


# name -> (one axis's resize matrix, input scale (x in [0, 1] -> what the
# resize sees), quantise to uint8 first, (offset, divisor) after the resize).
_PROTOCOLS = {
    'tf1': (_tf1_bilinear, 255.0, False, (128.0, 128.0)),
    'pytorch': (_torch_bilinear, 1.0, False, (0.5, 0.5)),
    'clean': (_pil_bicubic, 255.0, True, (128.0, 128.0)),
}
PROTOCOLS = tuple(_PROTOCOLS)


@functools.lru_cache(maxsize=16)
def resize_matrix(protocol: str, in_size: int, out_size: int = SIZE
                  ) -> np.ndarray:
  """The ``(out_size, in_size)`` matrix that resizes one axis."""
  return _PROTOCOLS[protocol][0](in_size, out_size).astype(np.float32)


def resize(x: Array, protocol: str, size: int = SIZE) -> Array:
  """Resizes NHWC images to ``size`` x ``size`` as ``protocol`` does
  (values untouched: the caller scales them)."""
  wh = resize_matrix(protocol, x.shape[1], size)
  ww = resize_matrix(protocol, x.shape[2], size)
  return jnp.einsum('ih,nhwc,jw->nijc', wh, x, ww,
                    precision=jax.lax.Precision.HIGHEST)


def preprocess(x: Array, protocol: str) -> Array:
  """Images in [0, 1] (NHWC, 1 or 3 channels) -> the Inception network's
  input under ``protocol``: 299x299x3, scaled as the reference scales it."""
  if protocol not in _PROTOCOLS:
    raise ValueError(f'eval.resize={protocol!r} is not a resize protocol; '
                     f'choose one of {list(PROTOCOLS)}')
  _, scale, quantise, (offset, divisor) = _PROTOCOLS[protocol]
  if x.shape[-1] == 1:
    x = jnp.repeat(x, 3, axis=-1)
  x = x * scale
  if quantise:
    x = jnp.round(jnp.clip(x, 0.0, 255.0))
  x = resize(x, protocol)
  if quantise:
    x = jnp.clip(x, 0.0, 255.0)
  return (x - offset) / divisor
