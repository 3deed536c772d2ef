import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import config, data, metrics, validation
from conftest import tiny_config


@pytest.fixture(scope='module')
def digits():
  cfg = tiny_config('digits')
  cfg.train.eval_samples = 300
  return cfg, metrics.make_metrics(cfg), data.for_config(cfg)


def test_the_floor_is_near_perfect(digits):
  _, ev, _ = digits
  assert ev.num_samples == 300
  assert set(ev.floor) == set(metrics.images.DIRECTIONS)
  assert ev.floor['classes'] == 10.0 and ev.floor['class_kl'] < 0.05
  assert ev.floor['precision'] > 0.8 and ev.floor['recall'] > 0.8
  assert ev.floor['inception_score'] > 8.0


def test_noise_scores_far_above_the_floor(digits):
  _, ev, _ = digits
  noise = jax.random.uniform(jax.random.key(0), (300, 8, 8, 1), minval=-1)
  got = jax.jit(ev.measure)(noise)
  assert float(got['fid']) > 20 * ev.floor['fid']
  assert float(got['kid']) > 20 * ev.floor['kid']
  assert float(got['precision']) < 0.1


def test_only_the_first_num_samples_are_measured(digits):
  _, ev, ds = digits
  real = jnp.asarray(data.to_unit(ds.test.x[:300]))
  padded = jnp.concatenate([real, -jnp.ones((200, 8, 8, 1))])
  a, b = jax.jit(ev.measure)(real), jax.jit(ev.measure)(padded)
  for k in a:
    np.testing.assert_allclose(a[k], b[k], rtol=1e-6)


def test_measure_vmaps_over_members(digits):
  _, ev, ds = digits
  real = jnp.asarray(data.to_unit(ds.test.x[:300]))
  noise = jax.random.uniform(jax.random.key(0), real.shape, minval=-1)
  batched = jax.jit(jax.vmap(ev.measure))(jnp.stack([real, noise]))
  for i, x in enumerate((real, noise)):
    one = jax.jit(ev.measure)(x)
    for k in one:
      np.testing.assert_allclose(batched[k][i], one[k], rtol=2e-4, atol=1e-5)


def test_points_have_no_floor():
  ev = metrics.make_metrics(config.get_config())
  assert ev.floor == {} and ev.num_samples == 2500


def test_unknown_feature_network_is_refused():
  cfg = tiny_config('digits')
  cfg.eval.features = 'vgg16'
  with pytest.raises(ValueError, match="eval.features='vgg16'.*classifier"):
    validation.validate(cfg)
