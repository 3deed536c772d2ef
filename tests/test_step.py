import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct

from jaxgan import optim, step


def test_the_streams_of_each_key_are_distinct():
  for streams in (step.LatentStream, step.DStream, step.GStream):
    values = [v for k, v in vars(streams).items() if k.isupper()]
    assert len(set(values)) == len(values), streams.__name__


def test_apply_gradients_is_the_optimisers_step_with_the_members_values():
  tx = optim.make_optimizer('adam', clip_norm=0.0)
  params, grads = {'w': jnp.array([1.0, -2.0])}, {'w': jnp.array([0.5, 2.0])}
  opt_hp = optim.Hyperparams(jnp.float32(0.1), jnp.float32(0.5),
                             jnp.float32(0.9), jnp.float32(0.0))
  new, opt_state = step.apply_gradients(tx, params, tx.init(params), grads,
                                        opt_hp)
  ref = optax.adam(0.1, b1=0.5, b2=0.9)
  updates, _ = ref.update(grads, ref.init(params), params)
  np.testing.assert_allclose(new['w'], params['w'] + updates['w'], rtol=1e-6)
  assert float(opt_state.hyperparams['b2']) == np.float32(0.9)


class Counter(struct.PyTreeNode):
  step: jax.Array
  key: jax.Array
  g_params: jax.Array
  d_params: jax.Array
  diverged: jax.Array


def _d_update(state, hp, key):
  bits = jax.random.uniform(key)
  return (state.replace(d_params=state.d_params * hp['a'] + bits),
          {'d': state.d_params, 'bits': bits})


def _g_update(state, hp, key):
  del hp, key
  return state.replace(g_params=state.g_params + state.d_params), {}


def test_n_disc_updates_thread_the_state_and_report_the_last():
  state = Counter(step=jnp.int32(0), key=jax.random.key(0),
                  g_params=jnp.float32(0.0), d_params=jnp.float32(1.0),
                  diverged=jnp.bool_(False))
  hp = {'a': jnp.float32(2.0)}
  new, diag = step.scan_steps(_d_update, _g_update, 3, state, hp, 1)
  keys = jax.random.split(jax.random.fold_in(state.key, 0), 4)
  d = 1.0
  for k in keys[:3]:
    last, d = d, d * 2.0 + float(jax.random.uniform(k))
  np.testing.assert_allclose(new.d_params, d, rtol=1e-6)
  np.testing.assert_allclose(new.g_params, d, rtol=1e-6)
  np.testing.assert_allclose(diag['d'], [last], rtol=1e-6)
  assert int(new.step) == 1 and bool(diag['finite'][0])
