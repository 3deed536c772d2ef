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


def test_digits32_are_the_digits_scaled_in_three_channels():
  small, big = data.make_dataset('digits'), data.make_dataset('digits32')
  assert big.shape == (32, 32, 3) and big.train.x.dtype == np.uint8
  np.testing.assert_array_equal(big.test.labels, small.test.labels)
  x, x8 = big.train.x.astype(np.float32), small.train.x.astype(np.float32)
  assert np.all(x[..., 0] == x[..., 2])
  # Bilinear 4x with half-pixel centres: each 4x4 block's inner 2x2 is a
  # weighted mean of its 8x8 pixel's neighbourhood, the block means the
  # pixels' (up to rounding and the edges).
  blocks = x[:, 4:-4, 4:-4, 0].reshape(-1, 6, 4, 6, 4).mean((2, 4))
  inner = x8[:, 1:-1, 1:-1, 0]
  assert np.corrcoef(blocks.ravel(), inner.ravel())[0, 1] > 0.97


@pytest.mark.parametrize('name', sorted(data.TFDS))
def test_tfds_mock_images_and_labels(name, tmp_path):
  with tfds.testing.mock_data(num_examples=12):
    ds = data.tfds_images(name, str(tmp_path))
    raw = next(iter(tfds.as_numpy(tfds.load(
        name, split='test', data_dir=str(tmp_path), download=False,
        shuffle_files=False).batch(12))))
  assert ds.train.x.shape == (12,) + data.TFDS[name].shape
  assert ds.train.x.dtype == np.uint8
  if name == 'stl10':
    # The unlabelled split, at 48x48 (each pixel a 2x2 block's mean).
    assert ds.train.labels is None and ds.test.labels is None
    np.testing.assert_allclose(
        ds.test.x, raw['image'].reshape(12, 48, 2, 48, 2, 3).mean((2, 4)),
        atol=0.51)
    return
  assert ds.test.labels.dtype == np.int32
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


def test_array_files_hold_points_or_labelled_images(tmp_path):
  points = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
  np.save(tmp_path / 'p.npy', points)
  ds = data.make_dataset(f'array:{tmp_path}/p.npy')
  assert (ds.kind, ds.shape, ds.num_classes) == ('points', (3,), 0)
  assert (len(ds.train.x), len(ds.test.x)) == (40, 10)
  assert ds.sample_labelled is None
  together = np.concatenate([ds.train.x, ds.test.x])
  np.testing.assert_array_equal(np.sort(together, 0), np.sort(points, 0))
  x = np.asarray(ds.sample(jax.random.key(0), 64))
  assert {tuple(r) for r in x} <= {tuple(r) for r in ds.train.x}
  pixels = np.random.default_rng(1).integers(0, 256, (30, 4, 4),
                                             dtype=np.uint8)
  labels = np.arange(30) % 3
  np.savez(tmp_path / 'i.npz', x=pixels, y=labels, x_test=pixels[:5],
           y_test=labels[:5])
  ds = data.make_dataset(f'array:{tmp_path}/i.npz')
  assert (ds.kind, ds.shape, ds.num_classes) == ('images', (4, 4, 1), 3)
  assert len(ds.train.x) == 30 and len(ds.test.x) == 5
  x, y = ds.sample_labelled(jax.random.key(2), 8)
  assert x.shape == (8, 4, 4, 1) and y.dtype == np.int32
  assert float(x.min()) >= -1 and float(x.max()) <= 1


@pytest.mark.parametrize('content, message', [
    (np.zeros((0, 2)), 'expected examples of shape'),
    (np.array([[0.0, np.nan]]), r'non-finite value nan at index \(0, 1\)'),
    (np.zeros((5, 4, 4, 2)), r'images must be \(n, h, w\) or \(n, h, w, 1\|3\)'),
    (np.full((5, 4, 4), 3.0), r'uint8, or floats in \[0, 1\]'),
    (np.zeros((2, 2)), 'too few to hold out a test split'),
])
def test_bad_array_files_are_named(tmp_path, content, message):
  path = tmp_path / 'bad.npy'
  np.save(path, content)
  with pytest.raises(ValueError, match=f"dataset 'array:.*bad.npy'.*{message}"):
    data.make_dataset(f'array:{path}')


def test_bad_npz_and_missing_files_are_named(tmp_path):
  np.savez(tmp_path / 'k.npz', points=np.zeros((5, 2)))
  with pytest.raises(ValueError, match=r"k.npz.*holds \['points'\]"):
    data.make_dataset(f'array:{tmp_path}/k.npz')
  with pytest.raises(ValueError, match='no file'):
    data.make_dataset(f'array:{tmp_path}/none.npy')
  (tmp_path / 'text.npy').write_text('not numpy')
  with pytest.raises(ValueError, match='cannot read'):
    data.make_dataset(f'array:{tmp_path}/text.npy')
  np.savez(tmp_path / 'y.npz', x=np.zeros((5, 2)), y=np.arange(4))
  with pytest.raises(ValueError, match=r'labels y must be 5 non-negative'):
    data.make_dataset(f'array:{tmp_path}/y.npz')
  np.savez(tmp_path / 't.npz', x=np.zeros((5, 2)), x_test=np.zeros((5, 3)))
  with pytest.raises(ValueError, match=r'test split holds points of shape '
                     r'\(3,\)'):
    data.make_dataset(f'array:{tmp_path}/t.npz')


def test_image_folders_with_class_subfolders(tmp_path):
  from PIL import Image
  rng = np.random.default_rng(0)
  for k, name in enumerate(('cat', 'dog')):
    (tmp_path / name).mkdir()
    for i in range(5):
      Image.fromarray(rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)).save(
          tmp_path / name / f'{i}.{("png", "jpg")[k]}')
  ds = data.make_dataset(f'folder:{tmp_path}', image_size=8)
  assert (ds.kind, ds.shape, ds.num_classes) == ('images', (8, 8, 3), 2)
  labels = np.concatenate([ds.train.labels, ds.test.labels])
  assert sorted(labels.tolist()) == [0] * 5 + [1] * 5


def test_bad_image_folders_are_named(tmp_path):
  from PIL import Image
  with pytest.raises(ValueError, match='no images'):
    data.make_dataset(f'folder:{tmp_path}')
  Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / 'a.png')
  (tmp_path / 'b.png').write_bytes(b'not a png')
  with pytest.raises(ValueError, match=r"cannot read image '.*b.png'"):
    data.make_dataset(f'folder:{tmp_path}')
  (tmp_path / 'b.png').unlink()
  (tmp_path / 'cls').mkdir()
  with pytest.raises(ValueError, match='both images .* and class folders'):
    data.make_dataset(f'folder:{tmp_path}')


def test_from_arrays_registers_and_replaces():
  x = np.random.default_rng(0).normal(size=(20, 2))
  assert data.from_arrays(x, test=x[:4] + 1, name='mine') == 'mine'
  first = data.make_dataset('mine')
  assert len(first.train.x) == 20
  np.testing.assert_allclose(first.test.x, x[:4] + 1, rtol=1e-6)
  data.from_arrays(x[:10], name='mine')
  assert len(data.make_dataset('mine').train.x) == 8


def test_a_registered_build_is_checked():
  data.register_dataset('wrong', lambda d, dl: 'not a dataset')
  with pytest.raises(ValueError, match="data.name='wrong': its build "
                     'returned str'):
    data.make_dataset('wrong')
  data.register_dataset(
      'shifty', lambda d, dl: data.arrays('shifty', np.zeros((10, 3))),
      kind='points', shape=(2,))
  with pytest.raises(ValueError, match=r"registered with shape \(2,\) but "
                     r'builds \(3,\)'):
    data.make_dataset('shifty')


def test_a_dataset_named_by_import_path(tmp_path, monkeypatch):
  (tmp_path / 'my_points.py').write_text(
      'import numpy as np\n'
      'from jaxgan import data\n'
      "INFO = data.DatasetInfo('points', (2,), lambda d, dl: data.arrays(\n"
      "    'mine', np.arange(20.0).reshape(10, 2)))\n")
  monkeypatch.syspath_prepend(str(tmp_path))
  ds = data.make_dataset('my_points:INFO')
  assert (ds.kind, ds.shape, len(ds.train.x)) == ('points', (2,), 8)
  assert data.describe('my_points:INFO') == ('points', (2,))
