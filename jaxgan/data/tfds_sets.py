"""Image sets read through tensorflow-datasets (the ``tfds`` extra):
``mnist``, ``fashion_mnist``, ``cifar10``, ``celeb_a`` and ``stl10``."""

from typing import Callable, NamedTuple

import numpy as np

from jaxgan.data.dataset import Dataset, Split, images


class TfdsSource(NamedTuple):
  """How a tensorflow-datasets dataset becomes uint8 images and labels.

  Attributes:
    shape: shape of one image after ``prepare``.
    num_classes: number of label values (0: the set is read without
      labels).
    prepare: ``tf example dict -> (uint8 image, int label)``.
    splits: the tfds splits read as the training and the test split.
  """
  shape: tuple[int, ...]
  num_classes: int
  prepare: Callable
  splits: tuple[str, str] = ('train', 'test')


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


def _stl10(example):
  """A 96x96 image resized to 48x48 (area averaging), as SNGAN's and
  Mimicry's STL-10 runs use it; no label."""
  import tensorflow as tf
  small = tf.image.resize(example['image'], (48, 48), method='area',
                          antialias=True)
  return tf.cast(tf.round(small), tf.uint8), 0


TFDS = {
    'mnist': TfdsSource((28, 28, 1), 10, _image_label),
    'fashion_mnist': TfdsSource((28, 28, 1), 10, _image_label),
    'cifar10': TfdsSource((32, 32, 3), 10, _image_label),
    'celeb_a': TfdsSource((32, 32, 3), 4, _celeb_a),
    # The 100,000 unlabelled images to train on, the 8,000 test images
    # (their labels dropped) held out.
    'stl10': TfdsSource((48, 48, 3), 0, _stl10, ('unlabelled', 'test')),
}


def tfds_split(name: str, split: str, directory: str, download: bool) -> Split:
  """Reads a whole split of a tensorflow-datasets dataset into memory.

  Args:
    name: a key of :data:`TFDS`.
    split: the tfds split (``'train'``, ``'test'``, ``'unlabelled'``).
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
               np.concatenate(ys).astype(np.int32) if source.num_classes
               else None)


def tfds_images(name: str, directory: str = '', download: bool = False
                ) -> Dataset:
  """A tensorflow-datasets image set: its train and test splits.

  The training split is held on device as uint8 (mnist 47 MB, cifar10
  154 MB, celeb_a at 32x32 500 MB, stl10 at 48x48 691 MB).
  """
  train, test = TFDS[name].splits
  return images(name, tfds_split(name, train, directory, download),
                tfds_split(name, test, directory, download),
                TFDS[name].num_classes)
