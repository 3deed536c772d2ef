"""The FID variant of InceptionV3, in Flax, for FID, IS and KID as papers
report them.

:class:`FIDInceptionV3` is the network of pytorch-fid (``FIDInceptionA``,
``FIDInceptionC``, ``FIDInceptionE_1``/``_2`` patched into torchvision's
``Inception3``): the TensorFlow 2015-12-05 graph of the original FID and
Inception Score code. Its average pools in the ``Mixed_5*``, ``Mixed_6b-e``
and ``Mixed_7b`` blocks exclude the padding from the average, and ``Mixed_7c``
max-pools its pool branch. It returns the 2,048-d pool features and the 1,008
logits of its ``fc`` layer.

The weights are a file the user brings (no machine running jaxgan downloads
anything): pytorch-fid's ``pt_inception-2015-12-05-6726825d.pth``, jax-fid's
``inception_v3_weights_fid.pickle``, or an ``.npz`` of the state dict's keys
(:mod:`jaxgan.metrics.weight_files` reads them). Parameters are named as in
the state dict: ``Mixed_6b/branch7x7_2/conv/kernel`` holds
``Mixed_6b.branch7x7_2.conv.weight`` (OIHW -> HWIO), ``.../bn/{scale, bias,
mean, var}`` the batch norm's weight, bias and running statistics (eps 1e-3).

Example:
  >>> params = load_params('/data/pt_inception-2015-12-05-6726825d.pth')
  >>> pool, logits = FIDInceptionV3().apply({'params': params}, x299)
"""

import functools
import hashlib
import os
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.metrics import resize, weight_files
from jaxgan.types import Array, Params

# pytorch-fid's file, where its README points.
WEIGHTS_FILE = 'pt_inception-2015-12-05-6726825d.pth'
WEIGHTS_URL = ('https://github.com/mseitzer/pytorch-fid/releases/download/'
               f'fid_weights/{WEIGHTS_FILE}')
WEIGHTS_ENV = 'JAXGAN_INCEPTION_WEIGHTS'
NETWORK = 'pt_inception-2015-12-05'
POOL_DIM, NUM_LOGITS = 2048, 1008
BN_EPS = 1e-3
_HIGHEST = jax.lax.Precision.HIGHEST


def batch_size() -> int:
  """Images per Inception call: on a CPU small batches run fastest (2-core
  CPU: 5.6 images/s at 10, 4.1 at 100, BUILD_NOTES.md); accelerators want
  large ones."""
  return 10 if jax.default_backend() == 'cpu' else 100


class BasicConv2d(nn.Module):
  """Conv (no bias) -> batch norm with frozen statistics -> ReLU."""
  features: int
  kernel: tuple[int, int]
  strides: int = 1
  padding: tuple[int, int] = (0, 0)

  @nn.compact
  def __call__(self, x: Array) -> Array:
    ph, pw = self.padding
    x = nn.Conv(self.features, self.kernel, (self.strides,) * 2,
                padding=((ph, ph), (pw, pw)), use_bias=False,
                precision=_HIGHEST, name='conv')(x)
    bn = BatchNormFrozen(self.features, name='bn')
    return nn.relu(bn(x))


class BatchNormFrozen(nn.Module):
  """Inference batch norm whose statistics are parameters, as in the
  weight files."""
  features: int

  @nn.compact
  def __call__(self, x: Array) -> Array:
    p = lambda name, init: self.param(name, init, (self.features,))
    scale, bias = p('scale', nn.initializers.ones), p('bias',
                                                      nn.initializers.zeros)
    mean, var = p('mean', nn.initializers.zeros), p('var',
                                                    nn.initializers.ones)
    return (x - mean) * (scale / jnp.sqrt(var + BN_EPS)) + bias


def _avg_pool(x: Array) -> Array:
  """3x3, stride 1, padding 1, padding excluded from the average (TF)."""
  return nn.avg_pool(x, (3, 3), (1, 1), ((1, 1), (1, 1)),
                     count_include_pad=False)


def _max_pool(x: Array, stride: int = 2, pad: int = 0) -> Array:
  return nn.max_pool(x, (3, 3), (stride, stride), ((pad, pad), (pad, pad)))


class InceptionA(nn.Module):
  pool_features: int

  @nn.compact
  def __call__(self, x: Array) -> Array:
    b1 = BasicConv2d(64, (1, 1), name='branch1x1')(x)
    b5 = BasicConv2d(48, (1, 1), name='branch5x5_1')(x)
    b5 = BasicConv2d(64, (5, 5), padding=(2, 2), name='branch5x5_2')(b5)
    b3 = BasicConv2d(64, (1, 1), name='branch3x3dbl_1')(x)
    b3 = BasicConv2d(96, (3, 3), padding=(1, 1), name='branch3x3dbl_2')(b3)
    b3 = BasicConv2d(96, (3, 3), padding=(1, 1), name='branch3x3dbl_3')(b3)
    bp = BasicConv2d(self.pool_features, (1, 1),
                     name='branch_pool')(_avg_pool(x))
    return jnp.concatenate([b1, b5, b3, bp], axis=-1)


class InceptionB(nn.Module):

  @nn.compact
  def __call__(self, x: Array) -> Array:
    b3 = BasicConv2d(384, (3, 3), strides=2, name='branch3x3')(x)
    bd = BasicConv2d(64, (1, 1), name='branch3x3dbl_1')(x)
    bd = BasicConv2d(96, (3, 3), padding=(1, 1), name='branch3x3dbl_2')(bd)
    bd = BasicConv2d(96, (3, 3), strides=2, name='branch3x3dbl_3')(bd)
    return jnp.concatenate([b3, bd, _max_pool(x)], axis=-1)


class InceptionC(nn.Module):
  channels_7x7: int

  @nn.compact
  def __call__(self, x: Array) -> Array:
    c7 = self.channels_7x7
    row, col = dict(kernel=(1, 7), padding=(0, 3)), dict(kernel=(7, 1),
                                                         padding=(3, 0))
    b1 = BasicConv2d(192, (1, 1), name='branch1x1')(x)
    b7 = BasicConv2d(c7, (1, 1), name='branch7x7_1')(x)
    b7 = BasicConv2d(c7, **row, name='branch7x7_2')(b7)
    b7 = BasicConv2d(192, **col, name='branch7x7_3')(b7)
    bd = BasicConv2d(c7, (1, 1), name='branch7x7dbl_1')(x)
    bd = BasicConv2d(c7, **col, name='branch7x7dbl_2')(bd)
    bd = BasicConv2d(c7, **row, name='branch7x7dbl_3')(bd)
    bd = BasicConv2d(c7, **col, name='branch7x7dbl_4')(bd)
    bd = BasicConv2d(192, **row, name='branch7x7dbl_5')(bd)
    bp = BasicConv2d(192, (1, 1), name='branch_pool')(_avg_pool(x))
    return jnp.concatenate([b1, b7, bd, bp], axis=-1)


class InceptionD(nn.Module):

  @nn.compact
  def __call__(self, x: Array) -> Array:
    b3 = BasicConv2d(192, (1, 1), name='branch3x3_1')(x)
    b3 = BasicConv2d(320, (3, 3), strides=2, name='branch3x3_2')(b3)
    b7 = BasicConv2d(192, (1, 1), name='branch7x7x3_1')(x)
    b7 = BasicConv2d(192, (1, 7), padding=(0, 3), name='branch7x7x3_2')(b7)
    b7 = BasicConv2d(192, (7, 1), padding=(3, 0), name='branch7x7x3_3')(b7)
    b7 = BasicConv2d(192, (3, 3), strides=2, name='branch7x7x3_4')(b7)
    return jnp.concatenate([b3, b7, _max_pool(x)], axis=-1)


class InceptionE(nn.Module):
  """``Mixed_7b`` (average pool, padding excluded) or ``Mixed_7c`` (max
  pool, the FID graph's quirk)."""
  pool: Callable[[Array], Array]

  @nn.compact
  def __call__(self, x: Array) -> Array:
    row, col = dict(kernel=(1, 3), padding=(0, 1)), dict(kernel=(3, 1),
                                                         padding=(1, 0))
    b1 = BasicConv2d(320, (1, 1), name='branch1x1')(x)
    b3 = BasicConv2d(384, (1, 1), name='branch3x3_1')(x)
    b3 = jnp.concatenate([BasicConv2d(384, **row, name='branch3x3_2a')(b3),
                          BasicConv2d(384, **col, name='branch3x3_2b')(b3)],
                         axis=-1)
    bd = BasicConv2d(448, (1, 1), name='branch3x3dbl_1')(x)
    bd = BasicConv2d(384, (3, 3), padding=(1, 1), name='branch3x3dbl_2')(bd)
    bd = jnp.concatenate([BasicConv2d(384, **row, name='branch3x3dbl_3a')(bd),
                          BasicConv2d(384, **col, name='branch3x3dbl_3b')(bd)],
                         axis=-1)
    bp = BasicConv2d(192, (1, 1), name='branch_pool')(self.pool(x))
    return jnp.concatenate([b1, b3, bd, bp], axis=-1)


class FIDInceptionV3(nn.Module):
  """InceptionV3 as the FID graph computes it.

  Input: ``(n, 299, 299, 3)``, already scaled by a resize protocol
  (:func:`jaxgan.metrics.resize.preprocess`). Returns ``(pool, logits)``:
  the 2,048-d average-pooled features and the 1,008 logits of ``fc``.
  """

  @nn.compact
  def __call__(self, x: Array) -> tuple[Array, Array]:
    x = BasicConv2d(32, (3, 3), strides=2, name='Conv2d_1a_3x3')(x)
    x = BasicConv2d(32, (3, 3), name='Conv2d_2a_3x3')(x)
    x = BasicConv2d(64, (3, 3), padding=(1, 1), name='Conv2d_2b_3x3')(x)
    x = _max_pool(x)
    x = BasicConv2d(80, (1, 1), name='Conv2d_3b_1x1')(x)
    x = BasicConv2d(192, (3, 3), name='Conv2d_4a_3x3')(x)
    x = _max_pool(x)
    for name, pool_features in (('Mixed_5b', 32), ('Mixed_5c', 64),
                                ('Mixed_5d', 64)):
      x = InceptionA(pool_features, name=name)(x)
    x = InceptionB(name='Mixed_6a')(x)
    for name, c7 in (('Mixed_6b', 128), ('Mixed_6c', 160), ('Mixed_6d', 160),
                     ('Mixed_6e', 192)):
      x = InceptionC(c7, name=name)(x)
    x = InceptionD(name='Mixed_7a')(x)
    x = InceptionE(_avg_pool, name='Mixed_7b')(x)
    x = InceptionE(functools.partial(_max_pool, stride=1, pad=1),
                   name='Mixed_7c')(x)
    pool = jnp.mean(x, axis=(1, 2))
    return pool, nn.Dense(NUM_LOGITS, precision=_HIGHEST, name='fc')(pool)


@functools.lru_cache(maxsize=1)
def param_shapes() -> dict[str, tuple[int, ...]]:
  """Every parameter of :class:`FIDInceptionV3` by ``/``-joined path."""
  shapes = jax.eval_shape(FIDInceptionV3().init, jax.random.key(0),
                          jnp.zeros((1, resize.SIZE, resize.SIZE, 3)))
  flat = jax.tree_util.tree_flatten_with_path(shapes['params'])[0]
  return {'/'.join(k.key for k in path): tuple(leaf.shape)
          for path, leaf in flat}


def weights_path(eval_weights: str) -> str:
  """The weight file: ``eval.inception_weights``, else ``$JAXGAN_INCEPTION_
  WEIGHTS``.

  Raises:
    FileNotFoundError: neither names a file, with where to get one.
  """
  path = os.path.expanduser(eval_weights or os.environ.get(WEIGHTS_ENV, ''))
  if path and os.path.isfile(path):
    return path
  where = (f'eval.inception_weights={eval_weights!r}' if eval_weights else
           f'${WEIGHTS_ENV}={path!r}' if path else
           f'neither eval.inception_weights nor ${WEIGHTS_ENV} is set')
  raise FileNotFoundError(
      f'the Inception network needs its weights and {where} is not a file. '
      f'On a machine with network access, download {WEIGHTS_URL} (pytorch-fid'
      "'s weights; jax-fid's inception_v3_weights_fid.pickle or an .npz of "
      'the same state dict also work), copy it here and pass '
      f'--config.eval.inception_weights=PATH or set {WEIGHTS_ENV}=PATH')


def fingerprint(path: str) -> str:
  """A short hash of a weight file's bytes (names cached statistics)."""
  digest = hashlib.sha256()
  with open(path, 'rb') as f:
    for block in iter(lambda: f.read(1 << 20), b''):
      digest.update(block)
  return digest.hexdigest()[:12]


@functools.lru_cache(maxsize=2)
def load_params(path: str) -> Params:
  """Reads a weight file into :class:`FIDInceptionV3`'s parameters.

  Raises:
    ValueError: the file is not a weight file, is truncated, lacks a tensor,
      has one it should not, or one of the wrong shape (each named).
  """
  return weight_files.to_params(weight_files.read(path), param_shapes(),
                                path)


def make_apply(params: Params, protocol: str
               ) -> Callable[[Array], tuple[Array, Array]]:
  """``images (n, H, W, C) in [-1, 1] -> (pool, logits)`` under a resize
  protocol; pure and jittable (``params`` are closed over as arrays)."""
  params = jax.tree.map(jnp.asarray, params)
  module = FIDInceptionV3()

  def apply(x: Array) -> tuple[Array, Array]:
    x = resize.preprocess((x + 1.0) / 2.0, protocol)
    return module.apply({'params': params}, x)

  return apply
