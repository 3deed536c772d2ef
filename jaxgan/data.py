"""Datasets, sampled inside jit: the built-in ones, registered ones, and
the user's arrays and image folders.

Every dataset is a :class:`Dataset`: a pure ``sample(key, batch_size)`` that
runs inside the compiled train step, plus what the evaluation needs (the
mixture's modes and standard deviation for 2-D data, held-out examples for
the rest).

Built in: the 2-D mixtures ``ring8`` and ``grid25`` and their translation
partner ``ring8_turned``; sklearn's 8x8 ``digits`` and ``digits_turned``;
through tensorflow-datasets, ``mnist``, ``fashion_mnist``, ``cifar10`` and
``celeb_a``.

``config.data.name`` is a name in :data:`DATASETS` (add one with
:func:`register_dataset`, or :func:`from_arrays` for arrays in memory),
``'array:PATH'`` for a ``.npy`` / ``.npz`` file, or ``'folder:DIR'`` for a
folder of images. A user's examples are checked when the config is
validated; without a given test split a seeded :data:`TEST_FRACTION` of them
is held out.

Example:
  >>> ds = make_dataset('ring8')
  >>> ds.sample(jax.random.key(0), 4).shape
  (4, 2)
"""

import functools
import itertools
import os
from typing import Callable, NamedTuple, Optional

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import config, registry
from jaxgan.types import Array, PRNGKey


class Split(NamedTuple):
  """Real examples of one split: uint8 NHWC pixels (images) or float32
  points, and int32 labels (None when the data has none)."""
  x: np.ndarray
  labels: np.ndarray | None


class Dataset(NamedTuple):
  """A dataset that can be sampled inside jit.

  Attributes:
    name: registry name.
    kind: ``'points'`` (vectors) or ``'images'`` (NHWC in [-1, 1]).
    shape: shape of one example.
    sample: ``(key, batch_size) -> array of shape (batch_size, *shape)``.
    modes: mixture means, shape ``(num_modes, 2)``; None for other data.
    std: standard deviation of every mixture component; None for other data.
    train, test: real examples of the training and held-out splits (None
      for the mixtures, whose distribution is known): the feature network
      learns from ``train``, and ``test`` sets the metrics' floor.
    num_classes: number of label values (0 without labels; the mixtures'
      labels are their modes).
    sample_labelled: ``(key, batch_size) -> (examples, int32 labels)``,
      the examples ``sample`` draws with that key; None without labels.
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
  sample_labelled: Optional[Callable[[PRNGKey, int], tuple[Array, Array]]] = (
      None)


def _unlabelled(sample_labelled: Callable) -> Callable:
  return lambda key, batch_size: sample_labelled(key, batch_size)[0]


def _sample_mixture(key: PRNGKey, batch_size: int, modes: Array,
                    std: float) -> tuple[Array, Array]:
  k_mode, k_noise = jax.random.split(key)
  idx = jax.random.randint(k_mode, (batch_size,), 0, modes.shape[0])
  noise = jax.random.normal(k_noise, (batch_size, modes.shape[1]))
  return modes[idx] + std * noise, idx


def mixture(name: str, modes: np.ndarray, std: float) -> Dataset:
  """An equal-weight isotropic Gaussian mixture in 2-D; an example's label
  is its mode."""
  modes = np.asarray(modes, np.float32)
  labelled = functools.partial(_sample_mixture, modes=jnp.asarray(modes),
                               std=std)
  return Dataset(name, 'points', (modes.shape[1],), _unlabelled(labelled),
                 modes, std, num_classes=len(modes),
                 sample_labelled=labelled)


def ring8() -> Dataset:
  """8 modes evenly spaced on the unit circle, std 0.01."""
  angles = 2 * np.pi * np.arange(8) / 8
  return mixture('ring8', np.stack([np.cos(angles), np.sin(angles)], 1), 0.01)


def ring8_turned() -> Dataset:
  """ring8 turned by 22.5 degrees and scaled to radius 2, std 0.02: the
  target of the 2-D translation task (``program='cyclegan'`` from ring8); a
  mode's label is the label of the ring8 mode it was turned from."""
  angles = 2 * np.pi * (np.arange(8) + 0.5) / 8
  return mixture('ring8_turned',
                 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1), 0.02)


def grid25() -> Dataset:
  """25 modes at {-4, -2, 0, 2, 4}^2, std 0.05."""
  axis = (-4.0, -2.0, 0.0, 2.0, 4.0)
  return mixture('grid25', np.array(list(itertools.product(axis, axis))), 0.05)


def _sample_rows(key: PRNGKey, batch_size: int, x: Array, labels: Array
                 ) -> tuple[Array, Array]:
  idx = jax.random.randint(key, (batch_size,), 0, x.shape[0])
  return x[idx], labels[idx]


def _sample_images(key: PRNGKey, batch_size: int, x: Array, labels: Array
                   ) -> tuple[Array, Array]:
  pixels, y = _sample_rows(key, batch_size, x, labels)
  return to_unit(pixels), y


def _from_splits(name: str, kind: str, train: Split, test: Split,
                 num_classes: int, sample: Callable) -> Dataset:
  """A dataset whose training split is held on device and gathered from
  inside jit by ``sample(key, batch_size, x, labels)``."""
  labels = (np.zeros(len(train.x), np.int32) if train.labels is None
            else train.labels)
  labelled = functools.partial(sample, x=jnp.asarray(train.x),
                               labels=jnp.asarray(labels))
  return Dataset(name, kind, tuple(train.x.shape[1:]), _unlabelled(labelled),
                 train=train, test=test, num_classes=num_classes,
                 sample_labelled=labelled if num_classes else None)


def images(name: str, train: Split, test: Split, num_classes: int) -> Dataset:
  """An image set whose training split is held on device as uint8; batches
  are gathered and scaled to [-1, 1] inside jit.

  Args:
    name: registry name.
    train: the split the GAN (and the feature network) learns from.
    test: the held-out split that sets the metrics' floor.
    num_classes: number of label values.
  """
  return _from_splits(name, 'images', train, test, num_classes,
                      _sample_images)


# Held-out points drawn beside a user's generated points.
LANDMARKS = 300


def landmarks(dataset: Dataset) -> tuple[np.ndarray, str] | None:
  """What generated points are drawn against: the mixture's modes, or up
  to :data:`LANDMARKS` held-out points, with a label; None for images."""
  if dataset.kind != 'points':
    return None
  if dataset.modes is not None:
    return dataset.modes, 'modes'
  return dataset.test.x[:LANDMARKS], 'held-out data'


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
# The image sets jaxgan reads itself: labelled, and fixed under their names.
BUILT_IN_IMAGES = ('digits', *TFDS)


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


# Share of a user's examples held out when no test split is given.
TEST_FRACTION = 0.2
ARRAY_PREFIX, FOLDER_PREFIX = 'array:', 'folder:'
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.gif', '.webp',
                    '.tif', '.tiff')


def _labels(what: str, y, n: int) -> np.ndarray | None:
  if y is None:
    return None
  y = np.asarray(y)
  if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or (
      n and y.min() < 0):
    raise ValueError(f'{what}: labels y must be {n} non-negative integers, '
                     f'got shape {y.shape} of {y.dtype}')
  return y.astype(np.int32)


def _examples(what: str, x) -> tuple[str, np.ndarray]:
  """``(kind, x)``: points as float32, images as uint8 NHWC."""
  x = np.asarray(x)
  if x.ndim < 2 or len(x) == 0 or 0 in x.shape:
    raise ValueError(f'{what}: expected examples of shape (n, dim), (n, h, '
                     f'w) or (n, h, w, channels), got shape {x.shape}')
  if x.dtype.kind not in 'uif' or x.dtype == bool:
    raise ValueError(f'{what}: examples must be numbers, got {x.dtype}')
  if x.dtype.kind == 'f' and not np.all(np.isfinite(x)):
    bad = np.argwhere(~np.isfinite(x))[0]
    raise ValueError(f'{what}: non-finite value {x[tuple(bad)].item()!r} at '
                     f'index {tuple(int(i) for i in bad)}')
  if x.ndim == 2:
    return 'points', x.astype(np.float32)
  if x.ndim == 3:
    x = x[..., None]
  if x.ndim != 4 or x.shape[-1] not in (1, 3):
    raise ValueError(f'{what}: images must be (n, h, w) or (n, h, w, 1|3), '
                     f'got shape {x.shape}')
  if x.dtype == np.uint8:
    return 'images', x
  if x.min() < 0 or x.max() > 1:
    raise ValueError(f'{what}: images must be uint8, or floats in [0, 1]; '
                     f'got values in [{x.min():g}, {x.max():g}]')
  return 'images', np.round(x * 255).astype(np.uint8)


def arrays(name: str, x, y=None, test=None) -> Dataset:
  """A dataset of the user's examples (see :func:`from_arrays`), checked.

  Raises:
    ValueError: naming ``name`` and what is wrong.
  """
  kind, x = _examples(f'dataset {name!r}', x)
  y = _labels(f'dataset {name!r}', y, len(x))
  if test is None:
    held = max(1, int(round(TEST_FRACTION * len(x))))
    if len(x) - held < 2:
      raise ValueError(f'dataset {name!r}: {len(x)} examples are too few to '
                       'hold out a test split; give at least 3')
    order = np.random.default_rng(0).permutation(len(x))
    pick = lambda idx: Split(x[idx], None if y is None else y[idx])
    train, test_split = pick(order[held:]), pick(order[:held])
  else:
    tx, ty = test if isinstance(test, tuple) else (test, None)
    test_kind, tx = _examples(f'dataset {name!r} test split', tx)
    if (test_kind, tx.shape[1:]) != (kind, x.shape[1:]):
      raise ValueError(f'dataset {name!r}: the test split holds {test_kind} '
                       f'of shape {tx.shape[1:]}, the examples {kind} of '
                       f'shape {x.shape[1:]}')
    train = Split(x, y)
    test_split = Split(tx, _labels(f'dataset {name!r} test split', ty,
                                   len(tx)))
  num_classes = 0 if y is None else int(max(
      y.max(), -1 if test_split.labels is None else test_split.labels.max())
      ) + 1
  if kind == 'images':
    return images(name, train, test_split, num_classes)
  return _from_splits(name, 'points', train, test_split, num_classes,
                      _sample_rows)


def array_file(path: str) -> Dataset:
  """``data.name='array:PATH'``: examples from a ``.npy`` file, or from an
  ``.npz`` with ``x`` (and optionally ``y``, ``x_test``, ``y_test``).

  Raises:
    ValueError: naming the file when it is missing, unreadable, or holds
      examples that are not valid.
  """
  field = f'data.name={ARRAY_PREFIX + path!r}'
  if not os.path.isfile(path):
    raise ValueError(f'{field}: no file {path!r}')
  try:
    loaded = np.load(path, allow_pickle=False)
  except (OSError, ValueError) as e:
    raise ValueError(f'{field}: cannot read {path!r} as .npy or .npz: {e}'
                     ) from None
  if isinstance(loaded, np.ndarray):
    return arrays(ARRAY_PREFIX + path, loaded)
  with loaded:
    keys = set(loaded.files)
    if 'x' not in keys or keys - {'x', 'y', 'x_test', 'y_test'}:
      raise ValueError(f'{field}: an .npz holds x (and optionally y, x_test, '
                       f'y_test); {path!r} holds {sorted(keys)}')
    part = {k: loaded[k] for k in keys}
  test = None
  if 'x_test' in part:
    test = (part['x_test'], part.get('y_test'))
  elif 'y_test' in part:
    raise ValueError(f'{field}: y_test without x_test in {path!r}')
  return arrays(ARRAY_PREFIX + path, part['x'], part.get('y'), test)


def folder(directory: str, image_size: int) -> Dataset:
  """``data.name='folder:DIR'``: the images in ``DIR`` (any format Pillow
  reads), resized to ``image_size`` squared; with one sub-folder per class
  (sorted names are labels 0, 1, ...), labelled. Grey when every image is
  grey, else RGB.

  Raises:
    ValueError: naming the folder or file when the folder is missing or
      empty, mixes images with class folders, or an image is unreadable.
  """
  from PIL import Image
  field = f'data.name={FOLDER_PREFIX + directory!r}'
  if not os.path.isdir(directory):
    raise ValueError(f'{field}: no folder {directory!r}')
  is_image = lambda f: f.lower().endswith(IMAGE_EXTENSIONS)
  entries = sorted(os.listdir(directory))
  classes = [e for e in entries if os.path.isdir(os.path.join(directory, e))]
  loose = [e for e in entries if is_image(e)]
  if classes and loose:
    raise ValueError(f'{field}: holds both images ({loose[0]!r}, ...) and '
                     f'class folders ({classes[0]!r}, ...); use one layout')
  files = ([(os.path.join(directory, f), None) for f in loose] if not classes
           else [(os.path.join(directory, c, f), k)
                 for k, c in enumerate(classes)
                 for f in sorted(os.listdir(os.path.join(directory, c)))
                 if is_image(f)])
  if not files:
    raise ValueError(f'{field}: no images ({", ".join(IMAGE_EXTENSIONS)}) '
                     'found')
  pictures = []
  for path, _ in files:
    try:
      with Image.open(path) as im:
        im.load()
        pictures.append(im.copy())
    except (OSError, SyntaxError, ValueError) as e:
      raise ValueError(f'{field}: cannot read image {path!r}: {e}') from None
  grey = all(p.mode in ('1', 'L', 'I', 'I;16', 'F') for p in pictures)
  mode = 'L' if grey else 'RGB'
  x = np.stack([np.asarray(p.convert(mode).resize(
      (image_size, image_size), Image.Resampling.BICUBIC)) for p in pictures])
  y = None if not classes else np.array([k for _, k in files], np.int32)
  return arrays(FOLDER_PREFIX + directory, x, y)


def _check_dataset(name: str, info: 'DatasetInfo', dataset) -> None:
  """Checks what the build of ``info`` (registered as, or imported from,
  ``name``) returned."""
  if not isinstance(dataset, Dataset):
    raise ValueError(f'data.name={name!r}: its build returned '
                     f'{type(dataset).__name__}, not a jaxgan.data.Dataset '
                     '(make one with jaxgan.data.arrays)')
  if dataset.kind not in ('points', 'images'):
    raise ValueError(f'data.name={name!r}: kind={dataset.kind!r} is not '
                     "'points' or 'images'")
  for what, declared, built in (('kind', info.kind, dataset.kind),
                                ('shape', info.shape, dataset.shape)):
    if declared is not None and tuple(np.atleast_1d(declared)) != tuple(
        np.atleast_1d(built)):
      raise ValueError(f'data.name={name!r} is registered with {what} '
                       f'{declared!r} but builds {built!r}')
  out = jax.eval_shape(lambda k: dataset.sample(k, 2), jax.random.key(0))
  if out.shape != (2,) + tuple(dataset.shape):
    raise ValueError(f'data.name={name!r}: sample(key, 2) gives shape '
                     f'{out.shape}, not (2, *{tuple(dataset.shape)})')


class DatasetInfo(NamedTuple):
  """What is known about a registered dataset before it is loaded.

  Attributes:
    kind: ``'points'`` or ``'images'``; None to learn it by building.
    shape: shape of one example; None to learn it by building.
    build: ``(directory, download) -> Dataset``.
  """
  kind: str | None
  shape: tuple[int, ...] | None
  build: Callable[[str, bool], Dataset]


def _check_info(name: str, info) -> None:
  if not isinstance(info, DatasetInfo) or not callable(info.build):
    raise ValueError(f'dataset {name!r}: register a build function '
                     '(directory, download) -> Dataset (register_dataset)')


DATASETS: registry.Registry[DatasetInfo] = registry.Registry(
    'dataset', 'data.name', {
        'ring8': DatasetInfo('points', (2,),
                             lambda directory, download: ring8()),
        'grid25': DatasetInfo('points', (2,),
                              lambda directory, download: grid25()),
        'ring8_turned': DatasetInfo('points', (2,),
                                    lambda directory, download:
                                    ring8_turned()),
        'digits': DatasetInfo('images', (8, 8, 1),
                              lambda directory, download: digits()),
        'digits_turned': DatasetInfo('images', (8, 8, 1),
                                     lambda directory, download:
                                     turned_digits()),
        **{name: DatasetInfo('images', source.shape,
                             functools.partial(tfds_images, name))
           for name, source in TFDS.items()},
    }, _check_info)


def register_dataset(name: str, build: Callable[[str, bool], Dataset], *,
                     kind: str | None = None,
                     shape: tuple[int, ...] | None = None,
                     replace: bool = False) -> Callable:
  """Makes ``config.data.name = name`` build a dataset.

  Args:
    name: the registry name.
    build: ``(directory, download) -> Dataset`` (``config.data.dir`` and
      ``config.data.download``); make the Dataset with :func:`arrays`,
      :func:`mixture` or :func:`images`.
    kind, shape: what it builds, when known without building it (else it
      is built, once per process, when a config is validated).
    replace: replace another dataset of that name.

  Returns:
    ``build``.

  Example:
    >>> register_dataset('moons', lambda directory, download: arrays(
    ...     'moons', sklearn.datasets.make_moons(4000, noise=0.05)[0]))
  """
  DATASETS.register(name, DatasetInfo(kind, shape, build), replace=replace)
  return build


def from_arrays(x: np.ndarray, y: np.ndarray | None = None,
                test: np.ndarray | tuple | None = None,
                name: str = 'arrays') -> str:
  """Registers in-memory arrays as a dataset (replacing an earlier one of
  that name) and returns the name for ``config.data.name``.

  Args:
    x: the examples: points ``(n, dim)``, or images ``(n, h, w)`` /
      ``(n, h, w, channels)`` as uint8 or floats in [0, 1].
    y: optional integer labels, shape ``(n,)``.
    test: the held-out examples (an array, or ``(x, y)``) that set the
      metrics' floor; None holds out a seeded :data:`TEST_FRACTION` of
      ``x``.
    name: the registry name.

  Raises:
    ValueError: the arrays are empty, of mixed or unsupported shapes, or
      hold non-finite values (checked now, before anything compiles).

  Example:
    >>> cfg.data.name = from_arrays(np.load('points.npy'))
  """
  dataset = arrays(name, x, y, test)
  DATASETS.register(name, DatasetInfo(dataset.kind, dataset.shape,
                                      lambda directory, download: dataset),
                    replace=True)
  return name


@functools.lru_cache(maxsize=4)
def _build(name: str, directory: str, download: bool, image_size: int,
           generation: int) -> Dataset:
  del generation
  if name.startswith(ARRAY_PREFIX):
    return array_file(name[len(ARRAY_PREFIX):])
  if name.startswith(FOLDER_PREFIX):
    return folder(name[len(FOLDER_PREFIX):], image_size)
  info = DATASETS.lookup(name)
  dataset = info.build(directory, download)
  _check_dataset(name, info, dataset)
  return dataset


def make_dataset(name: str, directory: str = '', download: bool = False,
                 image_size: int = 32) -> Dataset:
  """Builds (once per process and registry state) the dataset ``name``.

  Args:
    name: a key of :data:`DATASETS`, ``'array:PATH'`` (a ``.npy`` or
      ``.npz`` file) or ``'folder:DIR'`` (a folder of images).
    directory: ``config.data.dir``, where tensorflow-datasets data lives.
    download: ``config.data.download``.
    image_size: ``config.data.image_size``, the side ``folder:`` images
      are resized to.

  Raises:
    ValueError: naming the dataset (and file) when it cannot be read or
      its examples are not valid.
  """
  return _build(name, directory, download, image_size, registry.generation())


def describe(name: str, directory: str = '', download: bool = False,
             image_size: int = 32) -> tuple[str, tuple[int, ...]]:
  """``(kind, shape)`` of a dataset, building it only when its
  registration does not say."""
  if ':' not in name:
    info = DATASETS.lookup(name)
    if info.kind is not None and info.shape is not None:
      return info.kind, tuple(info.shape)
  dataset = make_dataset(name, directory, download, image_size)
  return dataset.kind, dataset.shape


def config_key(cfg) -> tuple[str, str, bool, int]:
  """``(name, directory, download, image_size)`` of ``cfg.data``: the
  arguments of :func:`make_dataset`."""
  return (cfg.data.name, cfg.data.dir, cfg.data.download,
          cfg.data.image_size)


def for_config(cfg) -> Dataset:
  """The dataset of ``cfg.data``."""
  return make_dataset(*config_key(cfg))



def check_config(cfg) -> None:
  """Checks ``cfg.data`` before anything is loaded.

  Raises:
    ValueError: naming the field and its value.
  """
  if not isinstance(cfg.data.name, str):
    raise ValueError(f'data.name={cfg.data.name!r} must be a string')
  config.check_integer('data.image_size', cfg.data.image_size, 1)
  if not isinstance(cfg.data.dir, str):
    raise ValueError(f'data.dir={cfg.data.dir!r} must be a path (a string)')
  if not isinstance(cfg.data.download, bool):
    raise ValueError(f'data.download={cfg.data.download!r} must be True or '
                     'False')
  if not isinstance(cfg.data.source, str):
    raise ValueError(f'data.source={cfg.data.source!r} must be a string')
  if cfg.data.source and cfg.program == 'gan':
    raise ValueError(f'data.source={cfg.data.source!r} is the domain a '
                     "translating program maps from; program='gan' "
                     "generates from noise (use program='cyclegan')")
