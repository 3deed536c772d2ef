"""The label-free feature space: FID in it worsens steadily as held-out
images get noisier, blurrier or lose digits."""

import jax.numpy as jnp
import numpy as np
import pytest
from ml_collections import ConfigDict
from scipy import ndimage

from jaxgan import data, metrics
from jaxgan.metrics import autoencoder


@pytest.fixture(scope='module')
def unlabelled(tmp_path_factory):
  digits = data.digits()
  dataset = data.arrays('digits_unlabelled', digits.train.x,
                        test=digits.test.x)
  net = autoencoder.autoencoder(dataset, str(tmp_path_factory.mktemp('ae')),
                                None)
  evaluator = metrics.image_evaluator(net, dataset, ConfigDict(dict(
      nearest_k=3, kid_subset=100, kid_subsets=10)), 500)
  return digits, net, evaluator


def _fid(evaluator, x):
  return float(evaluator.measure(jnp.asarray(x, jnp.float32))['fid'])


def test_fid_worsens_with_noise_blur_and_lost_digits(unlabelled):
  digits, net, evaluator = unlabelled
  assert net.num_classes == 0 and net.details['test_mse'] < 0.1
  assert set(evaluator.floor) == {'fid', 'kid', 'kid_std', 'precision',
                                  'recall'}
  test = data.to_unit(digits.test.x)
  rng = np.random.default_rng(0)
  floor = evaluator.floor['fid']
  noisy = [_fid(evaluator, np.clip(test + s * rng.standard_normal(
      test.shape), -1, 1)) for s in (0.2, 0.4)]
  blurred = [_fid(evaluator, ndimage.gaussian_filter(test, (0, r, r, 0)))
             for r in (0.5, 1.0)]
  fewer = [_fid(evaluator, np.resize(test[digits.test.labels < k],
                                     test.shape)) for k in (5, 2)]
  for worse in (noisy, blurred, fewer):
    assert [floor] + worse == sorted([floor] + worse)
    assert worse[-1] > 3 * floor


def test_unlabelled_images_get_the_autoencoder_by_default(tmp_path):
  from jaxgan import config, validation
  digits = data.digits()
  name = data.from_arrays(digits.train.x, test=digits.test.x,
                          name='faces')
  cfg = config.get_config()
  cfg.data.name = name
  cfg.model.update(name='dcgan', depth=2)
  validation.validate(cfg)
  assert metrics.features.resolve(cfg.eval.features,
                                  data.for_config(cfg)) == 'autoencoder'
  cfg.eval.features = 'classifier'
  with pytest.raises(ValueError, match="eval.features='classifier' learns "
                     'from labels'):
    validation.validate(cfg)
