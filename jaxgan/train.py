"""The pure GAN training core: state, one step, a scanned chunk of steps.

``make_train(cfg)`` reads only the *static* part of a config and returns pure
functions. Dynamic hyperparameters arrive as arrays in ``hparams`` on every
call, so the caller applies ``jit`` (and ``vmap`` over a population axis) once,
at the outermost level, and changing a value compiles nothing.

Example:
  >>> fns = make_train(config.get_config())
  >>> hp = config.hparams_from_config(cfg)
  >>> state = jax.jit(fns.init)(jax.random.key(0), hp)
  >>> chunk = jax.jit(fns.train_chunk, static_argnums=2)
  >>> state, metrics = chunk(state, hp, 1000)   # metrics['d_loss'].shape == (1000,)
"""

from typing import Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import optax
from flax import struct

from jaxgan import data, losses, metrics, models, optim, penalties
from jaxgan.types import Array, HParams, Metrics, Params, PRNGKey, PyTree

# Per-step diagnostics returned by ``train_chunk`` (each of shape (n_steps,)).
STEP_METRICS = ('d_loss', 'g_loss', 'penalty', 'd_real', 'd_fake',
                'd_grad_norm', 'g_grad_norm', 'finite')
# Folded into a member's key to draw the samples every evaluation uses.
EVAL_KEY = 0x5EED


class GANState(struct.PyTreeNode):
  """Everything that evolves during training of one GAN.

  Attributes:
    step: generator steps taken (int32).
    key: the member's PRNG key; step ``t`` uses ``fold_in(key, t)``.
    g_params, d_params: network parameters.
    g_stats, d_stats: non-parameter collections (batch norm statistics,
      spectral norm vectors), ``{}`` when a network has none.
    ema_params: exponential moving average of ``g_params``
      (decay ``hparams['ema_decay']``; 0 keeps a copy).
    g_opt_state, d_opt_state: optimiser states.
    diverged: set once a step produced a non-finite loss, gradient or
      parameter; from then on the state stays at its last finite value.
  """
  step: Array
  key: PRNGKey
  g_params: Params
  g_stats: PyTree
  d_params: Params
  d_stats: PyTree
  ema_params: Params
  g_opt_state: optax.OptState
  d_opt_state: optax.OptState
  diverged: Array


def eval_key(state: GANState) -> PRNGKey:
  """The key of the samples every evaluation of ``state``'s member draws."""
  return jax.random.fold_in(state.key, EVAL_KEY)


class TrainFns(NamedTuple):
  """Pure functions built by :func:`make_train`.

  Attributes:
    init: ``(key, hparams) -> GANState``; the member's key is
      ``fold_in(key, hparams['seed'])``.
    train_chunk: ``(state, hparams, n_steps) -> (state, metrics)``, with
      ``n_steps`` static and one entry of :data:`STEP_METRICS` per step.
    generate: ``(state, key, n) -> samples`` from the EMA generator in
      inference mode (``n`` static).
    decode: ``(state, z) -> samples``: the EMA generator in inference mode
      applied to latents ``z`` of shape ``(n, model.latent_dim)``.
    evaluate: ``(state, n) -> (samples, metrics)``: ``n`` samples drawn with
      the member's fixed evaluation key and their quality metrics.
    measure: ``samples -> metrics``, the quality metrics of one member's
      samples (:func:`jaxgan.metrics.make_metrics`).
    dataset: the training data.
    generator, discriminator: the Flax modules.
  """
  init: Callable[[PRNGKey, HParams], GANState]
  train_chunk: Callable[[GANState, HParams, int], tuple[GANState, Metrics]]
  generate: Callable[[GANState, PRNGKey, int], Array]
  decode: Callable[[GANState, Array], Array]
  evaluate: Callable[[GANState, int], tuple[Array, Metrics]]
  measure: Callable[[Array], Metrics]
  dataset: data.Dataset
  generator: nn.Module
  discriminator: nn.Module


def _apply(module: nn.Module, params: Params, stats: PyTree, x: Array,
           train: bool) -> tuple[Array, PyTree]:
  """Applies a model, returning its output and its updated statistics."""
  return module.apply({'params': params, **stats}, x, train=train,
                      mutable=list(stats))


def _all_finite(tree: PyTree) -> Array:
  leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]
  return jnp.all(jnp.stack(leaves))


def make_train(cfg: ml_collections.ConfigDict,
               data_axis: str | None = None) -> TrainFns:
  """Builds the pure train functions for the static settings of ``cfg``.

  Args:
    cfg: a validated config; only its static fields are read (``hparams``
      values arrive with every call).
    data_axis: name of a mapped device axis (inside ``shard_map``) that splits
      each batch. Every device draws the same global batch and keeps its
      slice; gradients, losses and normalisation statistics are averaged over
      the axis with ``lax.pmean``, so the result equals the unsplit step up to
      float rounding (batch norm then normalises each slice on its own).

  Returns:
    The :class:`TrainFns`.
  """
  dataset = data.for_config(cfg)
  measure = metrics.make_metrics(cfg).measure
  g, d = models.make_models(cfg.model, dataset.shape)
  g_tx = optim.make_optimizer(cfg.optim.g, cfg.optim.clip_norm)
  d_tx = optim.make_optimizer(cfg.optim.d, cfg.optim.clip_norm)
  penalty = penalties.PENALTIES[cfg.penalty]
  batch, latent, n_disc = (cfg.train.batch_size, cfg.model.latent_dim,
                           cfg.train.n_disc)

  def local(x: Array) -> Array:
    """This device's slice of a global batch."""
    if data_axis is None:
      return x
    size = x.shape[0] // jax.lax.axis_size(data_axis)
    return jax.lax.dynamic_slice_in_dim(
        x, jax.lax.axis_index(data_axis) * size, size)

  def data_mean(tree: PyTree) -> PyTree:
    return tree if data_axis is None else jax.lax.pmean(tree, data_axis)

  def set_opt(opt_state, hp, net):
    return optim.set_hyperparams(opt_state, hp[f'lr_{net}'], hp[f'b1_{net}'],
                                 hp[f'b2_{net}'], hp[f'wd_{net}'])

  def init(key: PRNGKey, hp: HParams) -> GANState:
    key = jax.random.fold_in(key, hp['seed'])
    k_g, k_d, k_train = jax.random.split(key, 3)
    g_vars = g.init(k_g, jnp.zeros((1, latent)), train=False)
    d_vars = d.init(k_d, jnp.zeros((1,) + dataset.shape), train=False)
    g_params, d_params = g_vars.pop('params'), d_vars.pop('params')
    return GANState(
        step=jnp.zeros((), jnp.int32), key=k_train,
        g_params=g_params, g_stats=dict(g_vars),
        d_params=d_params, d_stats=dict(d_vars),
        ema_params=g_params,
        g_opt_state=set_opt(g_tx.init(g_params), hp, 'g'),
        d_opt_state=set_opt(d_tx.init(d_params), hp, 'd'),
        diverged=jnp.zeros((), bool))

  def d_update(state: GANState, hp: HParams, key: PRNGKey):
    k_real, k_z, k_pen = jax.random.split(key, 3)
    if data_axis is not None:
      k_pen = jax.random.fold_in(k_pen, jax.lax.axis_index(data_axis))
    real = local(dataset.sample(k_real, batch))
    z = local(jax.random.normal(k_z, (batch, latent)))
    fake = jax.lax.stop_gradient(
        _apply(g, state.g_params, state.g_stats, z, True)[0])
    n = real.shape[0]

    def loss_fn(d_params):
      logits, d_stats = _apply(d, d_params, state.d_stats,
                               jnp.concatenate([real, fake]), True)
      d_real, d_fake = logits[:n], logits[n:]
      d_loss, _ = losses.gan_loss(hp['loss'], d_real, d_fake, hp)
      d_fn = lambda x: _apply(d, d_params, state.d_stats, x, True)[0]
      pen = penalty(d_fn, real, fake, k_pen, hp)
      return d_loss + pen, (d_stats, dict(
          d_loss=d_loss, penalty=pen, d_real=jnp.mean(d_real),
          d_fake=jnp.mean(d_fake)))

    grads, (d_stats, diag) = data_mean(
        jax.grad(loss_fn, has_aux=True)(state.d_params))
    updates, opt_state = d_tx.update(grads, set_opt(state.d_opt_state, hp, 'd'),
                                     state.d_params)
    diag['d_grad_norm'] = optax.tree.norm(grads)
    return state.replace(d_params=optax.apply_updates(state.d_params, updates),
                         d_stats=d_stats, d_opt_state=opt_state), diag

  def g_update(state: GANState, hp: HParams, key: PRNGKey):
    z = local(jax.random.normal(key, (batch, latent)))

    def loss_fn(g_params):
      fake, g_stats = _apply(g, g_params, state.g_stats, z, True)
      logits, _ = _apply(d, state.d_params, state.d_stats, fake, True)
      _, g_loss = losses.gan_loss(hp['loss'], jnp.zeros_like(logits), logits,
                                  hp)
      return g_loss, g_stats

    (g_loss, g_stats), grads = data_mean(
        jax.value_and_grad(loss_fn, has_aux=True)(state.g_params))
    updates, opt_state = g_tx.update(grads, set_opt(state.g_opt_state, hp, 'g'),
                                     state.g_params)
    g_params = optax.apply_updates(state.g_params, updates)
    decay = hp['ema_decay']
    ema = jax.tree.map(lambda e, p: decay * e + (1.0 - decay) * p,
                       state.ema_params, g_params)
    return state.replace(g_params=g_params, g_stats=g_stats, ema_params=ema,
                         g_opt_state=opt_state), dict(
                             g_loss=g_loss, g_grad_norm=optax.tree.norm(grads))

  def step(state: GANState, hp: HParams):
    keys = jax.random.split(jax.random.fold_in(state.key, state.step),
                            n_disc + 1)
    new = state
    for k in keys[:-1]:
      new, d_diag = d_update(new, hp, k)
    new, g_diag = g_update(new, hp, keys[-1])
    diag = {**d_diag, **g_diag}
    finite = _all_finite((diag, new.g_params, new.d_params))
    keep = finite & ~state.diverged
    new = new.replace(step=state.step + 1)
    new = jax.tree.map(lambda n, o: jnp.where(keep, n, o), new, state)
    diag['finite'] = finite
    return new.replace(diverged=state.diverged | ~finite), diag

  def train_chunk(state: GANState, hp: HParams, n_steps: int):
    return jax.lax.scan(lambda s, _: step(s, hp), state, None, length=n_steps)

  def decode(state: GANState, z: Array) -> Array:
    return _apply(g, state.ema_params, state.g_stats, z, False)[0]

  def generate(state: GANState, key: PRNGKey, n: int) -> Array:
    return decode(state, jax.random.normal(key, (n, latent)))

  def evaluate(state: GANState, n: int) -> tuple[Array, Metrics]:
    samples = generate(state, eval_key(state), n)
    return samples, measure(samples)

  return TrainFns(init, train_chunk, generate, decode, evaluate, measure,
                  dataset, g, d)
