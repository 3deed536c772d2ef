"""GAN losses, all with one signature, registered by name.

``loss(d_real_logits, d_fake_logits, hp) -> (d_loss, g_loss)``

Built in: ``non_saturating`` (Goodfellow et al. 2014), ``minimax``,
``hinge`` (margin ``hinge_margin``), ``wasserstein`` (with a penalty, WGAN-GP)
and ``least_squares`` (LSGAN).

``d_*_logits`` are the discriminator's raw outputs, shape ``(batch,)``; ``hp``
holds the dynamic hyperparameters (``hinge_margin``). ``g_loss`` depends on the
fake logits alone, so the generator step evaluates D on fakes only.

The family itself is a dynamic hyperparameter: :func:`gan_loss` picks the loss
by index with ``lax.switch``, so members of one population can use different
losses in one compiled program.

A new loss is ``register_loss(name, fn)`` (or ``@register_loss(name)``);
``hparams.loss=name`` then selects it, and search spaces may choose it.

Example:
  >>> d, g = hinge(jnp.array([2.0]), jnp.array([-2.0]), {'hinge_margin': 1.0})
  >>> float(d), float(g)
  (0.0, 2.0)
"""

import jax
import jax.numpy as jnp

from jaxgan import registry
from jaxgan.types import Array, HParams


def non_saturating(d_real: Array, d_fake: Array, hp: HParams):
  """Goodfellow et al. 2014 with the non-saturating generator loss."""
  del hp
  d_loss = jnp.mean(jax.nn.softplus(-d_real)) + jnp.mean(jax.nn.softplus(d_fake))
  return d_loss, jnp.mean(jax.nn.softplus(-d_fake))


def minimax(d_real: Array, d_fake: Array, hp: HParams):
  """The original minimax game: G minimises E[log(1 - D(G(z)))]."""
  d_loss, _ = non_saturating(d_real, d_fake, hp)
  return d_loss, -jnp.mean(jax.nn.softplus(d_fake))


def hinge(d_real: Array, d_fake: Array, hp: HParams):
  """Hinge loss (Lim & Ye 2017; SNGAN) with margin ``hp['hinge_margin']``."""
  m = hp['hinge_margin']
  d_loss = jnp.mean(jax.nn.relu(m - d_real)) + jnp.mean(jax.nn.relu(m + d_fake))
  return d_loss, -jnp.mean(d_fake)


def wasserstein(d_real: Array, d_fake: Array, hp: HParams):
  """WGAN critic loss; pair it with a penalty (``gp``) for a Lipschitz D."""
  del hp
  return jnp.mean(d_fake) - jnp.mean(d_real), -jnp.mean(d_fake)


def least_squares(d_real: Array, d_fake: Array, hp: HParams):
  """LSGAN (Mao et al. 2017) with targets a=0, b=c=1."""
  del hp
  d_loss = 0.5 * jnp.mean((d_real - 1.0) ** 2) + 0.5 * jnp.mean(d_fake ** 2)
  return d_loss, 0.5 * jnp.mean((d_fake - 1.0) ** 2)


LOSSES = registry.Registry('loss', 'hparams.loss', {
    'non_saturating': non_saturating,
    'minimax': minimax,
    'hinge': hinge,
    'wasserstein': wasserstein,
    'least_squares': least_squares,
}, registry.callable_check('(d_real, d_fake, hp) -> (d_loss, g_loss)'))
register_loss = LOSSES.register


def loss_index(name: str) -> int:
  """The index :func:`gan_loss` uses for the loss called ``name``."""
  if name not in LOSSES:
    raise ValueError(
        f'hparams.loss={name!r} is not a loss; choose one of {sorted(LOSSES)}')
  return list(LOSSES).index(name)


def gan_loss(index: Array, d_real: Array, d_fake: Array, hp: HParams):
  """The loss number ``index`` of :data:`LOSSES` (in registration order),
  chosen at run time; the losses registered when it is traced are the
  branches."""
  return jax.lax.switch(index, tuple(LOSSES.values()), d_real, d_fake, hp)
