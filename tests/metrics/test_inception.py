"""The FID Inception network against pytorch-fid, its weight files and the
resize protocols against the reference resizers.

``fixtures/`` holds what pytorch-fid's own modules and TensorFlow computed
(``fixtures/make_inception_reference.py`` made them, in an environment with
torch): no torch here.
"""

import os
import pickle
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from PIL import Image

from conftest import FIXTURES, random_inception, tiny_config
from jaxgan import data, metrics, validation
from jaxgan.metrics import inception, resize, weight_files


KEPT = np.r_[0:10, 145:155, 289:299]
REFERENCE = np.load(os.path.join(FIXTURES, 'inception_reference.npz'))


def test_the_reference_features_are_not_degenerate():
  for name in ('pool_large', 'pool_small'):
    spread = REFERENCE[name].std(axis=0)
    assert spread.min() > 0 and np.percentile(spread, 5) > 0.05
    assert 0.1 < REFERENCE[name].mean() < 10


def test_pool_features_and_logits_match_pytorch_fid(inception_weights):
  params = inception.load_params(inception_weights[0])
  images = random_inception.images()
  # 299x299, and 16x16 through pytorch-fid's resize: one program.
  x = jnp.concatenate([resize.preprocess(images[size], 'pytorch')
                       for size in ('large', 'small')])
  pool, logits = jax.jit(inception.FIDInceptionV3().apply)({'params': params},
                                                           x)
  for i, size in enumerate(('large', 'small')):
    for name, got in (('pool', pool), ('logits', logits)):
      want = REFERENCE[f'{name}_{size}']
      error = np.max(np.abs(got[4 * i:4 * i + 4] - want)) / np.max(np.abs(want))
      assert error < 1e-4, (name, size, error)


def test_a_jax_fid_pickle_loads_the_same_parameters(inception_weights,
                                                    tmp_path):
  params = inception.load_params(inception_weights[0])
  path = tmp_path / 'inception_v3_weights_fid.pickle'
  with open(path, 'wb') as f:
    pickle.dump(jax.tree.map(np.asarray, params), f)
  loaded = inception.load_params(str(path))
  jax.tree.map(np.testing.assert_array_equal, loaded, params)


@pytest.mark.parametrize('name', ['small_zip.pth', 'small_legacy.pth'])
def test_pytorch_files_are_read_without_torch(name):
  got = weight_files.read(os.path.join(FIXTURES, name))
  with np.load(os.path.join(FIXTURES, 'small_expected.npz')) as want:
    assert sorted(got) == sorted(want.files)
    for k in want.files:
      assert got[k].dtype == want[k].dtype, k
      np.testing.assert_array_equal(got[k], want[k])


@pytest.mark.parametrize('name', ['small_zip.pth', 'small_legacy.pth'])
def test_a_truncated_pytorch_file_is_named(name, tmp_path):
  data = open(os.path.join(FIXTURES, name), 'rb').read()
  path = tmp_path / name
  path.write_bytes(data[:len(data) - 200])
  with pytest.raises(ValueError, match=rf'{path}: .*(truncated|corrupt)'):
    weight_files.read(str(path))


def test_a_file_of_other_tensors_lacks_the_network(tmp_path):
  path = os.path.join(FIXTURES, 'small_zip.pth')
  with pytest.raises(ValueError, match=r"lacks tensor 'Conv2d_1a_3x3.bn.bias' "
                     r'and 471 more: not a FID Inception weight file'):
    inception.load_params(path)


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
  path = tmp_path / 'evil.pickle'
  with open(path, 'wb') as f:
    pickle.dump(shutil.rmtree, f)
  with pytest.raises(ValueError, match='refusing to load shutil.rmtree'):
    weight_files.read(str(path))


@pytest.mark.parametrize('edit, message', [
    (lambda t: t.pop('Mixed_6b.branch7x7_2.conv.weight'),
     r"lacks tensor 'Mixed_6b.branch7x7_2.conv.weight'"),
    (lambda t: t.update({'Mixed_7c.branch_pool.conv.weight':
                         np.zeros((192, 2048, 3, 3), np.float32)}),
     r"tensor 'Mixed_7c.branch_pool.conv.weight' has shape \(192, 2048, 3, 3\) "
     r'where the network needs \(192, 2048, 1, 1\)'),
    (lambda t: t.update({'AuxLogits.fc.weight': np.zeros(3, np.float32)}),
     r"has tensor 'AuxLogits.fc.weight', which the FID Inception network "
     'does not'),
])
def test_a_wrong_weight_file_names_the_tensor(inception_weights, tmp_path, edit,
                                              message):
  tensors = dict(inception_weights[1])
  edit(tensors)
  path = tmp_path / 'wrong.npz'
  np.savez(path, **tensors)
  with pytest.raises(ValueError, match=message):
    inception.load_params(str(path))


def test_resizes_match_pytorch_and_tensorflow_1():
  image = random_inception.resize_image()[None]
  got = np.asarray(resize.resize(image, 'pytorch'))[0][KEPT][:, KEPT]
  np.testing.assert_allclose(got, REFERENCE['resize_pytorch'], atol=1e-6)
  want = np.load(os.path.join(FIXTURES, 'resize_tf1.npz'))['resize_tf1']
  got = np.asarray(resize.resize(image, 'tf1'))[0][KEPT][:, KEPT]
  np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize('shape', [(12, 20), (400, 350)])
def test_the_clean_resize_is_pil_bicubic_in_float_mode(shape):
  channel = np.random.default_rng(0).uniform(0, 255, shape).astype(np.float32)
  want = np.asarray(Image.fromarray(channel, mode='F').resize(
      (299, 299), Image.BICUBIC))
  got = np.asarray(resize.resize(channel[None, :, :, None], 'clean'))[0, ..., 0]
  np.testing.assert_allclose(got, want, atol=2e-3)


@pytest.mark.parametrize('protocol, lo, hi', [
    ('pytorch', -1.0, 1.0), ('tf1', -1.0, 127 / 128),
    ('clean', -1.0, 127 / 128)])
def test_preprocessing_scales_as_the_references_do(protocol, lo, hi):
  grey = jnp.concatenate([jnp.zeros((1, 8, 8, 1)), jnp.ones((1, 8, 8, 1))])
  x = resize.preprocess(grey, protocol)
  assert x.shape == (2, 299, 299, 3)
  np.testing.assert_allclose(x[0], lo, atol=1e-6)
  np.testing.assert_allclose(x[1], hi, atol=1e-5)
  # clean-fid quantises first: 0.5 -> 128 (round half to even) -> 0.
  if protocol == 'clean':
    np.testing.assert_allclose(resize.preprocess(jnp.full((1, 4, 4, 3), 0.5),
                                                 protocol), 0.0, atol=1e-6)


def test_inception_without_weights_fails_before_compiling(
    tmp_path, monkeypatch, compile_counter):
  monkeypatch.delenv(inception.WEIGHTS_ENV, raising=False)
  cfg = tiny_config('digits')
  cfg.eval.features = 'inception'
  with pytest.raises(FileNotFoundError, match=(
      r'neither eval.inception_weights nor \$JAXGAN_INCEPTION_WEIGHTS is set.*'
      r'pt_inception-2015-12-05-6726825d.pth')):
    validation.validate(cfg)
  cfg.eval.inception_weights = str(tmp_path / 'missing.pth')
  with pytest.raises(FileNotFoundError, match=r'missing.pth.* is not a file'):
    validation.validate(cfg)
  assert compile_counter.count == 0 and not os.listdir(tmp_path)


def test_the_weights_come_from_the_environment(inception_weights, monkeypatch):
  monkeypatch.setenv(inception.WEIGHTS_ENV, inception_weights[0])
  assert inception.weights_path('') == inception_weights[0]
  cfg = tiny_config('digits')
  cfg.eval.features = 'inception'
  validation.validate(cfg)


def few_digits(directory, download):
  """A digits subset small enough to run Inception on in a test."""
  del directory, download
  full = data.digits()
  return data.images('few_digits', data.Split(*(a[:10] for a in full.train)),
                     data.Split(*(a[:10] for a in full.test)), 10)


def test_inception_ranks_a_search_s_members_vmapped(inception_weights):
  data.register_dataset('few_digits', few_digits, kind='images',
                        shape=(8, 8, 1))
  cfg = tiny_config('few_digits')
  cfg.train.eval_samples = 10
  cfg.eval.update(features='inception', inception_weights=inception_weights[0],
                  resize='clean', kid_subset=5, kid_subsets=2)
  validation.validate(cfg)
  ev = metrics.make_metrics(cfg)
  assert ev.protocol == dict(
      network='pt_inception-2015-12-05', resize='clean', n=10,
      reference='few_digits train split (10 images; KID and precision/recall:'
      ' 10 of them)', floor='few_digits test split, 10 images')
  held_out = data.to_unit(few_digits('', False).test.x)
  members = jnp.stack([held_out, -held_out])
  got = jax.jit(jax.vmap(ev.measure))(members)
  # The held-out images are the floor; their negatives score far worse.
  for k, v in ev.floor.items():
    np.testing.assert_allclose(got[k][0], v, rtol=1e-3, atol=1e-4)
  assert got['fid'][1] > 2 * got['fid'][0]


def test_a_legacy_file_runs_no_code_in_its_header(tmp_path):
  path = tmp_path / 'evil_legacy.pth'
  with open(path, 'wb') as f:
    pickle.dump(weight_files.LEGACY_MAGIC, f, protocol=2)
    pickle.dump(shutil.rmtree, f, protocol=2)   # where the version goes
  with pytest.raises(ValueError, match='refusing to load shutil.rmtree'):
    weight_files.read(str(path))
