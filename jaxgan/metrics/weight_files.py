"""Reading pretrained weights without torch: PyTorch checkpoints (zip and
legacy serialisation), jax-fid's pickle and ``.npz`` files of a state dict.

PyTorch files are unpickled with a restricted unpickler that builds NumPy
arrays and refuses every other global, so a weight file can run no code.

* Zip serialisation (``torch.save`` since PyTorch 1.6): ``ARCHIVE/data.pkl``
  refers to storages ``ARCHIVE/data/KEY`` by persistent id
  ``('storage', StorageType, KEY, location, numel)``.
* Legacy serialisation (the format of pytorch-fid's 2019 Inception file):
  pickles of the magic number, protocol version and system info, the state
  dict (storages by persistent id ``('storage', StorageType, KEY, location,
  numel, view)``), the list of storage keys, then each storage as an
  int64 element count and its raw little-endian bytes.
* jax-fid's pickle: nested dicts ``{block: {branch: {'conv': {'kernel'},
  'bn': {'scale', 'bias', 'mean', 'var'}}}, 'fc': {'kernel', 'bias'}}`` of
  HWIO kernels, the layout its ``inception.py`` reads.
* ``.npz``: the state dict's keys (``Conv2d_1a_3x3.conv.weight`` ...).
"""

import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    'FloatStorage': np.float32, 'DoubleStorage': np.float64,
    'HalfStorage': np.float16, 'LongStorage': np.int64,
    'IntStorage': np.int32, 'ShortStorage': np.int16,
    'CharStorage': np.int8, 'ByteStorage': np.uint8, 'BoolStorage': np.bool_,
}
# Batch-norm counters that PyTorch writes and inference never reads.
IGNORED_SUFFIX = '.num_batches_tracked'


class _Storage:
  """A storage's dtype, filled in with its bytes when they are read."""

  def __init__(self, dtype, numel: int):
    self.dtype, self.numel, self.array = np.dtype(dtype), numel, None


def _rebuild_tensor(storage: _Storage, offset: int, size, stride, *_):
  """``torch._utils._rebuild_tensor_v2`` for NumPy; filled in lazily
  because legacy files write storages after the pickle."""
  return ('tensor', storage, offset, tuple(size), tuple(stride))


def _rebuild_parameter(data, *_):
  return data


_SAFE_GLOBALS = {
    ('collections', 'OrderedDict'): collections.OrderedDict,
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
    ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
}
_NUMPY_GLOBALS = {
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'),
    ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
}


class _TorchUnpickler(pickle.Unpickler):
  """Builds tensors as placeholders; any global but a tensor's is refused."""

  def __init__(self, file, storages: dict, path: str):
    super().__init__(file)
    self.storages, self.path = storages, path

  def find_class(self, module, name):
    if (module, name) in _SAFE_GLOBALS:
      return _SAFE_GLOBALS[module, name]
    if module == 'torch' and name in _STORAGE_DTYPES:
      return name
    raise pickle.UnpicklingError(
        f'{self.path}: refusing to load {module}.{name}: a weight file holds '
        'tensors only')

  def persistent_load(self, pid):
    if not (isinstance(pid, tuple) and pid and pid[0] == 'storage'):
      raise pickle.UnpicklingError(f'{self.path}: unknown persistent id '
                                   f'{pid!r}')
    storage_type, key, numel = pid[1], str(pid[2]), pid[4]
    if key not in self.storages:
      self.storages[key] = _Storage(_STORAGE_DTYPES[storage_type], numel)
    return self.storages[key]


class _NumpyUnpickler(pickle.Unpickler):
  """Unpickles dicts of NumPy arrays; any other global is refused."""

  def __init__(self, file, path: str):
    super().__init__(file)
    self.path = path

  def find_class(self, module, name):
    if (module, name) in _NUMPY_GLOBALS:
      return super().find_class(module, name)
    raise pickle.UnpicklingError(
        f'{self.path}: refusing to load {module}.{name}: a weight file holds '
        'arrays only')


def _array(value, key, path: str) -> np.ndarray:
  """The array of a tensor placeholder (:func:`_rebuild_tensor`)."""
  _, storage, offset, size, stride = value
  if storage.array is None or storage.array.size < storage.numel:
    raise ValueError(f'{path}: the data of tensor {key!r} is missing or '
                     'truncated')
  base = storage.array[offset:]
  itemsize = base.dtype.itemsize
  needed = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(
      size) else 0
  if base.size < needed:
    raise ValueError(f'{path}: tensor {key!r} reaches past its storage')
  return np.lib.stride_tricks.as_strided(
      base, size, [s * itemsize for s in stride]).copy()


def _materialise(tree, path: str, key=''):
  """The unpickled structure with every tensor as an array (a checkpoint
  may nest its state dict beside an optimiser's state and counters)."""
  if (isinstance(tree, tuple) and len(tree) == 5 and tree[0] == 'tensor'
      and isinstance(tree[1], _Storage)):
    return _array(tree, key, path)
  if isinstance(tree, dict):
    return type(tree)((k, _materialise(v, path, k)) for k, v in tree.items())
  if isinstance(tree, (list, tuple)):
    return type(tree)(_materialise(v, path, key) for v in tree)
  return tree


def _read_zip(archive: zipfile.ZipFile, pkl: str,
              path: str) -> dict[str, np.ndarray]:
  """The tensors of a zip checkpoint whose pickle is ``pkl``."""
  names = archive.namelist()
  prefix = pkl[:-len('data.pkl')]
  storages: dict[str, _Storage] = {}
  tree = _TorchUnpickler(io.BytesIO(archive.read(pkl)), storages, path).load()
  for key, storage in storages.items():
    name = f'{prefix}data/{key}'
    if name not in names:
      raise ValueError(f'{path}: storage {name!r} is missing')
    storage.array = np.frombuffer(archive.read(name),
                                  storage.dtype.newbyteorder('<'))
  return _materialise(tree, path)


def _read_legacy(f, path: str) -> dict[str, np.ndarray]:
  # The protocol version, the system info, then the state dict; every pickle
  # through a restricted unpickler.
  for _ in range(2):
    _NumpyUnpickler(f, path).load()
  storages: dict[str, _Storage] = {}
  tree = _TorchUnpickler(f, storages, path).load()
  keys = _NumpyUnpickler(f, path).load()
  for key in keys:
    storage = storages[str(key)]
    header = f.read(8)
    if len(header) < 8:
      raise ValueError(f'{path}: truncated before storage {key!r}')
    (numel,) = struct.unpack('<q', header)
    raw = f.read(numel * storage.dtype.itemsize)
    if len(raw) < numel * storage.dtype.itemsize:
      raise ValueError(f'{path}: truncated inside storage {key!r} '
                       f'({len(raw)} of {numel * storage.dtype.itemsize} '
                       'bytes)')
    storage.array = np.frombuffer(raw, storage.dtype.newbyteorder('<'))
  return _materialise(tree, path)


def _flatten_nested(tree: dict, path: str) -> dict[str, np.ndarray]:
  """jax-fid's nested dicts -> ``/``-joined parameter paths."""
  out = {}

  def walk(node, prefix):
    for key, value in node.items():
      name = f'{prefix}/{key}' if prefix else str(key)
      if isinstance(value, dict):
        walk(value, name)
      else:
        out[name] = np.asarray(value)

  if not isinstance(tree, dict):
    raise ValueError(f'{path}: holds a {type(tree).__name__}, not a dict of '
                     'weights')
  walk(tree, '')
  return out


def read_tree(path: str):
  """Everything a weight file holds: a PyTorch file's whole pickled
  structure (a state dict, or a checkpoint that nests one) with its tensors
  as arrays; an ``.npz``'s arrays by name; jax-fid's pickle as
  ``/``-joined parameter paths.

  Raises:
    ValueError: the file is of no known kind, or truncated or corrupt.
  """
  if not os.path.isfile(path):
    raise ValueError(f'{path}: no such file')
  try:
    if zipfile.is_zipfile(path):
      with zipfile.ZipFile(path) as archive:
        pkl = [n for n in archive.namelist() if n.endswith('data.pkl')]
        if pkl:
          return _read_zip(archive, pkl[0], path)
      with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}
    with open(path, 'rb') as f:
      head = _NumpyUnpickler(f, path).load()
      if isinstance(head, int) and head == LEGACY_MAGIC:
        return _read_legacy(f, path)
      return _flatten_nested(head, path)
  except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile,
          struct.error, KeyError) as e:
    raise ValueError(f'{path}: not a readable weight file (truncated or '
                     f'corrupt?): {type(e).__name__}: {e}') from e


def read(path: str) -> dict[str, np.ndarray]:
  """Every tensor in a weight file that holds tensors only, by name.

  Returns:
    State-dict names (``Mixed_5b.branch1x1.conv.weight``) for PyTorch and
    ``.npz`` files; ``/``-joined parameter paths for jax-fid's pickle.

  Raises:
    ValueError: the file is of no known kind, truncated or corrupt, or
      holds something other than tensors.
  """
  tree = read_tree(path)
  if not isinstance(tree, dict):
    raise ValueError(f'{path}: holds a {type(tree).__name__}, not a dict of '
                     'weights')
  for key, value in tree.items():
    if not isinstance(value, np.ndarray):
      raise ValueError(f'{path}: entry {key!r} is not a tensor')
  return dict(tree)


# Parameter-path leaf -> (state-dict suffix, PyTorch -> Flax layout).
_TO_STATE_DICT = {
    'conv/kernel': ('conv.weight', lambda a: a.transpose(2, 3, 1, 0)),
    'bn/scale': ('bn.weight', None), 'bn/bias': ('bn.bias', None),
    'bn/mean': ('bn.running_mean', None), 'bn/var': ('bn.running_var', None),
    'fc/kernel': ('fc.weight', lambda a: a.T), 'fc/bias': ('fc.bias', None),
}


def _state_dict_name(param_path: str) -> tuple[str, bool]:
  """``Mixed_5b/branch1x1/conv/kernel`` -> (``Mixed_5b.branch1x1.conv.
  weight``, whether the array is transposed between the two)."""
  parts = param_path.split('/')
  leaf = '/'.join(parts[-2:])
  suffix, convert = _TO_STATE_DICT[leaf]
  return '.'.join(parts[:-2] + [suffix]), convert is not None


def torch_shape(shape: tuple) -> tuple:
  """A Flax kernel's shape in PyTorch's layout: HWIO -> OIHW, (in, out)
  -> (out, in)."""
  return ((shape[3], shape[2], shape[0], shape[1]) if len(shape) == 4
          else tuple(reversed(shape)))


def state_dict_shapes(shapes: dict[str, tuple]) -> dict[str, tuple]:
  """A network's parameter ``shapes`` as PyTorch state-dict names and
  shapes (what a ``.pth`` or ``.npz`` weight file holds)."""
  out = {}
  for param, shape in shapes.items():
    name, transposed = _state_dict_name(param)
    out[name] = torch_shape(shape) if transposed else shape
  return out


def to_params(tensors: dict[str, np.ndarray], shapes: dict[str, tuple],
              path: str) -> dict:
  """Checks ``tensors`` (from :func:`read`) against a network's parameter
  ``shapes`` and nests them as Flax parameters (float32).

  State-dict names (with dots) are mapped to parameter paths: convolution
  weights OIHW -> HWIO, linear weights transposed, batch norm's
  ``weight``/``bias``/``running_mean``/``running_var`` to
  ``scale``/``bias``/``mean``/``var``; ``num_batches_tracked`` is ignored.

  Raises:
    ValueError: naming the first missing, unexpected or misshapen tensor.
  """
  # The file's name of each parameter, and the shape the file holds.
  if any('.' in k for k in tensors):
    file_shapes = state_dict_shapes(shapes)
    expected = {_state_dict_name(p)[0]: p for p in shapes}
  else:
    file_shapes, expected = shapes, {p: p for p in shapes}
  given = {k: v for k, v in tensors.items() if not k.endswith(IGNORED_SUFFIX)}
  missing = sorted(set(expected) - set(given))
  if missing:
    raise ValueError(f'{path}: lacks tensor {missing[0]!r}'
                     + (f' and {len(missing) - 1} more' if len(missing) > 1
                        else '') + ': not a FID Inception weight file?')
  extra = sorted(set(given) - set(expected))
  if extra:
    raise ValueError(f'{path}: has tensor {extra[0]!r}, which the FID '
                     'Inception network does not')
  nested: dict = {}
  for name, param in expected.items():
    array = np.asarray(given[name])
    if array.shape != file_shapes[name]:
      raise ValueError(f'{path}: tensor {name!r} has shape {array.shape} '
                       f'where the network needs {file_shapes[name]}')
    if not np.issubdtype(array.dtype, np.floating):
      raise ValueError(f'{path}: tensor {name!r} is {array.dtype}, not '
                       'floating point')
    convert = _TO_STATE_DICT['/'.join(param.split('/')[-2:])][1]
    if name != param and convert is not None:
      array = convert(array)
    *parents, leaf = param.split('/')
    node = nested
    for p in parents:
      node = node.setdefault(p, {})
    node[leaf] = np.ascontiguousarray(array, np.float32)
  return nested
