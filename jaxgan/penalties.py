"""Discriminator regularisers, all with one signature.

``penalty(d_fn, real, fake, key, hp) -> scalar`` added to the D loss.
Built in: ``none``, ``gp`` (WGAN-GP, weight ``gp_weight``) and ``r1`` (R1 on
real data, weight ``r1_gamma``).

``d_fn`` maps a batch to logits ``(batch,)`` with the discriminator's current
parameters, so a penalty can differentiate D with respect to its input. The
weights (``gp_weight``, ``r1_gamma``) are dynamic hyperparameters; the choice of
penalty is static because it changes what is computed. A new one is
``register_penalty(name, fn)``; its weight is a hyperparameter declared with
:func:`jaxgan.register_hparam` and read from ``hp``.
"""

import jax
import jax.numpy as jnp

from jaxgan import registry
from jaxgan.types import Array, DiscriminatorFn, HParams, PRNGKey


def _input_grad_sq_norms(d_fn: DiscriminatorFn, x: Array) -> Array:
  """Per-example squared norms of dD(x)/dx, shape (batch,)."""
  grads = jax.grad(lambda v: jnp.sum(d_fn(v)))(x)
  return jnp.sum(grads ** 2, axis=tuple(range(1, x.ndim)))


def none(d_fn: DiscriminatorFn, real: Array, fake: Array, key: PRNGKey,
         hp: HParams) -> Array:
  """No penalty."""
  del d_fn, fake, key, hp
  return jnp.zeros((), real.dtype)


def gradient_penalty(d_fn: DiscriminatorFn, real: Array, fake: Array,
                     key: PRNGKey, hp: HParams) -> Array:
  """WGAN-GP (Gulrajani et al. 2017): λ E[(||∇D(x̂)|| - 1)²] on interpolates."""
  eps = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1))
  x_hat = eps * real + (1.0 - eps) * fake
  norms = jnp.sqrt(_input_grad_sq_norms(d_fn, x_hat) + 1e-12)
  return hp['gp_weight'] * jnp.mean((norms - 1.0) ** 2)


def r1(d_fn: DiscriminatorFn, real: Array, fake: Array, key: PRNGKey,
       hp: HParams) -> Array:
  """R1 (Mescheder et al. 2018): γ/2 E[||∇D(x)||²] on real data."""
  del fake, key
  return 0.5 * hp['r1_gamma'] * jnp.mean(_input_grad_sq_norms(d_fn, real))


PENALTIES = registry.Registry('penalty', 'penalty',
                              {'none': none, 'gp': gradient_penalty, 'r1': r1})
register_penalty = PENALTIES.register



def check_config(cfg) -> None:
  """Checks ``cfg.penalty``, and that D suits it.

  Raises:
    ValueError: naming the field and its value.
  """
  PENALTIES.lookup(cfg.penalty)
  if cfg.penalty != 'none' and cfg.model.d_norm == 'batch':
    raise ValueError(
        f"penalty={cfg.penalty!r} needs per-example input gradients of D, "
        "which model.d_norm='batch' mixes across the batch; use 'none', "
        "'layer' or 'spectral'")
