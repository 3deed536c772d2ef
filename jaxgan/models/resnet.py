"""SNGAN's ResNet generator and discriminator (Miyato et al. 2018) and the
projection discriminator (cGAN-PD, Miyato & Koyama 2018) at 32×32 and
48×48, layer for layer as Mimicry's (``torch_mimicry``, Lee & Town 2020)
``SNGANGenerator32``/``48``, ``SNGANDiscriminator32``/``48``,
``CGANPDGenerator32`` and ``CGANPDDiscriminator32``, with its names, so
that its state dicts load (:func:`jaxgan.models.load_torch_state_dict`).
The images' side picks the network, as Mimicry's class names do.

G: z -> Dense(b·b·width) -> 3 × :class:`GBlock` (up-sampling) -> batch norm
-> ReLU -> 3×3 conv -> tanh, from b = 4 at 32×32 (every block ``width``
channels) or b = 6 at 48×48 (the blocks halve the channels: width/2,
width/4, width/8). With labels its blocks' batch norms are conditional
(:class:`ConditionalBatchNorm`, Mimicry's embedding of scale and shift).
D at 32×32: :class:`OptimizedBlock` (down-sampling) -> :class:`DBlock`
(down-sampling) -> 2 × :class:`DBlock`, every block ``width`` channels; at
48×48: :class:`OptimizedBlock` (width/16) -> 3 down-sampling
:class:`DBlock` (width/8, /4, /2) -> :class:`DBlock` (width); then ReLU ->
global sum pooling -> Dense(1), plus the projection ``<embed(y), h>`` with
labels; D's layers are
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

# The images' sides the networks are defined for -> the side of G's first
# feature map.
BOTTOM = {32: 4, 48: 6}
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


def check_side(shape: tuple[int, ...]) -> int:
  """The side of square images of ``shape`` the networks are defined for.

  Raises:
    ValueError: naming the images' size and the data that fits.
  """
  side = shape[0]
  if side != shape[1] or side not in BOTTOM:
    raise ValueError(
        "model.name='sngan' and 'cgan_pd' are SNGAN's 32x32 and 48x48 "
        f'networks, and the data holds {shape[0]}x{shape[1]} images; use '
        '32x32 data (data.name=digits32, cifar10, celeb_a, or folder: with '
        'data.image_size=32) or 48x48 (stl10, data.image_size=48)')
  return side


class ResNetGenerator(nn.Module):
  """SNGAN's (cGAN-PD's, with labels) ResNet generator for the side of
  ``out_shape``; ``width`` is Mimicry's ``ngf`` (256 at 32×32, 512 at
  48×48)."""
  out_shape: tuple[int, ...]
  width: int = 256
  num_classes: int = 0

  def __post_init__(self):
    check_side(tuple(self.out_shape))
    super().__post_init__()

  @nn.compact
  def __call__(self, z: Array, train: bool, y: Array | None = None
               ) -> Array:
    side = self.out_shape[0]   # checked in __post_init__
    bottom = BOTTOM[side]
    h = tl.Dense(bottom * bottom * self.width, name='l1')(z, train)
    # PyTorch's view to (N, C, b, b), as NHWC.
    h = h.reshape(z.shape[0], self.width, bottom, bottom).transpose(
        0, 2, 3, 1)
    for k in (2, 3, 4):
      # At 48x48 block k has width >> (k - 1) channels.
      features = self.width >> (k - 1) if side == 48 else self.width
      h = GBlock(features, self.num_classes, name=f'block{k}')(h, train, y)
    h = nn.relu(tl.BatchNorm(name='b5')(h, train))
    return jnp.tanh(tl.Conv(self.out_shape[-1], 3, name='c5')(h, train))


class ResNetDiscriminator(nn.Module):
  """SNGAN's ResNet discriminator for the side of the images it is given,
  the projection discriminator with labels; ``width`` is Mimicry's ``ndf``
  (128 at 32×32, 1024 at 48×48), ``norm`` one of :data:`D_NORMS`."""
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
    if check_side(x.shape[1:3]) == 32:
      blocks = ((self.width, True), (self.width, False), (self.width, False))
      first = self.width
    else:
      blocks = ((self.width >> 3, True), (self.width >> 2, True),
                (self.width >> 1, True), (self.width, False))
      first = self.width >> 4
    h = OptimizedBlock(first, spectral, name='block1')(x, train)
    for k, (features, down) in enumerate(blocks, 2):
      h = DBlock(features, down, spectral, name=f'block{k}')(h, train)
    h = jnp.sum(nn.relu(h), axis=(1, 2))
    if y is None:
      return tl.Dense(1, spectral=spectral, name='l5')(h, train)[:, 0]
    # cGAN-PD's last layer and class embedding: Mimicry's own spectral norm.
    last = 'mimicry' if spectral != 'none' else 'none'
    logit = tl.Dense(1, spectral=last, name='l5')(h, train)[:, 0]
    embed = tl.Embed(self.num_classes, self.width, last, name='l_y')
    return logit + jnp.sum(embed(y, train) * h, axis=-1)
