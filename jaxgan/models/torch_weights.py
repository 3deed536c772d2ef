"""A PyTorch network's weights onto a jaxgan network whose modules bear the
same names (:mod:`jaxgan.models.resnet`, layer for layer as Mimicry's).

A Flax variable maps to a state-dict name by its module path joined with
``.`` and its leaf:

====================================  =======================================
jaxgan (``params`` / ``batch_stats``)  PyTorch
====================================  =======================================
``kernel`` (conv ``(kh, kw, in, out)``  ``weight`` (``(out, in, kh, kw)``;
dense ``(in, out)``)                    ``(out, in)``), ``weight_orig`` where
                                        the layer is spectrally normalised
``embedding``                           ``weight`` (``weight_orig``)
``bias``                                ``bias``
``scale``                               ``weight`` (batch norm)
``mean``, ``var``                       ``running_mean``, ``running_var``
``u``, ``v``                            ``weight_u``, ``weight_v``
``sn_u``, ``sn_sigma``                  the same (Mimicry's own spectral
                                        norm, whose weight is ``weight``)
====================================  =======================================

Batch norm's ``num_batches_tracked`` is read and dropped (momentum is fixed,
so PyTorch never uses it).

Example:
  >>> g, d = models.make_models(cfg.model, (32, 32, 3))
  >>> variables = g.init(key, z, train=False)
  >>> variables = load_torch_state_dict('netG.pth', variables)
"""

from typing import Any, Mapping

import flax
import jax
import numpy as np

from jaxgan.metrics import weight_files

# Where a checkpoint nests its state dict (Mimicry's save_checkpoint, and
# the common {'state_dict': ...}).
NESTED = ('model_state_dict', 'state_dict')


def _spectral(flat: dict, module: tuple) -> bool:
  return ('batch_stats',) + module + ('u',) in flat


def torch_name(path: tuple, flat: dict) -> str:
  """The state-dict name of the variable at ``path`` (``(collection,
  *modules, leaf)``) among the network's variables ``flat`` (flattened)."""
  module, leaf = path[1:-1], path[-1]
  base = '.'.join(module)
  if leaf in ('kernel', 'embedding'):
    suffix = 'weight_orig' if _spectral(flat, module) else 'weight'
  else:
    suffix = {'bias': 'bias', 'scale': 'weight', 'mean': 'running_mean',
              'var': 'running_var', 'u': 'weight_u', 'v': 'weight_v',
              'sn_u': 'sn_u', 'sn_sigma': 'sn_sigma'}[leaf]
  return f'{base}.{suffix}' if base else suffix


def _to_torch(value: np.ndarray, leaf: str) -> np.ndarray:
  if leaf == 'kernel':
    return value.transpose(3, 2, 0, 1) if value.ndim == 4 else value.T
  return value


def _from_torch(value: np.ndarray, leaf: str) -> np.ndarray:
  if leaf == 'kernel':
    return value.transpose(2, 3, 1, 0) if value.ndim == 4 else value.T
  return value


def state_dict_of(variables: Mapping) -> dict[str, np.ndarray]:
  """The network's ``variables`` as a PyTorch state dict (names and
  layouts as :func:`load_torch_state_dict` reads them)."""
  flat = flax.traverse_util.flatten_dict(flax.core.unfreeze(variables))
  return {torch_name(path, flat): _to_torch(np.asarray(value), path[-1])
          for path, value in flat.items()}


def _state_dict(source, where: str) -> dict[str, np.ndarray]:
  tree = weight_files.read_tree(source) if isinstance(source, str) else source
  if isinstance(tree, Mapping):
    for key in NESTED:
      if isinstance(tree.get(key), Mapping):
        tree = tree[key]
        break
  if not isinstance(tree, Mapping):
    raise ValueError(f'{where}: holds a {type(tree).__name__}, not a state '
                     f'dict or a checkpoint with one of {list(NESTED)}')
  out = {}
  for name, value in tree.items():
    if name.endswith(weight_files.IGNORED_SUFFIX):
      continue
    if not hasattr(value, 'shape'):
      raise ValueError(f'{where}: entry {name!r} is a '
                       f'{type(value).__name__}, not a tensor')
    out[name] = np.asarray(value)
  return out


def load_torch_state_dict(source: str | Mapping, variables: Any) -> Any:
  """``variables`` (a network's ``{'params': ..., 'batch_stats': ...}``)
  with every array replaced by the PyTorch weights in ``source``.

  Args:
    source: a ``.pth``/``.pt`` file (read without torch, through the
      restricted unpickler of :mod:`jaxgan.metrics.weight_files`), or a
      mapping of state-dict names to arrays; either may be a checkpoint
      that nests the state dict under ``'model_state_dict'`` (Mimicry's
      format) or ``'state_dict'``.
    variables: the network's variables, as its ``init`` returns them: their
      names, shapes and dtypes are what the file must match.

  Raises:
    ValueError: naming the file and every missing, unexpected or misshapen
      entry (shapes in PyTorch's layout).
  """
  where = source if isinstance(source, str) else 'the state dict'
  tensors = _state_dict(source, where)
  flat = flax.traverse_util.flatten_dict(flax.core.unfreeze(variables))
  names = {torch_name(path, flat): path for path in flat}
  missing = sorted(set(names) - set(tensors))
  unexpected = sorted(set(tensors) - set(names))
  wrong = []
  for n, p in sorted(names.items()):
    shape = tuple(flat[p].shape)
    expected = (weight_files.torch_shape(shape)
                if p[-1] == 'kernel' else shape)
    if n in tensors and tuple(tensors[n].shape) != expected:
      wrong.append(f'{n}: {tuple(tensors[n].shape)}, expected {expected}')
  problems = ([f'missing {missing}'] if missing else []) + (
      [f'unexpected {unexpected}'] if unexpected else []) + (
          [f'wrong shapes: {"; ".join(wrong)}'] if wrong else [])
  if problems:
    raise ValueError(f'{where} does not fit the network: '
                     + '; '.join(problems))
  loaded = {path: jax.numpy.asarray(_from_torch(tensors[name], path[-1]),
                                    dtype=flat[path].dtype)
            for name, path in names.items()}
  return flax.traverse_util.unflatten_dict(loaded)
