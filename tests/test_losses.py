import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import losses

HP = {'hinge_margin': jnp.float32(1.0)}
LOG2 = float(np.log(2.0))


@pytest.mark.parametrize('name,real,fake,d_loss,g_loss', [
    ('non_saturating', [0.0], [0.0], 2 * LOG2, LOG2),
    ('minimax', [0.0], [0.0], 2 * LOG2, -LOG2),
    ('hinge', [2.0], [-2.0], 0.0, 2.0),
    ('hinge', [0.5, 3.0], [0.0, -0.5], 0.25 + 0.75, 0.25),
    ('wasserstein', [1.0, 3.0], [0.0, 2.0], -1.0, -1.0),
    ('least_squares', [1.0], [0.0], 0.0, 0.5),
    ('least_squares', [0.0], [1.0], 1.0, 0.0),
])
def test_values_on_hand_made_logits(name, real, fake, d_loss, g_loss):
  d, g = losses.LOSSES[name](jnp.array(real), jnp.array(fake), HP)
  np.testing.assert_allclose([d, g], [d_loss, g_loss], rtol=1e-6, atol=1e-6)


def test_non_saturating_large_logits_stay_finite():
  d, g = losses.non_saturating(jnp.array([1e4]), jnp.array([-1e4]), HP)
  np.testing.assert_allclose([d, g], [0.0, 1e4], atol=1e-3)


def test_hinge_margin_is_a_hyperparameter():
  d, _ = losses.hinge(jnp.zeros(1), jnp.zeros(1), {'hinge_margin': 0.25})
  np.testing.assert_allclose(d, 0.5)


@pytest.mark.parametrize('name', list(losses.LOSSES))
def test_gradients_finite_and_g_loss_ignores_real_logits(name):
  fn = losses.LOSSES[name]
  real, fake = jnp.array([0.3, -1.2, 2.0]), jnp.array([-0.7, 0.1, 5.0])
  grads = jax.grad(lambda r, f: sum(fn(r, f, HP)), argnums=(0, 1))(real, fake)
  assert all(bool(jnp.all(jnp.isfinite(g))) for g in grads)
  np.testing.assert_allclose(fn(real, fake, HP)[1],
                             fn(jnp.zeros(3), fake, HP)[1])


@pytest.mark.parametrize('name', list(losses.LOSSES))
def test_switch_by_traced_index_matches_direct_call(name):
  real, fake = jnp.array([0.3, -1.2]), jnp.array([-0.7, 0.1])
  picked = jax.jit(losses.gan_loss)(losses.loss_index(name), real, fake, HP)
  np.testing.assert_allclose(picked, losses.LOSSES[name](real, fake, HP),
                             rtol=1e-6)


def test_unknown_loss_lists_valid_names():
  with pytest.raises(ValueError, match="hparams.loss='bogus'.*hinge"):
    losses.loss_index('bogus')
