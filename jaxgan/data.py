"""Built-in datasets, sampled inside jit.

Every dataset is a :class:`Dataset`: a pure ``sample(key, batch_size)`` that
runs inside the compiled train step, plus what the evaluation needs (the
mixture's modes and standard deviation for 2-D data).

Example:
  >>> ds = make_dataset('ring8')
  >>> ds.sample(jax.random.key(0), 4).shape
  (4, 2)
"""

import functools
import itertools
from typing import Callable, NamedTuple, Optional

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.types import Array, PRNGKey


class Split(NamedTuple):
  """Real images of one split: uint8 NHWC pixels and int32 labels."""
  x: np.ndarray
  labels: np.ndarray


class Dataset(NamedTuple):
  """A dataset that can be sampled inside jit.

  Attributes:
    name: registry name.
    kind: ``'points'`` (2-D mixtures) or ``'images'`` (NHWC in [-1, 1]).
    shape: shape of one example.
    sample: ``(key, batch_size) -> array of shape (batch_size, *shape)``.
    modes: mixture means, shape ``(num_modes, 2)``; None for images.
    std: standard deviation of every mixture component; None for images.
    train, test: real images of the training and held-out splits (images
      only): the feature network learns from ``train``, the metrics compare
      against it, and ``test`` sets their floor.
    num_classes: number of label values (images only).
  """
  name: str
  kind: str
  shape: tuple[int, ...]
  sample: Callable[[PRNGKey, int], Array]
  modes: Optional[np.ndarray] = None
  std: Optional[float] = None
  train: Optional[Split] = None
  test: Optional[Split] = None
  num_classes: int = 0


def _sample_mixture(key: PRNGKey, batch_size: int, modes: Array,
                    std: float) -> Array:
  k_mode, k_noise = jax.random.split(key)
  idx = jax.random.randint(k_mode, (batch_size,), 0, modes.shape[0])
  noise = jax.random.normal(k_noise, (batch_size, modes.shape[1]))
  return modes[idx] + std * noise


def mixture(name: str, modes: np.ndarray, std: float) -> Dataset:
  """An equal-weight isotropic Gaussian mixture in 2-D."""
  modes = np.asarray(modes, np.float32)
  sample = functools.partial(_sample_mixture, modes=jnp.asarray(modes), std=std)
  return Dataset(name, 'points', (modes.shape[1],), sample, modes, std)


def ring8() -> Dataset:
  """8 modes evenly spaced on the unit circle, std 0.01."""
  angles = 2 * np.pi * np.arange(8) / 8
  return mixture('ring8', np.stack([np.cos(angles), np.sin(angles)], 1), 0.01)


def grid25() -> Dataset:
  """25 modes at {-4, -2, 0, 2, 4}^2, std 0.05."""
  axis = (-4.0, -2.0, 0.0, 2.0, 4.0)
  return mixture('grid25', np.array(list(itertools.product(axis, axis))), 0.05)


def _sample_images(key: PRNGKey, batch_size: int, pixels: Array) -> Array:
  idx = jax.random.randint(key, (batch_size,), 0, pixels.shape[0])
  return to_unit(pixels[idx])


def images(name: str, train: Split, test: Split, num_classes: int) -> Dataset:
  """An image set whose training split is held on device as uint8; batches
  are gathered and scaled to [-1, 1] inside jit.

  Args:
    name: registry name.
    train: the split the GAN (and the feature network) learns from.
    test: the held-out split that sets the metrics' floor.
    num_classes: number of label values.
  """
  sample = functools.partial(_sample_images, pixels=jnp.asarray(train.x))
  return Dataset(name, 'images', tuple(train.x.shape[1:]), sample,
                 train=train, test=test, num_classes=num_classes)


def to_unit(x):
  """uint8 pixels (numpy or jax) to float32 in [-1, 1], the range G
  produces."""
  return x.astype(np.float32) / 127.5 - 1.0


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


class TfdsSource(NamedTuple):
  """How a tensorflow-datasets dataset becomes uint8 images and labels.

  Attributes:
    shape: shape of one image after ``prepare``.
    num_classes: number of label values.
    prepare: ``tf example dict -> (uint8 image, int label)``.
  """
  shape: tuple[int, ...]
  num_classes: int
  prepare: Callable


def _image_label(example):
  return example['image'], example['label']


def _celeb_a(example):
  """The 140x140 centre of a 218x178 face, resized to 32x32; the label is
  2 * Male + Smiling (4 classes)."""
  import tensorflow as tf
  face = tf.image.crop_to_bounding_box(example['image'], 39, 19, 140, 140)
  small = tf.image.resize(face, (32, 32), method='area', antialias=True)
  attrs = example['attributes']
  label = 2 * tf.cast(attrs['Male'], tf.int32) + tf.cast(attrs['Smiling'],
                                                          tf.int32)
  return tf.cast(tf.round(small), tf.uint8), label


TFDS = {
    'mnist': TfdsSource((28, 28, 1), 10, _image_label),
    'fashion_mnist': TfdsSource((28, 28, 1), 10, _image_label),
    'cifar10': TfdsSource((32, 32, 3), 10, _image_label),
    'celeb_a': TfdsSource((32, 32, 3), 4, _celeb_a),
}


def tfds_split(name: str, split: str, directory: str, download: bool) -> Split:
  """Reads a whole split of a tensorflow-datasets dataset into memory.

  Args:
    name: a key of :data:`TFDS`.
    split: ``'train'`` or ``'test'``.
    directory: the tfds data dir (``''``: tfds's default, ``$TFDS_DATA_DIR``
      or ``~/tensorflow_datasets``).
    download: let tfds download and prepare the dataset when it is missing.

  Raises:
    FileNotFoundError: the dataset is not prepared there and ``download`` is
      off; the message says how to prepare it.
    ValueError: tensorflow-datasets is not installed (the ``jaxgan[tfds]``
      extra).
  """
  try:
    import tensorflow_datasets as tfds
  except ImportError:
    raise ValueError(f"data.name={name!r} is read with tensorflow-datasets, "
                     "which is not installed: pip install 'jaxgan[tfds]'"
                     ) from None
  source = TFDS[name]
  try:
    ds = tfds.load(name, split=split, data_dir=directory or None,
                   download=download, shuffle_files=False)
  except AssertionError as e:
    where = directory or '$TFDS_DATA_DIR (default ~/tensorflow_datasets)'
    raise FileNotFoundError(
        f'data.name={name!r} is not prepared in data.dir={where} and '
        'data.download is off. Prepare it on a machine with network access '
        f'with `tfds build {name} --data_dir=DIR` and copy DIR here, then '
        'pass --config.data.dir=DIR; or set --config.data.download=True '
        f'where downloads are possible. ({e})') from e
  xs, ys = [], []
  for x, y in tfds.as_numpy(ds.map(source.prepare).batch(4096)):
    xs.append(x)
    ys.append(y)
  return Split(np.concatenate(xs).astype(np.uint8),
               np.concatenate(ys).astype(np.int32))


def tfds_images(name: str, directory: str = '', download: bool = False
                ) -> Dataset:
  """A tensorflow-datasets image set: its train and test splits.

  The training split is held on device as uint8 (mnist 47 MB, cifar10
  154 MB, celeb_a at 32x32 500 MB).
  """
  return images(name, tfds_split(name, 'train', directory, download),
                tfds_split(name, 'test', directory, download),
                TFDS[name].num_classes)


class DatasetInfo(NamedTuple):
  """What is known about a registered dataset before it is loaded."""
  kind: str
  shape: tuple[int, ...]
  build: Callable[[str, bool], Dataset]


DATASETS = {
    'ring8': DatasetInfo('points', (2,), lambda directory, download: ring8()),
    'grid25': DatasetInfo('points', (2,),
                          lambda directory, download: grid25()),
    'digits': DatasetInfo('images', (8, 8, 1),
                          lambda directory, download: digits()),
    **{name: DatasetInfo('images', source.shape,
                         functools.partial(tfds_images, name))
       for name, source in TFDS.items()},
}


@functools.lru_cache(maxsize=4)
def make_dataset(name: str, directory: str = '', download: bool = False
                 ) -> Dataset:
  """Builds (once per process) the dataset registered under ``name``.

  Args:
    name: a key of :data:`DATASETS`.
    directory: ``config.data.dir``, where tensorflow-datasets data lives.
    download: ``config.data.download``.
  """
  if name not in DATASETS:
    raise ValueError(
        f'data.name={name!r} is not a dataset; choose one of {sorted(DATASETS)}')
  return DATASETS[name].build(directory, download)


def config_key(cfg) -> tuple[str, str, bool]:
  """``(name, directory, download)`` of ``cfg.data``: the arguments of
  :func:`make_dataset`."""
  return cfg.data.name, cfg.data.dir, cfg.data.download


def for_config(cfg) -> Dataset:
  """The dataset of ``cfg.data``."""
  return make_dataset(*config_key(cfg))
