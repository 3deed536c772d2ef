"""Built-in datasets, sampled inside jit.

Every dataset is a :class:`Dataset`: a pure ``sample(key, batch_size)`` that
runs inside the compiled train step, plus what the evaluation needs (the
mixture's modes and standard deviation for 2-D data).

Example:
  >>> ds = make_dataset('ring8')
  >>> ds.sample(jax.random.key(0), 4).shape
  (4, 2)
"""

import functools
import itertools
from typing import Callable, NamedTuple, Optional

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.types import Array, PRNGKey


class Dataset(NamedTuple):
  """A dataset that can be sampled inside jit.

  Attributes:
    name: registry name.
    kind: ``'points'`` (2-D mixtures) or ``'images'`` (NHWC in [-1, 1]).
    shape: shape of one example.
    sample: ``(key, batch_size) -> array of shape (batch_size, *shape)``.
    modes: mixture means, shape ``(num_modes, 2)``; None for images.
    std: standard deviation of every mixture component; None for images.
  """
  name: str
  kind: str
  shape: tuple[int, ...]
  sample: Callable[[PRNGKey, int], Array]
  modes: Optional[np.ndarray] = None
  std: Optional[float] = None


def _sample_mixture(key: PRNGKey, batch_size: int, modes: Array,
                    std: float) -> Array:
  k_mode, k_noise = jax.random.split(key)
  idx = jax.random.randint(k_mode, (batch_size,), 0, modes.shape[0])
  noise = jax.random.normal(k_noise, (batch_size, modes.shape[1]))
  return modes[idx] + std * noise


def mixture(name: str, modes: np.ndarray, std: float) -> Dataset:
  """An equal-weight isotropic Gaussian mixture in 2-D."""
  modes = np.asarray(modes, np.float32)
  sample = functools.partial(_sample_mixture, modes=jnp.asarray(modes), std=std)
  return Dataset(name, 'points', (modes.shape[1],), sample, modes, std)


def ring8() -> Dataset:
  """8 modes evenly spaced on the unit circle, std 0.01."""
  angles = 2 * np.pi * np.arange(8) / 8
  return mixture('ring8', np.stack([np.cos(angles), np.sin(angles)], 1), 0.01)


def grid25() -> Dataset:
  """25 modes at {-4, -2, 0, 2, 4}^2, std 0.05."""
  axis = (-4.0, -2.0, 0.0, 2.0, 4.0)
  return mixture('grid25', np.array(list(itertools.product(axis, axis))), 0.05)


def images(name: str, x: np.ndarray) -> Dataset:
  """A small image set held on device; batches are gathered inside jit.

  Args:
    name: registry name.
    x: images, NHWC, float in [-1, 1].
  """
  data = jnp.asarray(x, jnp.float32)

  def sample(key, batch_size):
    return data[jax.random.randint(key, (batch_size,), 0, data.shape[0])]

  return Dataset(name, 'images', tuple(x.shape[1:]), sample)


def digits() -> Dataset:
  """sklearn's bundled 8x8 handwritten digits (1,797 images, no download)."""
  from sklearn.datasets import load_digits
  x = load_digits().images.astype(np.float32)[..., None] / 16.0
  return images('digits', 2.0 * x - 1.0)


class DatasetInfo(NamedTuple):
  """What is known about a registered dataset before it is loaded."""
  kind: str
  shape: tuple[int, ...]
  build: Callable[[], Dataset]


DATASETS = {
    'ring8': DatasetInfo('points', (2,), ring8),
    'grid25': DatasetInfo('points', (2,), grid25),
    'digits': DatasetInfo('images', (8, 8, 1), digits),
}


def make_dataset(name: str) -> Dataset:
  """Builds the dataset registered under ``name``."""
  if name not in DATASETS:
    raise ValueError(
        f'data.name={name!r} is not a dataset; choose one of {sorted(DATASETS)}')
  return DATASETS[name].build()
