import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgan  # noqa: F401  (registers the lowering)
from jaxgan import threefry

pytestmark = pytest.mark.skipif(
    threefry.threefry2x32 is None
    or not hasattr(threefry.threefry2x32, '_threefry2x32_cpu_lowering_rule'),
    reason='this JAX unrolls threefry on CPU itself')


def _hash(key, count):
  return jax.jit(threefry.threefry2x32.threefry_2x32)(
      jnp.asarray(key, jnp.uint32), jnp.asarray(count, jnp.uint32))


# Random123's known answers for Threefry-2x32 with 20 rounds.
@pytest.mark.parametrize('key,count,expected', [
    ((0, 0), (0, 0), (0x6b200159, 0x99ba4efe)),
    ((0xffffffff, 0xffffffff), (0xffffffff, 0xffffffff),
     (0x1cb996fc, 0xbb002be7)),
    ((0x13198a2e, 0x03707344), (0x243f6a88, 0x85a308d3),
     (0xc4923a9c, 0x483df7a0)),
])
def test_hash_gives_the_published_answers(key, count, expected):
  assert threefry.use_unrolled_on_cpu()
  np.testing.assert_array_equal(_hash(key, count), np.uint32(expected))


def test_unrolled_hash_equals_the_rolled_loop_and_compiles_no_loop():
  assert threefry.use_unrolled_on_cpu()
  rng = np.random.default_rng(0)
  k1, k2 = rng.integers(0, 2**32, 2, dtype=np.uint32)
  x1, x2 = rng.integers(0, 2**32, (2, 1000), dtype=np.uint32)
  rolled = jax.jit(lambda *a: threefry.threefry2x32._threefry2x32_lowering(
      *a, use_rolled_loops=True))(k1, k2, x1, x2)
  unrolled = jax.jit(lambda *a: threefry.threefry2x32.threefry2x32_p.bind(
      *a))(k1, k2, x1, x2)
  np.testing.assert_array_equal(rolled, unrolled)
  hlo = jax.jit(lambda k: jax.random.normal(k, (64, 16))).lower(
      jax.random.key(0)).compile().as_text()
  assert ' while(' not in hlo
