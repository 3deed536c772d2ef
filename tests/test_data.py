import jax
import numpy as np
import pytest

from jaxgan import data


@pytest.mark.parametrize('name', sorted(data.DATASETS))
def test_registry_matches_what_is_built(name):
  info = data.DATASETS[name]
  ds = data.make_dataset(name)
  x = jax.jit(ds.sample, static_argnums=1)(jax.random.key(0), 32)
  assert (ds.kind, ds.shape) == (info.kind, info.shape)
  assert x.shape == (32,) + info.shape
  assert np.all(np.isfinite(x))


def test_ring8_modes_and_spread():
  ds = data.make_dataset('ring8')
  np.testing.assert_allclose(np.linalg.norm(ds.modes, axis=1), 1.0, rtol=1e-6)
  assert ds.modes.shape == (8, 2) and ds.std == 0.01
  x = np.asarray(ds.sample(jax.random.key(0), 20000))
  dist = np.linalg.norm(x[:, None] - ds.modes[None], axis=-1).min(1)
  # The distance of a 2-D Gaussian sample to its mean is Rayleigh(std).
  np.testing.assert_allclose(np.mean(dist), 0.01 * np.sqrt(np.pi / 2), rtol=0.03)


def test_grid25_modes():
  ds = data.make_dataset('grid25')
  assert ds.modes.shape == (25, 2) and ds.std == 0.05
  assert sorted(set(ds.modes[:, 0])) == [-4.0, -2.0, 0.0, 2.0, 4.0]
  x = np.asarray(ds.sample(jax.random.key(1), 25000))
  nearest = np.argmin(((x[:, None] - ds.modes[None]) ** 2).sum(-1), axis=1)
  counts = np.bincount(nearest, minlength=25)
  assert counts.min() > 850 and counts.max() < 1150  # 1000 each expected


def test_digits_are_bundled_images_in_range():
  ds = data.make_dataset('digits')
  x = np.asarray(ds.sample(jax.random.key(0), 500))
  assert ds.shape == (8, 8, 1)
  assert x.min() >= -1.0 and x.max() <= 1.0 and x.min() < -0.99


def test_unknown_dataset_lists_names():
  with pytest.raises(ValueError, match=r"data.name='cifar'.*digits.*grid25"):
    data.make_dataset('cifar')
