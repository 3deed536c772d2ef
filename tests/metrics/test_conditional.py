"""Conditional-GAN and InfoGAN metrics against hand-computed values and
the reference implementations they restate."""

import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from jaxgan import data, metrics
from jaxgan.metrics import conditional, images


def test_class_accuracy_by_hand():
  got = conditional.class_accuracy(jnp.array([0, 1, 2, 2]),
                                   jnp.array([0, 1, 1, 2]))
  assert float(got) == 0.75


@pytest.mark.parametrize('seed', [0, 1])
def test_nmi_matches_sklearn(seed):
  rng = np.random.default_rng(seed)
  a = rng.integers(0, 4, 200)
  b = (a + (rng.random(200) < 0.3) * rng.integers(0, 3, 200)) % 3
  got = conditional.nmi(jnp.asarray(a), jnp.asarray(b), 5, 3)
  np.testing.assert_allclose(float(got),
                             normalized_mutual_info_score(a, b), rtol=1e-5)


def test_nmi_of_a_relabelling_is_one_and_of_a_constant_zero():
  a = jnp.array([0, 1, 2, 0, 1, 2])
  assert float(conditional.nmi(a, (a + 1) % 3, 3, 3)) == pytest.approx(1.0)
  assert float(conditional.nmi(a, jnp.zeros_like(a), 3, 3)) == 0.0


def test_per_class_fid_and_recall_are_the_metrics_of_each_class():
  rng = np.random.default_rng(0)
  real = rng.standard_normal((120, 3)).astype(np.float32)
  fake = (rng.standard_normal((90, 3)) + 0.5).astype(np.float32)
  real_y, fake_y = np.arange(120) % 3, np.arange(90) % 3
  fids = conditional.per_class_fid(jnp.asarray(real), jnp.asarray(real_y),
                                   jnp.asarray(fake), jnp.asarray(fake_y), 3)
  recalls = conditional.per_class_recall(
      jnp.asarray(real), jnp.asarray(real_y), jnp.asarray(fake),
      jnp.asarray(fake_y), 3, 3)
  for c in range(3):
    r, f = jnp.asarray(real[real_y == c]), jnp.asarray(fake[fake_y == c])
    np.testing.assert_allclose(fids[c], images.fid(f, r), rtol=1e-4)
    np.testing.assert_allclose(recalls[c],
                               images.precision_recall(r, f, 3)[1],
                               rtol=1e-6)


def test_mixture_class_accuracy_needs_the_asked_mode_within_three_std():
  ds = data.make_dataset('ring8')
  ev = metrics.mixture_evaluator(ds, 4, asks=('y', 'category'),
                                 categories=8)
  modes = jnp.asarray(ds.modes)
  samples = jnp.stack([modes[0], modes[1], modes[2] + 0.5, modes[3]])
  out = ev.measure(samples, metrics.Asked(y=jnp.array([0, 2, 2, 3]),
                                          category=jnp.array([0, 1, 2, 3])))
  # Sample 1 is at mode 1 but asked for 2; sample 2 is far from its mode.
  assert float(out['class_accuracy']) == 0.5
  assert float(out['code_nmi']) == pytest.approx(1.0)


@pytest.mark.xdist_group('literature')
def test_digits_floor_of_the_conditional_metrics():
  from conftest import tiny_config
  cfg = tiny_config('digits')
  cfg.train.eval_samples = 500
  ev = metrics.make_metrics(cfg, asks=('y', 'category'), categories=10)
  floor = ev.floor
  assert floor['class_accuracy'] > 0.9 and floor['class_recall'] > 0.8
  assert floor['code_nmi'] > 0.85
  assert 0 < floor['intra_fid'] < 10 * floor['fid'] + 1
  # Images asked for the wrong label are not classified as asked.
  test = data.make_dataset('digits').test
  x = data.to_unit(test.x[:500])
  wrong = jnp.asarray((test.labels[:500] + 1) % 10)
  out = ev.measure(x, metrics.Asked(y=wrong, category=wrong))
  assert float(out['class_accuracy']) < 0.1
  assert float(out['intra_fid']) > 3 * floor['intra_fid']
