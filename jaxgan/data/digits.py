"""sklearn's bundled 8x8 digits, and ``digits_turned``: the same digits
turned, the second domain of the offline translation task."""

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
