import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import data, metrics
from jaxgan.metrics import points


def test_energy_distance_by_hand():
  x = np.array([[0.0, 0.0], [3.0, 4.0]])
  y = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 2.0]])
  cross = np.mean([np.linalg.norm(a - b) for a in x for b in y])
  within_x = 5.0 * 2 / 4  # one pair, both ways, over all 4 pairs
  within_y = (1 + 2 + 1) * 2 / 9
  expected = 2 * cross - within_x - within_y
  np.testing.assert_allclose(points.energy_distance(jnp.asarray(x),
                                                    jnp.asarray(y)),
                             expected, rtol=1e-5)
  assert float(points.energy_distance(jnp.asarray(y), jnp.asarray(y))) == (
      pytest.approx(0.0, abs=1e-6))


def _clusters(rng, n, centres):
  centres = np.asarray(centres, np.float32)
  idx = rng.integers(0, len(centres), n)
  return centres[idx] + 0.05 * rng.standard_normal((n, 2)).astype(np.float32)


CENTRES = [(np.cos(a), np.sin(a)) for a in np.linspace(0, 2 * np.pi, 9)[:-1]]


@pytest.fixture(scope='module')
def evaluator():
  rng = np.random.default_rng(0)
  train, test = _clusters(rng, 3000, CENTRES), _clusters(rng, 1000, CENTRES)
  dataset = data.arrays('eight', train, test=test)
  return metrics.point_evaluator(dataset, nearest_k=3, num_samples=1000)


def test_energy_distance_worsens_steadily_with_noise_and_lost_modes(
    evaluator):
  rng = np.random.default_rng(1)
  clean = _clusters(rng, 1000, CENTRES)
  noisy = [float(evaluator.measure(jnp.asarray(
      clean + s * rng.standard_normal(clean.shape).astype(np.float32)))[
          'energy_distance']) for s in (0.0, 0.05, 0.1, 0.2, 0.4)]
  assert noisy == sorted(noisy) and noisy[0] < 0.01 < noisy[-1]
  dropped = [float(evaluator.measure(jnp.asarray(_clusters(
      rng, 1000, CENTRES[:k])))['energy_distance']) for k in (8, 6, 4, 2, 1)]
  assert dropped == sorted(dropped) and dropped[0] < 0.01
  lost = evaluator.measure(jnp.asarray(_clusters(rng, 1000, CENTRES[:2])))
  assert float(lost['recall']) < 0.35 and float(lost['precision']) > 0.9


def test_the_floor_is_real_data_measured_the_same_way(evaluator):
  assert set(evaluator.floor) == set(points.DIRECTIONS)
  assert abs(evaluator.floor['energy_distance']) < 0.01
  assert evaluator.floor['precision'] > 0.9 and evaluator.floor['recall'] > 0.9
