"""Datasets, sampled inside jit: the built-in ones, registered ones, and
the user's arrays and image folders.

Every dataset is a :class:`Dataset`: a pure ``sample(key, batch_size)`` that
runs inside the compiled train step, plus what the evaluation needs (the
mixture's modes and standard deviation for 2-D data, held-out examples for
the rest).

Built in: the 2-D mixtures ``ring8`` and ``grid25`` and their translation
partner ``ring8_turned``; sklearn's 8x8 ``digits``, ``digits_turned`` and
``digits32`` (32×32, three channels);
through tensorflow-datasets, ``mnist``, ``fashion_mnist``, ``cifar10``,
``celeb_a`` and ``stl10`` (48×48, unlabelled).

``config.data.name`` is a name in :data:`DATASETS` (add one with
:func:`register_dataset`, or :func:`from_arrays` for arrays in memory),
``'array:PATH'`` for a ``.npy`` / ``.npz`` file, or ``'folder:DIR'`` for a
folder of images. A user's examples are checked when the config is
validated; without a given test split a seeded
:data:`jaxgan.data.user.TEST_FRACTION` of them is held out.

One module per kind of source: :mod:`~jaxgan.data.mixtures`,
:mod:`~jaxgan.data.digits`, :mod:`~jaxgan.data.tfds_sets` and
:mod:`~jaxgan.data.user`, over :mod:`~jaxgan.data.dataset` (the
:class:`Dataset` record and what they share).

Example:
  >>> ds = make_dataset('ring8')
  >>> ds.sample(jax.random.key(0), 4).shape
  (4, 2)
"""

import functools
from typing import Callable, NamedTuple

import jax
import numpy as np

from jaxgan import config, registry
from jaxgan.data.dataset import (Dataset, Split, images, landmarks,
                                 to_unit)
from jaxgan.data.digits import DIGITS_TEST, digits, digits32, turned_digits
from jaxgan.data.mixtures import grid25, ring8, ring8_turned
from jaxgan.data.tfds_sets import TFDS, tfds_images
from jaxgan.data.user import (ARRAY_PREFIX, FOLDER_PREFIX, array_file, arrays,
                              folder)


# The image sets jaxgan reads itself: labelled, and fixed under their names.
BUILT_IN_IMAGES = ('digits', 'digits32', *TFDS)


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
        'digits32': DatasetInfo('images', (32, 32, 3),
                                lambda directory, download: digits32()),
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
      metrics' floor; None holds out a seeded
      :data:`jaxgan.data.user.TEST_FRACTION` of ``x``.
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


__all__ = ['BUILT_IN_IMAGES', 'DATASETS', 'DIGITS_TEST', 'TFDS', 'Dataset',
           'DatasetInfo', 'Split', 'arrays', 'check_config', 'config_key',
           'describe', 'digits', 'for_config', 'from_arrays', 'images',
           'landmarks', 'make_dataset', 'register_dataset', 'tfds_images',
           'to_unit']
