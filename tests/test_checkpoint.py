import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import checkpoint, population


def test_a_sharded_tree_with_keys_round_trips(tmp_path):
  mesh = population.make_mesh()
  split = jax.sharding.NamedSharding(mesh, jax.P(population.POP))
  tree = dict(x=jax.device_put(jnp.arange(4.0), split),
              key=jax.random.split(jax.random.key(3), 4),
              nested=dict(count=np.arange(3)))
  checkpoint.save(str(tmp_path), 0, tree, meta=dict(round=0, ids=[1, 2]))
  assert checkpoint.latest_step(str(tmp_path)) == 0
  assert checkpoint.restore_meta(str(tmp_path), 0) == dict(round=0, ids=[1, 2])
  back = checkpoint.restore(str(tmp_path), 0, tree)
  np.testing.assert_array_equal(back['x'], tree['x'])
  assert back['x'].sharding == split
  np.testing.assert_array_equal(jax.random.key_data(back['key']),
                                jax.random.key_data(tree['key']))
  np.testing.assert_array_equal(back['nested']['count'], np.arange(3))


def test_only_the_newest_steps_are_kept(tmp_path):
  for step in range(4):
    checkpoint.save(str(tmp_path), step, dict(x=np.full(2, step)), keep=2)
  assert checkpoint.latest_step(str(tmp_path)) == 3
  back = checkpoint.restore(str(tmp_path), 3, dict(x=np.zeros(2, np.int64)))
  np.testing.assert_array_equal(back['x'], [3, 3])
  assert sorted(p.name for p in tmp_path.iterdir()) == ['2', '3']


def test_an_empty_directory_has_no_step(tmp_path):
  assert checkpoint.latest_step(str(tmp_path / 'none')) is None
