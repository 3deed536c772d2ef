import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

from jaxgan.metrics import images


def _normal(seed, n, d, scale=1.0):
  return scale * np.random.default_rng(seed).normal(size=(n, d)).astype(
      np.float32)


def test_fid_of_a_set_against_itself_is_zero():
  x = _normal(0, 500, 16)
  np.testing.assert_allclose(images.fid(x, x), 0.0, atol=2e-3)


@pytest.mark.parametrize('shift', [0.5, 1.0, 3.0])
def test_fid_grows_with_a_mean_shift_as_the_closed_form_says(shift):
  # Same covariance: FID = |mu_a - mu_b|^2 exactly.
  x = _normal(1, 400, 8)
  mu = np.full(8, shift / np.sqrt(8), np.float32)
  np.testing.assert_allclose(images.fid(x, x + mu), shift ** 2, rtol=2e-3,
                             atol=2e-3)


def test_frechet_distance_matches_scipy_sqrtm_in_float64():
  rng = np.random.default_rng(2)
  a, b = rng.normal(size=(2, 6, 6))
  cov_a, cov_b = a @ a.T + 0.5 * np.eye(6), b @ b.T + 0.5 * np.eye(6)
  mu_a, mu_b = rng.normal(size=(2, 6))
  expected = (np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
              - 2 * np.trace(scipy.linalg.sqrtm(cov_a @ cov_b).real))
  got = images.frechet_distance(*(jnp.asarray(v, jnp.float32)
                                  for v in (mu_a, cov_a, mu_b, cov_b)))
  np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_kid_by_hand():
  # d = 1, k(a, b) = (ab + 1)^3: off-diagonal k_xx = 1, k_yy = 27; k_xy has
  # mean (1 + 1 + 8 + 27) / 4, so MMD^2 = 1 + 27 - 2 * 9.25 = 9.5.
  x, y = jnp.array([[0.0], [1.0]]), jnp.array([[1.0], [2.0]])
  mean, std = images.kid(jax.random.key(0), x, y, 2, 3)
  np.testing.assert_allclose([mean, std], [9.5, 0.0], rtol=1e-6)


def test_kid_is_unbiased_for_one_distribution():
  x, y = _normal(3, 2000, 8), _normal(4, 2000, 8)
  mean, std = images.kid(jax.random.key(0), x, y, 200, 50)
  assert abs(float(mean)) < 3 * float(std) / np.sqrt(50)
  shifted, _ = images.kid(jax.random.key(0), x, y + 0.5, 200, 50)
  assert float(shifted) > 10 * float(std) / np.sqrt(50)


def test_precision_recall_on_points_with_known_answers():
  # Real points at 0..9 on a line: each ball (k = 1) has radius 1. Five fake
  # points sit 0.1 from real ones, five far away: precision 5/10. The near
  # fake balls (radius 1) cover the real points 0..5: recall 6/10.
  line = lambda t: np.stack([t, np.zeros_like(t)], 1).astype(np.float32)
  real = line(np.arange(10.0))
  fake = line(np.concatenate([np.arange(5.0) + 0.1, 100.0 + np.arange(5)]))
  precision, recall = images.precision_recall(real, fake, 1)
  np.testing.assert_allclose([precision, recall], [0.5, 0.6])


def test_precision_recall_of_identical_sets_is_one():
  x = _normal(5, 300, 4)
  np.testing.assert_allclose(images.precision_recall(x, x, 3), [1.0, 1.0])


def test_class_stats_of_a_collapsed_and_a_diverse_generator():
  uniform = jnp.full(10, 0.1)
  confident = 50.0 * jax.nn.one_hot(jnp.arange(100) % 10, 10)
  diverse = images.class_stats(confident, uniform)
  np.testing.assert_allclose(
      [diverse['classes'], diverse['class_kl'], diverse['inception_score']],
      [10.0, 0.0, 10.0], rtol=1e-4, atol=1e-5)
  collapsed = images.class_stats(confident[::10], uniform)  # all class 0
  np.testing.assert_allclose(
      [collapsed['classes'], collapsed['class_kl'],
       collapsed['inception_score']], [1.0, np.log(10.0), 1.0], rtol=1e-4)


def test_metrics_vmap_over_members():
  x = jnp.stack([_normal(6, 200, 4), _normal(7, 200, 4) + 1.0])
  ref = _normal(8, 200, 4)
  batched = jax.vmap(lambda f: images.fid(f, ref))(x)
  np.testing.assert_allclose(batched, [images.fid(x[0], ref),
                                       images.fid(x[1], ref)], rtol=1e-4)
