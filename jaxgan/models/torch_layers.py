"""Layers computed as PyTorch computes them, so that networks written after
a PyTorch reference (:mod:`jaxgan.models.resnet`) give its numbers and load
its weights (:mod:`jaxgan.models.torch_weights`).

* :func:`spectral_normed`: ``torch.nn.utils.spectral_norm`` (Miyato et al.
  2018) around a convolution, a dense layer or an embedding. The weight is
  kept as PyTorch keeps ``weight_orig``; its vectors ``u`` (outputs) and
  ``v`` (inputs) as ``weight_u``, ``weight_v`` in the ``batch_stats``
  collection. A training-mode call runs one power iteration on the weight as
  a ``(out, in * kh * kw)`` matrix and stores the new vectors; an evaluation
  call uses them as stored. σ = uᵀ W v with u and v held constant, so the
  gradient reaches W through σ as PyTorch's does.
* Mimicry's own spectral norm (``torch_mimicry/modules/spectral_norm.py``,
  which cGAN-PD's last layer and class embedding use; its ``modules``
  package exports it under the names of the wrappers around PyTorch's):
  ``weight`` itself is the parameter; ``sn_u`` (``(1, out)``) and
  ``sn_sigma`` are kept. Every call, in evaluation too, runs one power
  iteration from the stored ``sn_u``; a training-mode call stores the new
  ``sn_u`` and σ.
* :class:`BatchNorm`: ``torch.nn.BatchNorm2d``: batch statistics in
  training (biased variance), the running variance updated with the
  unbiased one, momentum 0.1, eps 1e-5.
* :func:`upsample`: ``F.interpolate(scale_factor=2, mode='bilinear',
  align_corners=False)``.

Images are NHWC here and NCHW in PyTorch; a convolution's kernel is
``(kh, kw, in, out)`` here and ``(out, in, kh, kw)`` there.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models import conv
from jaxgan.types import Array

# How a layer is spectrally normalised: not, as torch.nn.utils.spectral_norm
# does, or as Mimicry's own SpectralNorm does (see the module docstring).
SPECTRAL = ('none', 'pytorch', 'mimicry')
# PyTorch's spectral_norm and BatchNorm2d defaults.
SN_EPS = 1e-12
BN_EPS = 1e-5
BN_MOMENTUM = 0.1


def xavier_uniform(gain: float) -> nn.initializers.Initializer:
  """``torch.nn.init.xavier_uniform_(w, gain)`` for a kernel whose last two
  axes are (in, out) and whose leading axes are spatial."""
  return nn.initializers.variance_scaling(gain ** 2, 'fan_avg', 'uniform')


def fan_in_uniform(fan_in: int) -> nn.initializers.Initializer:
  """PyTorch's default bias of a convolution or a linear layer:
  U(-1/√fan_in, 1/√fan_in)."""
  bound = 1.0 / math.sqrt(fan_in)
  return lambda key, shape, dtype=jnp.float32: jax.random.uniform(
      key, shape, dtype, -bound, bound)


def _normalise(x: Array) -> Array:
  """``F.normalize(x, dim=0, eps=1e-12)``."""
  return x / jnp.maximum(jnp.linalg.norm(x), SN_EPS)


class Conv(nn.Module):
  """``nn.Conv2d(in, features, size, 1, padding=size // 2)`` (stride 1),
  optionally spectrally normalised; ``kernel`` is ``(kh, kw, in, out)``.

  Attributes:
    features: output channels.
    size: the kernel's side.
    gain: the Xavier-uniform gain of its initial kernel.
    spectral: one of :data:`SPECTRAL`.
  """
  features: int
  size: int = 3
  gain: float = 1.0
  spectral: str = 'none'

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    fan_in = x.shape[-1] * self.size ** 2
    kernel = self.param('kernel', xavier_uniform(self.gain),
                        (self.size, self.size, x.shape[-1], self.features))
    bias = self.param('bias', fan_in_uniform(fan_in), (self.features,))
    # PyTorch's matrix is (out, in * kh * kw), in its order.
    kernel = spectral_normed(
        self, kernel, lambda k: k.transpose(3, 2, 0, 1).reshape(
            self.features, -1), train, self.spectral)
    pad = self.size // 2
    y = conv.conv(x, kernel, (1, 1), [(pad, pad), (pad, pad)],
                  precision=jax.lax.Precision.HIGHEST)
    return y + bias


class Dense(nn.Module):
  """``nn.Linear(in, features)``, spectrally normalised as ``spectral``
  says (:data:`SPECTRAL`); ``kernel`` is ``(in, out)``."""
  features: int
  gain: float = 1.0
  spectral: str = 'none'

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    kernel = self.param('kernel', xavier_uniform(self.gain),
                        (x.shape[-1], self.features))
    bias = self.param('bias', fan_in_uniform(x.shape[-1]), (self.features,))
    kernel = spectral_normed(self, kernel, lambda k: k.T, train,
                             self.spectral)
    return _dot(x, kernel) + bias


class Embed(nn.Module):
  """``nn.Embedding(num, features)``, spectrally normalised as ``spectral``
  says (a ``(num, features)`` matrix, as PyTorch's ``dim=0``); initialised
  Xavier-uniform unless given ``init``."""
  num: int
  features: int
  spectral: str = 'none'
  init: nn.initializers.Initializer | None = None

  @nn.compact
  def __call__(self, y: Array, train: bool) -> Array:
    table = self.param('embedding', self.init or xavier_uniform(1.0),
                       (self.num, self.features))
    table = spectral_normed(self, table, lambda t: t, train, self.spectral)
    return table[y]


def _dot(a: Array, b: Array) -> Array:
  return jnp.dot(a, b, precision=jax.lax.Precision.HIGHEST)


def _power_iteration(w: Array, u: Array) -> tuple[Array, Array]:
  """One power iteration from ``u``: ``(u, v)`` with ``v = normalise(Wᵀu)``
  and ``u = normalise(Wv)``, as both spectral norms compute it."""
  v = _normalise(_dot(w.T, u))
  return _normalise(_dot(w, v)), v


def spectral_normed(module: nn.Module, weight: Array, as_matrix,
                    train: bool, kind: str) -> Array:
  """``weight / σ`` as ``kind`` (:data:`SPECTRAL`) computes it, from
  inside ``module`` (see the module docstring): ``as_matrix(weight)`` is
  PyTorch's ``(out, in * ...)`` matrix; ``'none'`` returns ``weight``. u
  and v are constants to the gradient, which reaches the weight through
  σ."""
  if kind == 'none':
    return weight
  w = as_matrix(weight)
  w_const = jax.lax.stop_gradient(w)
  key = module.make_rng('params') if module.is_initializing() else None
  if kind == 'mimicry':
    u = module.variable('batch_stats', 'sn_u', lambda: jax.random.normal(
        key, (1, w.shape[0])))
    stored = module.variable('batch_stats', 'sn_sigma', jnp.ones, (1,))
    new_u, v = _power_iteration(w_const, u.value[0])
    sigma = _dot(new_u, _dot(w, v))
    if train and not module.is_initializing():
      u.value, stored.value = new_u[None], jax.lax.stop_gradient(sigma)[None]
    return weight / sigma
  u = module.variable('batch_stats', 'u', lambda: _normalise(
      jax.random.normal(key, (w.shape[0],))))
  v = module.variable('batch_stats', 'v', lambda: _normalise(
      jax.random.normal(jax.random.fold_in(key, 1), (w.shape[1],))))
  if train and not module.is_initializing():
    u.value, v.value = _power_iteration(w_const, u.value)
  return weight / _dot(u.value, _dot(w, v.value))


class BatchNorm(nn.Module):
  """``nn.BatchNorm2d`` (see the module docstring) over every axis but the
  last; ``affine=False`` leaves out ``scale`` and ``bias``."""
  affine: bool = True

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    c = x.shape[-1]
    mean = self.variable('batch_stats', 'mean', jnp.zeros, (c,))
    var = self.variable('batch_stats', 'var', jnp.ones, (c,))
    axes = tuple(range(x.ndim - 1))
    if train:
      mu = jnp.mean(x, axes)
      sq = jnp.mean(jnp.square(x - mu), axes)
      if not self.is_initializing():
        n = math.prod(x.shape[:-1])
        mean.value = (1 - BN_MOMENTUM) * mean.value + BN_MOMENTUM * mu
        var.value = ((1 - BN_MOMENTUM) * var.value
                     + BN_MOMENTUM * sq * n / max(n - 1, 1))
    else:
      mu, sq = mean.value, var.value
    y = (x - mu) * jax.lax.rsqrt(sq + BN_EPS)
    if self.affine:
      y = (y * self.param('scale', nn.initializers.ones, (c,))
           + self.param('bias', nn.initializers.zeros, (c,)))
    return y


def upsample(x: Array) -> Array:
  """Twice the height and width, bilinear with half-pixel centres
  (PyTorch's ``align_corners=False``; the border repeats its edge)."""
  b, h, w, c = x.shape
  return jax.image.resize(x, (b, 2 * h, 2 * w, c), 'bilinear',
                          antialias=False)


def avg_pool(x: Array) -> Array:
  """``F.avg_pool2d(x, 2)``."""
  return nn.avg_pool(x, (2, 2), (2, 2))
