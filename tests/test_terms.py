"""The built-in loss terms and augmentations against hand-computed values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan import augment, terms, validation


def inputs(**kw):
  base = dict(net='d', real=None, fake=jnp.zeros((2, 2)), z=jnp.zeros((2, 1)),
              y=None, c=None, category=None, d_real=None,
              d_fake={'logit': jnp.zeros(2)}, d_fn=None, hp={},
              key=jax.random.key(0))
  base.update(kw)
  return terms.TermInputs(**base)


def ce(logits, label):
  return -np.log(np.exp(logits[label]) / np.exp(logits).sum())


def test_acgan_term_by_hand():
  real = np.array([[2.0, 0.0], [0.0, 1.0]], np.float32)
  fake = np.array([[0.0, 0.0], [1.0, 3.0]], np.float32)
  y = np.array([0, 1])
  x = inputs(y=jnp.asarray(y), d_real={'class': jnp.asarray(real)},
             d_fake={'class': jnp.asarray(fake)})
  fake_ce = (ce(fake[0], 0) + ce(fake[1], 1)) / 2
  real_ce = (ce(real[0], 0) + ce(real[1], 1)) / 2
  np.testing.assert_allclose(terms.acgan(x), real_ce + fake_ce, rtol=1e-6)
  np.testing.assert_allclose(terms.acgan(x._replace(net='g')), fake_ce,
                             rtol=1e-6)


def test_info_term_by_hand():
  # Two samples, 3 categories and 1 continuous code: c = [one-hot, code].
  category = np.array([2, 0])
  code = np.array([[0.5], [-1.0]], np.float32)
  c = np.concatenate([np.eye(3, dtype=np.float32)[category], code], 1)
  q_cat = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]], np.float32)
  q_code = np.array([[0.0], [1.0]], np.float32)
  x = inputs(c=jnp.asarray(c), category=jnp.asarray(category),
             d_fake={'category': jnp.asarray(q_cat),
                     'code': jnp.asarray(q_code)})
  want = ((ce(q_cat[0], 2) + ce(q_cat[1], 0)) / 2
          + 0.5 * ((0.5 - 0.0) ** 2 + (-1.0 - 1.0) ** 2) / 2)
  np.testing.assert_allclose(terms.info(x), want, rtol=1e-6)


def test_bcr_is_the_squared_change_of_the_logit_under_the_transform():
  real = jax.random.normal(jax.random.key(1), (4, 2))
  fake = jax.random.normal(jax.random.key(2), (4, 2))
  d_fn = lambda x: {'logit': 3.0 * x[:, 0]}
  key = jax.random.key(5)
  x = inputs(real=real, fake=fake, d_real=d_fn(real), d_fake=d_fn(fake),
             d_fn=d_fn, key=key)
  k_real, k_fake = jax.random.split(key)
  moved_real = terms.consistency_transform(k_real, real)
  moved_fake = terms.consistency_transform(k_fake, fake)
  want = (np.mean((3.0 * (moved_real - real)[:, 0]) ** 2)
          + np.mean((3.0 * (moved_fake - fake)[:, 0]) ** 2))
  np.testing.assert_allclose(terms.bcr(x), want, rtol=1e-5)
  assert float(terms.bcr(x)) > 0


def test_translation_moves_whole_images_and_fills_zeros():
  x = jnp.arange(2 * 8 * 8, dtype=jnp.float32).reshape(2, 8, 8, 1) + 1.0
  key = jax.random.key(3)
  moved = np.asarray(augment.translation(key, x))
  k_y, k_x = jax.random.split(key)
  dy = np.asarray(jax.random.randint(k_y, (2,), -1, 2))
  dx = np.asarray(jax.random.randint(k_x, (2,), -1, 2))
  for i in range(2):
    want = np.zeros((8, 8))
    src = np.asarray(x[i, ..., 0])
    for r in range(8):
      for c in range(8):
        if 0 <= r - dy[i] < 8 and 0 <= c - dx[i] < 8:
          want[r, c] = src[r - dy[i], c - dx[i]]
    np.testing.assert_array_equal(moved[i, ..., 0], want)


def test_cutout_zeros_a_square_of_half_the_side():
  x = jnp.ones((16, 8, 8, 3))
  out = np.asarray(augment.cutout(jax.random.key(0), x))
  zeros = (out == 0).all(-1).sum((1, 2))
  assert zeros.max() == 16 and zeros.min() >= 4  # 4x4, clipped at borders


def test_diffaugment_keeps_shapes_and_passes_gradients():
  x = jax.random.uniform(jax.random.key(0), (4, 8, 8, 1), minval=-1)
  out = augment.diffaugment(jax.random.key(1), x)
  assert out.shape == x.shape
  grad = jax.grad(lambda v: jnp.sum(augment.diffaugment(
      jax.random.key(1), v)))(x)
  assert float(jnp.abs(grad).sum()) > 0


@pytest.mark.parametrize('field, value, message', [
    ('augment', 'translation', r"'translation' transforms images"),
    ('augment', 'none,cutout', "'none' cannot be listed"),
    ('terms', 'bcr,bcr', 'lists a loss term twice'),
])
def test_bad_terms_and_augmentations_are_named(field, value, message):
  cfg = tiny_config('ring8')
  cfg[field] = value
  with pytest.raises(ValueError, match=message):
    validation.validate(cfg)


def test_a_term_reading_a_head_d_lacks_is_named_before_compiling():
  cfg = tiny_config('ring8')
  cfg.model.name, cfg.terms = 'cond_mlp', 'acgan'
  from jaxgan import train
  with pytest.raises(ValueError, match="'acgan' reads the discriminator "
                     "head 'class'"):
    train.make_program(cfg)


def test_cycle_and_identity_errors_by_hand():
  from jaxgan import cyclegan
  a = jnp.array([[1.0, 2.0]])
  b = jnp.array([[0.0, -4.0]])
  cycle, identity = cyclegan.cycle_terms(lambda x: x + 1.0,
                                         lambda x: 2.0 * x, a, b)
  # g_ba(g_ab(a)) = 2(a + 1) = [4, 6]: |.| - a = [3, 4] -> 3.5;
  # g_ab(g_ba(b)) = 2b + 1 = [1, -7]: |.| - b = [1, 3] -> 2.
  # g_ab(b) - b = 1 -> 1; g_ba(a) - a = a = [1, 2] -> 1.5.
  np.testing.assert_allclose(cycle, 3.5 + 2.0)
  np.testing.assert_allclose(identity, 1.0 + 1.5)
