"""SNGAN's ResNet generator and discriminator (Miyato et al. 2018) and the
projection discriminator (cGAN-PD, Miyato & Koyama 2018) at 32×32, layer for
layer as Mimicry's (``torch_mimicry``, Lee & Town 2020) ``SNGANGenerator32``,
``SNGANDiscriminator32``, ``CGANPDGenerator32`` and
``CGANPDDiscriminator32``, with its names, so that its state dicts load
(:func:`jaxgan.models.load_torch_state_dict`).

G: z -> Dense(4·4·width) -> 3 × :class:`GBlock` (up-sampling) -> batch norm
-> ReLU -> 3×3 conv -> tanh. With labels its blocks' batch norms are
conditional (:class:`ConditionalBatchNorm`, Mimicry's embedding of scale and
shift). D: :class:`OptimizedBlock` (down-sampling) -> :class:`DBlock`
(down-sampling) -> 2 × :class:`DBlock` -> ReLU -> global sum pooling ->
Dense(1), plus the projection ``<embed(y), h>`` with labels; D's layers are
spectrally normalised as PyTorch does (``norm='spectral'``), or plain
(``norm='none'``). Layers compute as PyTorch's
(:mod:`jaxgan.models.torch_layers`): bilinear up-sampling, PyTorch's
initialisation, batch norm's unbiased running variance, one power iteration
per training-mode call.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models import torch_layers as tl
from jaxgan.types import Array

# The images' side, and that of G's first feature map.
SIDE, BOTTOM = 32, 4
# D's model.d_norm: its layers spectrally normalised as Mimicry's, or plain.
D_NORMS = ('spectral', 'none')


class ConditionalBatchNorm(nn.Module):
  """Mimicry's ``ConditionalBatchNorm2d``: batch norm without its own
  scale and shift, then ``gamma * x + beta`` from one embedding of the
  label (``embed``: scale N(1, 0.02), shift 0)."""
  num_classes: int

  @nn.compact
  def __call__(self, x: Array, y: Array, train: bool) -> Array:
    c = x.shape[-1]
    x = tl.BatchNorm(affine=False, name='bn')(x, train)

    def init(key, shape, dtype=jnp.float32):
      scale = 1.0 + 0.02 * jax.random.normal(key, (shape[0], c), dtype)
      return jnp.concatenate([scale, jnp.zeros((shape[0], c), dtype)], 1)

    both = tl.Embed(self.num_classes, 2 * c, init=init, name='embed')(
        y, train)
    return both[:, None, None, :c] * x + both[:, None, None, c:]


class GBlock(nn.Module):
  """Mimicry's ``GBlock`` (up-sampling): BN -> ReLU -> up -> conv 3×3 -> BN
  -> ReLU -> conv 3×3, plus up -> conv 1×1 on the shortcut."""
  features: int
  num_classes: int = 0

  @nn.compact
  def __call__(self, x: Array, train: bool, y: Array | None = None
               ) -> Array:
    def norm(name, h):
      if y is None:
        return tl.BatchNorm(name=name)(h, train)
      return ConditionalBatchNorm(self.num_classes, name=name)(h, y, train)

    gain = math.sqrt(2.0)
    h = nn.relu(norm('b1', x))
    h = tl.Conv(self.features, 3, gain, name='c1')(tl.upsample(h), train)
    h = nn.relu(norm('b2', h))
    h = tl.Conv(self.features, 3, gain, name='c2')(h, train)
    return h + tl.Conv(self.features, 1, name='c_sc')(tl.upsample(x), train)


class DBlock(nn.Module):
  """Mimicry's ``DBlock``: ReLU -> conv 3×3 -> ReLU -> conv 3×3 (->
  average pool), plus conv 1×1 (-> average pool) on the shortcut where the
  channels change or it down-samples. Its first ReLU is in place, so the
  shortcut sees the rectified input too (in the Chainer original it sees
  the input)."""
  features: int
  downsample: bool
  spectral: str

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    gain = math.sqrt(2.0)
    x = nn.relu(x)
    h = tl.Conv(x.shape[-1], 3, gain, self.spectral, name='c1')(x, train)
    h = tl.Conv(self.features, 3, gain, self.spectral, name='c2')(
        nn.relu(h), train)
    if self.downsample:
      h = tl.avg_pool(h)
    if x.shape[-1] != self.features or self.downsample:
      x = tl.Conv(self.features, 1, 1.0, self.spectral, name='c_sc')(x, train)
      if self.downsample:
        x = tl.avg_pool(x)
    return h + x


class OptimizedBlock(nn.Module):
  """Mimicry's ``DBlockOptimized``, D's first block: conv 3×3 -> ReLU ->
  conv 3×3 -> average pool, plus average pool -> conv 1×1."""
  features: int
  spectral: str

  @nn.compact
  def __call__(self, x: Array, train: bool) -> Array:
    gain = math.sqrt(2.0)
    h = tl.Conv(self.features, 3, gain, self.spectral, name='c1')(x, train)
    h = tl.Conv(self.features, 3, gain, self.spectral, name='c2')(
        nn.relu(h), train)
    shortcut = tl.Conv(self.features, 1, 1.0, self.spectral, name='c_sc')(
        tl.avg_pool(x), train)
    return tl.avg_pool(h) + shortcut


class ResNetGenerator(nn.Module):
  """SNGAN's (cGAN-PD's, with labels) 32×32 ResNet generator; ``width`` is
  Mimicry's ``ngf`` (256)."""
  out_shape: tuple[int, ...]
  width: int = 256
  num_classes: int = 0

  def __post_init__(self):
    if tuple(self.out_shape[:2]) != (SIDE, SIDE):
      raise ValueError(
          "model.name='sngan' and 'cgan_pd' are SNGAN's 32x32 networks, and "
          f'the data holds {self.out_shape[0]}x{self.out_shape[1]} images; '
          'use 32x32 data (data.name=digits32, cifar10, or folder: with '
          'data.image_size=32)')
    super().__post_init__()

  @nn.compact
  def __call__(self, z: Array, train: bool, y: Array | None = None
               ) -> Array:
    h = tl.Dense(BOTTOM * BOTTOM * self.width, name='l1')(z, train)
    # PyTorch's view to (N, C, 4, 4), as NHWC.
    h = h.reshape(z.shape[0], self.width, BOTTOM, BOTTOM).transpose(
        0, 2, 3, 1)
    for k in (2, 3, 4):
      h = GBlock(self.width, self.num_classes, name=f'block{k}')(h, train, y)
    h = nn.relu(tl.BatchNorm(name='b5')(h, train))
    return jnp.tanh(tl.Conv(self.out_shape[-1], 3, name='c5')(h, train))


class ResNetDiscriminator(nn.Module):
  """SNGAN's 32×32 ResNet discriminator, the projection discriminator with
  labels; ``width`` is Mimicry's ``ndf`` (128), ``norm`` one of
  :data:`D_NORMS`."""
  width: int = 128
  norm: str = 'spectral'
  num_classes: int = 0

  def __post_init__(self):
    if self.norm not in D_NORMS:
      raise ValueError(f'model.d_norm={self.norm!r}: the ResNet '
                       "discriminator of model.name='sngan' and 'cgan_pd' "
                       f'is spectrally normalised or plain; use one of '
                       f'{list(D_NORMS)}')
    super().__post_init__()

  @nn.compact
  def __call__(self, x: Array, train: bool, y: Array | None = None) -> Array:
    spectral = 'pytorch' if self.norm == 'spectral' else 'none'
    h = OptimizedBlock(self.width, spectral, name='block1')(x, train)
    h = DBlock(self.width, True, spectral, name='block2')(h, train)
    h = DBlock(self.width, False, spectral, name='block3')(h, train)
    h = DBlock(self.width, False, spectral, name='block4')(h, train)
    h = jnp.sum(nn.relu(h), axis=(1, 2))
    if y is None:
      return tl.Dense(1, spectral=spectral, name='l5')(h, train)[:, 0]
    # cGAN-PD's last layer and class embedding: Mimicry's own spectral norm.
    last = 'mimicry' if spectral != 'none' else 'none'
    logit = tl.Dense(1, spectral=last, name='l5')(h, train)[:, 0]
    embed = tl.Embed(self.num_classes, self.width, last, name='l_y')
    return logit + jnp.sum(embed(y, train) * h, axis=-1)
