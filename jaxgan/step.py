"""The pieces every GAN program's train step is made of.

A program (:data:`jaxgan.train.PROGRAMS`: the GAN program, CycleGAN, a
user's) composes these: the named random streams its keys come from, the
batch split over a device axis, the optimiser step, the two networks'
update tails, and the scan of ``n_disc`` discriminator steps and one
generator step, with its guard against non-finite steps.

Example (one network's optimiser step):
  >>> params, opt_state = apply_gradients(tx, params, opt_state, grads,
  ...                                     optim.Hyperparams.of_g(hp))
"""

from typing import Callable

import jax
import jax.numpy as jnp
import optax

from jaxgan import optim
from jaxgan.types import Array, HParams, PRNGKey, PyTree


class LatentStream:
  """What ``fold_in(key, ...)`` draws from the key of a batch of latents
  (the latents ``z`` themselves come from the key as it is)."""
  LABELS = 1
  CODES = 2
  CATEGORY = 7


class DStream:
  """What a discriminator step folds into its keys. ``EXTRA`` is folded
  into the penalty's key; ``FAKE_CALL`` into D's dropout key for its call
  on the fakes, where D is called on each batch apart; the others into
  the extra key (per shard)."""
  EXTRA = 5
  AUGMENT_REAL = 1
  AUGMENT_FAKE = 2
  TERMS = 4
  DROPOUT = 8
  FAKE_CALL = 3


class GStream:
  """What a generator step folds into its key: ``REAL`` (the real batch
  whose labels G is given, and that G-side terms which ask for it see)
  into the key as it is; the others into its per-shard key."""
  REAL = 3
  AUGMENT_FAKE = 4
  AUGMENT_REAL = 9
  TERMS = 6
  DROPOUT = 8


def shard(x: Array | None, data_axis: str | None) -> Array | None:
  """This device's slice of a global batch ``x`` split over ``data_axis``
  (``x`` itself outside ``shard_map`` or for None)."""
  if data_axis is None or x is None:
    return x
  size = x.shape[0] // jax.lax.axis_size(data_axis)
  return jax.lax.dynamic_slice_in_dim(
      x, jax.lax.axis_index(data_axis) * size, size)


def shard_mean(tree: PyTree, data_axis: str | None) -> PyTree:
  """``tree`` averaged over the devices of ``data_axis``."""
  return tree if data_axis is None else jax.lax.pmean(tree, data_axis)


def shard_key(key: PRNGKey, data_axis: str | None) -> PRNGKey:
  """``key``, folded with the shard's index when a batch is split over
  devices (so a population member on one device equals its single run)."""
  if data_axis is None or jax.lax.axis_size(data_axis) == 1:
    return key
  return jax.random.fold_in(key, jax.lax.axis_index(data_axis))


def apply_gradients(tx: optax.GradientTransformation, params: PyTree,
                    opt_state: optax.OptState, grads: PyTree,
                    opt_hp: optim.Hyperparams) -> tuple[PyTree,
                                                        optax.OptState]:
  """One optimiser step of ``params`` with ``grads``, the member's
  hyperparameters ``opt_hp`` written into ``opt_state`` first."""
  updates, opt_state = tx.update(
      grads, optim.set_hyperparams(opt_state, opt_hp), params)
  return optax.apply_updates(params, updates), opt_state


def update_discriminator(tx: optax.GradientTransformation, state,
                         opt_hp: optim.Hyperparams, grads: PyTree,
                         d_stats: PyTree):
  """One optimiser step of D (``state.d_params``) with ``grads``, its
  state set to ``d_stats``.

  Returns:
    ``(state, d_grad_norm)``.
  """
  d_params, opt_state = apply_gradients(tx, state.d_params,
                                        state.d_opt_state, grads, opt_hp)
  return state.replace(d_params=d_params, d_stats=d_stats,
                       d_opt_state=opt_state), optax.tree.norm(grads)


def update_generator(tx: optax.GradientTransformation, state,
                     opt_hp: optim.Hyperparams, grads: PyTree,
                     ema_decay: Array):
  """One optimiser step of G (``state.g_params``) with ``grads``, and its
  weight average ``ema_params`` updated with decay ``ema_decay``.

  Returns:
    ``(state, g_grad_norm)``.
  """
  g_params, opt_state = apply_gradients(tx, state.g_params,
                                        state.g_opt_state, grads, opt_hp)
  ema = jax.tree.map(lambda e, p: ema_decay * e + (1.0 - ema_decay) * p,
                     state.ema_params, g_params)
  return state.replace(g_params=g_params, ema_params=ema,
                       g_opt_state=opt_state), optax.tree.norm(grads)


def all_finite(tree: PyTree) -> Array:
  """Whether every leaf of ``tree`` is finite everywhere."""
  leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]
  return jnp.all(jnp.stack(leaves))


Update = Callable[..., tuple]


def discriminator_steps(d_update: Update, state, hp: HParams, keys: Array):
  """``len(keys)`` D updates, one per key: a scan when there are several,
  so that the compiled step does not grow with ``train.n_disc``.

  Returns:
    ``(state, diagnostics of the last update)``.
  """
  if keys.shape[0] == 1:
    return d_update(state, hp, keys[0])
  state, diags = jax.lax.scan(lambda s, k: d_update(s, hp, k), state, keys)
  return state, jax.tree.map(lambda v: v[-1], diags)


def scan_steps(d_update: Update, g_update: Update, n_disc: int, state,
               hp: HParams, n_steps: int):
  """``n_steps`` steps of ``n_disc`` D updates then one G update, scanned.

  ``d_update`` and ``g_update`` are ``(state, hp, key) -> (state, diag)``;
  step ``t`` splits its ``n_disc + 1`` keys from ``fold_in(state.key, t)``.
  A step whose diagnostics or parameters are not finite is not kept: the
  state stays at its last finite value and ``diverged`` is set for good.

  Returns:
    ``(state, diagnostics)`` with one entry per step of every diagnostic
    (D's from the step's last D update) and ``'finite'``.
  """
  def step(state, hp):
    keys = jax.random.split(jax.random.fold_in(state.key, state.step),
                            n_disc + 1)
    new, d_diag = discriminator_steps(d_update, state, hp, keys[:-1])
    new, g_diag = g_update(new, hp, keys[-1])
    diag = {**d_diag, **g_diag}
    finite = all_finite((diag, new.g_params, new.d_params))
    keep = finite & ~state.diverged
    new = new.replace(step=state.step + 1)
    new = jax.tree.map(lambda n, o: jnp.where(keep, n, o), new, state)
    diag['finite'] = finite
    return new.replace(diverged=state.diverged | ~finite), diag

  return jax.lax.scan(lambda s, _: step(s, hp), state, None, length=n_steps)
