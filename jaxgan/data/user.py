"""A user's own data: arrays in memory, ``array:PATH`` files and
``folder:DIR`` image folders, checked and split."""

import os

import numpy as np

from jaxgan.data.dataset import (Dataset, Split, from_splits, images,
                                 sample_rows)


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
  return from_splits(name, 'points', train, test_split, num_classes,
                      sample_rows)


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
