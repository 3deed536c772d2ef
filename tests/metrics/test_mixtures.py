import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import config, data, metrics
from jaxgan.metrics import mixtures

GRID = data.make_dataset('grid25')


def test_hand_placed_points():
  m = GRID.modes
  samples = np.concatenate([
      np.repeat(m[0][None], 10, 0),              # exactly on mode 0
      np.repeat(m[1][None] + [0.1, 0.0], 5, 0),  # 2 std from mode 1: HQ
      np.repeat(m[2][None] + [0.0, 0.2], 5, 0),  # 4 std from mode 2: not HQ
  ])
  out = mixtures.mixture_metrics(jnp.asarray(samples), m, 0.05)
  # Every output declares the way it is better.
  assert set(out) == set(mixtures.DIRECTIONS)
  assert float(out['modes']) == 2.0
  np.testing.assert_allclose(out['high_quality'], 15 / 20)
  p = np.array([0.5, 0.25, 0.25])
  np.testing.assert_allclose(out['reverse_kl'], np.sum(p * np.log(p * 25)),
                             rtol=1e-5)
  # Cells: mode 0 (1/2), mode 1 (1/4), elsewhere (1/4).
  inside = 1 - np.exp(-4.5)
  expected = (0.5 * np.log(0.5 / (inside / 25)) + 0.25 * np.log(0.25 / (inside / 25))
              + 0.25 * np.log(0.25 / (1 - inside)))
  np.testing.assert_allclose(out['partition_kl'], expected, rtol=1e-5)


def test_one_sample_per_mode_is_perfect():
  out = mixtures.mixture_metrics(jnp.asarray(GRID.modes), GRID.modes, 0.05)
  assert float(out['modes']) == 25.0
  assert float(out['high_quality']) == 1.0
  np.testing.assert_allclose(out['reverse_kl'], 0.0, atol=1e-6)


def test_collapse_to_one_mode_has_maximal_reverse_kl():
  x = jnp.repeat(jnp.asarray(GRID.modes[3:4]), 100, 0)
  out = mixtures.mixture_metrics(x, GRID.modes, 0.05)
  assert float(out['modes']) == 1.0
  np.testing.assert_allclose(out['reverse_kl'], np.log(25.0), rtol=1e-6)


def test_true_samples_score_as_published():
  # A perfect sampler: all modes, 1 - exp(-4.5) ≈ 98.9% high quality.
  x = GRID.sample(jax.random.key(0), 2500)
  cfg = config.get_config()
  out = jax.jit(metrics.make_metrics(cfg).measure)(x)
  assert float(out['modes']) == 25.0
  np.testing.assert_allclose(out['high_quality'], 1 - np.exp(-4.5), atol=0.006)
  assert float(out['reverse_kl']) < 0.02
  assert float(out['partition_kl']) < 0.02


def test_partition_kl_sees_quality_that_reverse_kl_misses():
  # Every mode equally often, but each sample 4 std off its mode.
  x = jnp.asarray(GRID.modes) + jnp.array([0.2, 0.0])
  out = mixtures.mixture_metrics(x, GRID.modes, 0.05)
  np.testing.assert_allclose(out['reverse_kl'], 0.0, atol=1e-6)
  np.testing.assert_allclose(out['partition_kl'], 4.5, rtol=1e-5)  # -log e^-4.5


def test_far_samples_are_not_high_quality():
  x = jnp.full((50, 2), 1.0)  # between four modes, 1.41 away
  out = mixtures.mixture_metrics(x, GRID.modes, 0.05)
  assert float(out['modes']) == 0.0 and float(out['high_quality']) == 0.0

