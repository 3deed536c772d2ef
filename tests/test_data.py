import sys

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxgan import data


@pytest.mark.parametrize('name', sorted(data.DATASETS))
def test_registry_matches_what_is_built(name, tmp_path):
  info = data.DATASETS[name]
  if name in data.TFDS:
    with tfds.testing.mock_data(num_examples=8):
      ds = info.build(str(tmp_path), False)
  else:
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


def test_digits_splits_are_fixed_and_disjoint():
  ds = data.make_dataset('digits')
  assert (len(ds.train.x), len(ds.test.x)) == (1297, data.DIGITS_TEST)
  assert ds.num_classes == 10 and set(np.unique(ds.test.labels)) == set(range(10))
  pixels = lambda split: {x.tobytes() + bytes([y]) for x, y in zip(*split)}
  assert len(pixels(ds.train) | pixels(ds.test)) > 1700  # few exact repeats
  assert ds.train.x.dtype == np.uint8 and ds.train.x.max() == 255
  np.testing.assert_array_equal(ds.test.x, data.digits().test.x)


@pytest.mark.parametrize('name', sorted(data.TFDS))
def test_tfds_mock_images_and_labels(name, tmp_path):
  with tfds.testing.mock_data(num_examples=12):
    ds = data.tfds_images(name, str(tmp_path))
    raw = next(iter(tfds.as_numpy(tfds.load(
        name, split='test', data_dir=str(tmp_path), download=False,
        shuffle_files=False).batch(12))))
  assert ds.train.x.shape == (12,) + data.TFDS[name].shape
  assert ds.train.x.dtype == np.uint8 and ds.test.labels.dtype == np.int32
  if name == 'celeb_a':
    attrs = raw['attributes']
    expected = 2 * attrs['Male'].astype(int) + attrs['Smiling'].astype(int)
  else:
    expected = raw['label']
    np.testing.assert_array_equal(ds.test.x, raw['image'])
  np.testing.assert_array_equal(ds.test.labels, expected)
  assert ds.test.labels.max() < ds.num_classes


def test_unprepared_tfds_dataset_says_how_to_prepare_it(tmp_path):
  with pytest.raises(FileNotFoundError,
                     match=r"data.name='mnist' is not prepared.*tfds build mnist"):
    data.tfds_images('mnist', str(tmp_path))


def test_unknown_dataset_lists_names():
  with pytest.raises(ValueError, match=r"data.name='cifar'.*digits.*grid25"):
    data.make_dataset('cifar')


def test_a_tfds_set_without_tensorflow_datasets_names_the_extra(monkeypatch):
  monkeypatch.setitem(sys.modules, 'tensorflow_datasets', None)
  with pytest.raises(ValueError, match=r"data.name='mnist' is read with "
                     r"tensorflow-datasets.*pip install 'jaxgan\[tfds\]'"):
    data.tfds_images('mnist')
