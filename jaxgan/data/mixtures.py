"""The built-in 2-D Gaussian mixtures: ``ring8``, ``grid25`` and
``ring8_turned``."""

import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.data.dataset import Dataset, unlabelled
from jaxgan.types import Array, PRNGKey


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
  return Dataset(name, 'points', (modes.shape[1],), unlabelled(labelled),
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
