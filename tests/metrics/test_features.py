import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import data, metrics
from jaxgan.metrics import features
from conftest import tiny_config


def test_digits_classifier_is_accurate_cached_and_deterministic():
  ds = data.make_dataset('digits')
  root, eval_cfg = features.cache_root(''), tiny_config('digits').eval
  first = features.classifier(ds, root, eval_cfg)   # trains, or reads the cache
  again = features.classifier(ds, root, eval_cfg)   # reads the cache
  assert first.accuracy >= 0.95 and again.accuracy == first.accuracy
  x = data.to_unit(ds.test.x[:64])
  for a, b in zip(first.apply(x), again.apply(x)):
    np.testing.assert_array_equal(a, b)
  feats, logits = first.apply(x)
  assert feats.shape == (64, first.dim) and logits.shape == (64, 10)


def pixels(dataset, cache_dir, eval_cfg):
  """A feature network of raw pixels and a fixed random linear classifier."""
  del cache_dir, eval_cfg
  d = int(np.prod(dataset.shape))
  w = jax.random.normal(jax.random.key(0), (d, dataset.num_classes))
  apply = lambda x: (x.reshape(x.shape[0], -1),
                     x.reshape(x.shape[0], -1) @ w)
  return metrics.FeatureNet('pixels', apply, d, dataset.num_classes,
                            float('nan'))


def test_a_registered_feature_network_drops_in():
  metrics.register_feature_net('pixels', pixels)
  cfg = tiny_config('digits')
  cfg.eval.features = 'pixels'
  ev = metrics.make_metrics(cfg)
  ds = data.for_config(cfg)
  real = jnp.asarray(data.to_unit(ds.test.x[:cfg.train.eval_samples]))
  got = jax.jit(ev.measure)(real)
  # The held-out images are the floor: measuring them reproduces it.
  for k, v in ev.floor.items():
    np.testing.assert_allclose(got[k], v, rtol=2e-3, atol=1e-5)
  assert ev.floor['precision'] > 0.5 and ev.floor['fid'] < 10.0


def test_features_are_scaled_by_their_rms_unless_the_network_keeps_its_units():
  feats = jnp.asarray([[3.0, 4.0], [0.0, 0.0]])
  net = metrics.FeatureNet('f', None, 2, 0, float('nan'))
  np.testing.assert_allclose(net.scale(feats), np.sqrt(25.0 / 4), rtol=1e-6)
  assert float(net._replace(rms_scaled=False).scale(feats)) == 1.0
