"""sklearn's bundled 8x8 digits; ``digits32``, the same at 32×32 in colour
channels; and ``digits_turned``: the same digits turned, the second domain
of the offline translation task."""

import numpy as np

from jaxgan.data.dataset import Dataset, Split, images


DIGITS_TEST = 500


def digits() -> Dataset:
  """sklearn's bundled 8x8 handwritten digits (1,797 images, no download).

  A fixed permutation (seed 0) holds out :data:`DIGITS_TEST` images as the
  test split; the other 1,297 are the training split.
  """
  from sklearn.datasets import load_digits
  bunch = load_digits()
  x = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
  order = np.random.default_rng(0).permutation(len(x))
  test, train = order[:DIGITS_TEST], order[DIGITS_TEST:]
  y = bunch.target.astype(np.int32)
  return images('digits', Split(x[train], y[train]), Split(x[test], y[test]),
                10)


def digits32() -> Dataset:
  """The digits as 32×32 colour images, for the 32×32 networks (SNGAN's
  ResNets) on a CPU and in tests: each 8×8 image scaled 4× bilinearly
  (half-pixel centres, as PyTorch's ``align_corners=False``), the same grey
  in all three channels. Same splits and labels as :func:`digits`."""
  import jax
  base = digits()

  def grow(split: Split) -> Split:
    x = split.x[..., 0].astype(np.float32)
    big = np.asarray(jax.image.resize(x, (len(x), 32, 32), 'bilinear'))
    rgb = np.repeat(np.clip(np.round(big), 0, 255).astype(np.uint8)[..., None],
                    3, axis=-1)
    return Split(rgb, split.labels)

  return images('digits32', grow(base.train), grow(base.test), 10)


# The fixed transformation of digits_turned: degrees turned, and the side
# of the grey-level dilation that thickens strokes.
TURN_DEGREES = 30.0


THICKEN = 2


def turned_digits() -> Dataset:
  """The digits, turned by :data:`TURN_DEGREES` and thickened by a
  :data:`THICKEN`-pixel grey dilation, labels kept: the other domain of
  the digit translation task (``program='cyclegan'``, ``data.source=
  'digits'``). Same splits as :func:`digits`; a translator must move
  strokes, which no per-pixel map can."""
  from scipy import ndimage
  base = digits()

  def turn(split: Split) -> Split:
    x = split.x[..., 0].astype(np.float32)
    out = np.stack([ndimage.grey_dilation(
        ndimage.rotate(img, TURN_DEGREES, reshape=False, order=1),
        size=(THICKEN, THICKEN)) for img in x])
    return Split(np.clip(np.round(out), 0, 255).astype(np.uint8)[..., None],
                 split.labels)

  return images('digits_turned', turn(base.train), turn(base.test), 10)
