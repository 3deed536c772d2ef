"""The paper protocol's metrics against their reference formulas."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

from jaxgan.metrics import images, protocol


def _features(seed, n=300, d=16, shift=0.0):
  rng = np.random.default_rng(seed)
  return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) / 4 + shift


def test_fid_of_a_distribution_against_itself_is_zero():
  mu, sigma = protocol.gaussian_stats(_features(0))
  assert abs(protocol.frechet_distance(mu, sigma, mu, sigma)) < 1e-9


def test_fid_is_the_reference_formula_in_float64():
  a, b = _features(0), _features(1, shift=0.3)
  mu_a, mu_b = a.mean(0), b.mean(0)
  s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
  want = (np.sum((mu_a - mu_b) ** 2) + np.trace(s_a) + np.trace(s_b)
          - 2 * np.trace(scipy.linalg.sqrtm(s_a @ s_b).real))
  got = protocol.frechet_distance(*protocol.gaussian_stats(a),
                                  *protocol.gaussian_stats(b))
  assert got == pytest.approx(want, rel=1e-9)
  # The search's jittable FID (float32, eigendecompositions) agrees.
  assert float(images.fid(jnp.asarray(a, jnp.float32),
                          jnp.asarray(b, jnp.float32))) == pytest.approx(
                              want, rel=1e-4)


def test_fid_of_singular_covariances_is_exact():
  # Fewer samples than dimensions: rank-deficient covariances, where
  # scipy's sqrtm warns. Shifting a set leaves only the mean term.
  a = _features(6, n=10, d=32)
  mu, sigma = protocol.gaussian_stats(a)
  assert protocol.frechet_distance(mu, sigma, mu + 0.5, sigma) == (
      pytest.approx(32 * 0.25, rel=1e-6))


def test_kid_is_the_unbiased_cubic_mmd_in_float64():
  a, b = _features(2, n=120), _features(3, n=120, shift=0.2)
  d = a.shape[1]
  k = lambda x, y: (x @ y.T / d + 1) ** 3
  m = len(a)
  off = lambda kk: (kk.sum() - np.trace(kk)) / (m * (m - 1))
  want = off(k(a, a)) + off(k(b, b)) - 2 * k(a, b).mean()
  # Every subset is the whole set, so the subsets' draw does not matter.
  got, spread = protocol.kid(np.float32(a), np.float32(b))
  assert got == pytest.approx(want, rel=1e-4, abs=1e-6) and spread < 1e-5


def _reference_inception_score(logits, splits):
  """Salimans et al.'s code, in float64."""
  p = np.exp(logits - logits.max(1, keepdims=True))
  p /= p.sum(1, keepdims=True)
  scores = []
  for i in range(splits):
    part = p[i * len(p) // splits:(i + 1) * len(p) // splits]
    kl = part * (np.log(part) - np.log(part.mean(0, keepdims=True)))
    scores.append(np.exp(kl.sum(1).mean()))
  return np.mean(scores), np.std(scores)


def test_inception_score_by_hand_and_against_the_reference():
  # Uniform predictions: score 1. Confident and spread over 10 classes: 10.
  assert protocol.inception_score(np.zeros((50, 10)))[0] == pytest.approx(1.0)
  confident = 50.0 * np.eye(10)[np.arange(100) % 10]
  assert protocol.inception_score(confident)[0] == pytest.approx(10.0, rel=1e-4)
  logits = np.random.default_rng(0).normal(size=(1003, 30)) * 3
  want = _reference_inception_score(logits, 10)
  np.testing.assert_allclose(protocol.inception_score(logits), want, rtol=1e-4)


def test_blocked_precision_recall_equals_the_whole_matrix():
  real = np.float32(_features(4, n=230))
  fake = np.float32(_features(5, n=230, shift=0.5))
  whole = images.precision_recall(real, fake, 3)
  blocked = jax.jit(images.precision_recall, static_argnums=(2, 3))(
      real, fake, 3, 64)
  np.testing.assert_array_equal(np.asarray(whole), np.asarray(blocked))
  assert 0.0 < float(whole[0]) < 1.0


def test_reference_statistics_are_cached_in_pytorch_fid_layout(tmp_path):
  real = np.random.default_rng(0).integers(0, 256, (12, 4, 4, 1), np.uint8)
  calls = []

  def apply(x):
    calls.append(x.shape)
    flat = x.reshape(x.shape[0], -1)
    return flat, flat[:, :3]

  path = str(tmp_path / 'stats.npz')
  first = protocol.reference_statistics(apply, real, path, 'twelve', batch=5)
  feats = real.reshape(12, -1).astype(np.float64) / 127.5 - 1.0
  np.testing.assert_allclose(first.mu, feats.mean(0), atol=1e-6)
  np.testing.assert_allclose(first.sigma, np.cov(feats, rowvar=False),
                             atol=1e-6)
  assert first.mu.dtype == first.sigma.dtype == np.float64
  with np.load(path) as f:
    assert {'mu', 'sigma', 'features'} <= set(f.files)
  traced = len(calls)
  again = protocol.reference_statistics(apply, real, path, 'twelve', batch=5)
  assert len(calls) == traced and again.description == 'twelve'
  np.testing.assert_array_equal(again.sigma, first.sigma)


@pytest.mark.parametrize('arrays, message', [
    (dict(mu=np.zeros(3)), r"lack \['sigma'\]"),
    (dict(mu=np.zeros(3), sigma=np.eye(2)), r'do not fit 3-d features'),
    (dict(mu=np.full(3, np.nan), sigma=np.eye(3)), 'are not finite'),
    (dict(mu=np.zeros(3), sigma=np.eye(3), features=np.zeros((5, 4))),
     r'features \(5, 4\) are not \(n, 3\)'),
])
def test_bad_reference_statistics_are_named(tmp_path, arrays, message):
  path = tmp_path / 'stats.npz'
  np.savez(path, **arrays)
  with pytest.raises(ValueError, match=message):
    protocol.load_reference(str(path), dim=3)


def test_path_length_of_the_identity_generator_is_the_squared_angle():
  key = jax.random.key(3)
  identity = lambda z: z
  d = np.asarray(protocol.path_distances(key, identity, identity, 8, 256))
  # By hand: unit vectors eps * theta apart on the great circle through z0
  # and z1, so d = (2 sin(eps theta / 2))^2 / eps^2, about theta^2.
  k0, k1, _ = jax.random.split(key, 3)
  z0 = np.asarray(jax.random.normal(k0, (256, 8)), np.float64)
  z1 = np.asarray(jax.random.normal(k1, (256, 8)), np.float64)
  theta = np.arccos(np.sum(z0 * z1, 1) / np.linalg.norm(z0, axis=1)
                    / np.linalg.norm(z1, axis=1))
  np.testing.assert_allclose(d, theta ** 2, rtol=2e-2)


def test_path_length_drops_the_outer_percentiles():
  distances = np.concatenate([np.arange(1.0, 199.0), [1e6, -1e6]])
  # 200 values: the 1st percentile is 1, the 99th 198.
  assert protocol.perceptual_path_length(distances) == pytest.approx(
      np.mean(np.arange(1.0, 199.0)))


def test_slerp_stays_on_the_sphere_and_hits_its_ends():
  a, b = jnp.array([[1.0, 0.0]]), jnp.array([[0.0, 2.0]])
  np.testing.assert_allclose(protocol.slerp(a, b, jnp.array([[0.5]])),
                             [[np.sqrt(0.5), np.sqrt(0.5)]], atol=1e-6)
  np.testing.assert_allclose(protocol.slerp(a, b, jnp.array([[1.0]])),
                             [[0.0, 1.0]], atol=1e-6)
