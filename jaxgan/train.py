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

import dataclasses
from typing import Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import optax
from flax import struct

from jaxgan import (data, losses, metrics, models, optim, penalties, registry,
                    terms)
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


# What the best checkpoint keeps of a GANState: the networks.
NETS = ('g_params', 'g_stats', 'd_params', 'd_stats', 'ema_params')


def networks(state) -> dict:
  """What a checkpoint of a member's best state keeps: a GANState's
  networks (:data:`NETS`), or every field but the PRNG key of a registered
  program's state."""
  if isinstance(state, GANState):
    return {k: getattr(state, k) for k in NETS}
  return {f.name: getattr(state, f.name) for f in dataclasses.fields(state)
          if f.name != 'key'}


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
      applied to latents ``z`` of shape ``(n, model.latent_dim)`` (labels
      and codes, where G takes them, drawn with a fixed key).
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


class Latents(NamedTuple):
  """What G is applied to: latents ``z``, and labels ``y`` and codes ``c``
  where the model family declares them (None otherwise)."""
  z: Array
  y: Array | None
  c: Array | None


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
  family = models.MODELS.lookup(cfg.model.name)
  g, d = models.make_models(cfg.model, dataset.shape)
  g_tx = optim.make_optimizer(cfg.optim.g, cfg.optim.clip_norm)
  d_tx = optim.make_optimizer(cfg.optim.d, cfg.optim.clip_norm)
  penalty = penalties.PENALTIES.lookup(cfg.penalty)
  schedule = optim.SCHEDULES.lookup(cfg.optim.schedule)
  extra_terms = terms.for_config(cfg)
  augment_name = cfg.augment
  augment = terms.AUGMENTATIONS.lookup(augment_name)
  batch, latent, n_disc = (cfg.train.batch_size, cfg.model.latent_dim,
                           cfg.train.n_disc)
  labelled = 'y' in family.g_inputs or 'y' in family.d_inputs
  codes = cfg.model.code_dim if 'c' in family.g_inputs else 0

  def local(x: Array) -> Array:
    """This device's slice of a global batch."""
    if data_axis is None or x is None:
      return x
    size = x.shape[0] // jax.lax.axis_size(data_axis)
    return jax.lax.dynamic_slice_in_dim(
        x, jax.lax.axis_index(data_axis) * size, size)

  def data_mean(tree: PyTree) -> PyTree:
    return tree if data_axis is None else jax.lax.pmean(tree, data_axis)

  def set_opt(opt_state, hp, net, step=None):
    lr = hp[f'lr_{net}']
    if step is not None and cfg.optim.schedule != 'constant':
      lr = lr * schedule(step, cfg.train.num_steps)
    return optim.set_hyperparams(opt_state, lr, hp[f'b1_{net}'],
                                 hp[f'b2_{net}'], hp[f'wd_{net}'])

  def inputs(key: PRNGKey, n: int) -> Latents:
    """Latents, and labels and codes where G takes them."""
    z = jax.random.normal(key, (n, latent))
    y = (jax.random.randint(jax.random.fold_in(key, 1), (n,), 0,
                            dataset.num_classes) if labelled else None)
    c = (jax.random.uniform(jax.random.fold_in(key, 2), (n, codes),
                            minval=-1.0, maxval=1.0) if codes else None)
    return Latents(z, y, c)

  def g_apply(params, stats, latents: Latents, train: bool):
    kw = {k: v for k, v in (('y', latents.y), ('c', latents.c))
          if k in family.g_inputs}
    return g.apply({'params': params, **stats}, latents.z, train=train,
                   mutable=list(stats), **kw)

  def d_apply(params, stats, x, y, train: bool):
    kw = {'y': y} if 'y' in family.d_inputs else {}
    out, stats = d.apply({'params': params, **stats}, x, train=train,
                         mutable=list(stats), **kw)
    return _outputs(out), stats

  def init(key: PRNGKey, hp: HParams) -> GANState:
    key = jax.random.fold_in(key, hp['seed'])
    k_g, k_d, k_train = jax.random.split(key, 3)
    probe = inputs(jax.random.key(0), 1)
    g_vars = g.init(k_g, jnp.zeros((1, latent)), train=False, **{
        k: v for k, v in (('y', probe.y), ('c', probe.c))
        if k in family.g_inputs})
    d_kw = {'y': probe.y} if 'y' in family.d_inputs else {}
    d_vars = d.init(k_d, jnp.zeros((1,) + dataset.shape), train=False, **d_kw)
    g_params, d_params = g_vars.pop('params'), d_vars.pop('params')
    return GANState(
        step=jnp.zeros((), jnp.int32), key=k_train,
        g_params=g_params, g_stats=dict(g_vars),
        d_params=d_params, d_stats=dict(d_vars),
        ema_params=g_params,
        g_opt_state=set_opt(g_tx.init(g_params), hp, 'g'),
        d_opt_state=set_opt(d_tx.init(d_params), hp, 'd'),
        diverged=jnp.zeros((), bool))

  def real_batch(key: PRNGKey) -> tuple[Array, Array | None]:
    if labelled:
      return dataset.sample_labelled(key, batch)
    return dataset.sample(key, batch), None

  def augmented(key: PRNGKey, x: Array) -> Array:
    return x if augment_name == 'none' else augment(key, x)

  def per_shard(key: PRNGKey) -> PRNGKey:
    """``key``, folded with the shard's index when a batch is split over
    devices (so a population member on one device equals its single run)."""
    if data_axis is None or jax.lax.axis_size(data_axis) == 1:
      return key
    return jax.random.fold_in(key, jax.lax.axis_index(data_axis))

  def d_update(state: GANState, hp: HParams, key: PRNGKey):
    k_real, k_z, k_pen = jax.random.split(key, 3)
    k_extra = per_shard(jax.random.fold_in(k_pen, 5))
    if data_axis is not None:
      k_pen = jax.random.fold_in(k_pen, jax.lax.axis_index(data_axis))
    real, y = real_batch(k_real)
    real, y = local(real), local(y)
    latents = inputs(k_z, batch)
    latents = Latents(local(latents.z), y, local(latents.c))
    fake = jax.lax.stop_gradient(
        g_apply(state.g_params, state.g_stats, latents, True)[0])
    real = augmented(jax.random.fold_in(k_extra, 1), real)
    fake = augmented(jax.random.fold_in(k_extra, 2), fake)
    n = real.shape[0]
    both_y = None if y is None else jnp.concatenate([y, y])

    def loss_fn(d_params):
      out, d_stats = d_apply(d_params, state.d_stats,
                             jnp.concatenate([real, fake]), both_y, True)
      out_real = jax.tree.map(lambda v: v[:n], out)
      out_fake = jax.tree.map(lambda v: v[n:], out)
      d_real, d_fake = out_real['logit'], out_fake['logit']
      d_loss, _ = losses.gan_loss(hp['loss'], d_real, d_fake, hp)
      d_fn = lambda x: d_apply(d_params, state.d_stats, x, y, True)[0]
      pen = penalty(lambda x: d_fn(x)['logit'], real, fake, k_pen, hp)
      extra = terms.total(extra_terms, 'd', terms.TermInputs(
          'd', real, fake, latents.z, y, latents.c, out_real, out_fake, d_fn,
          hp, jax.random.fold_in(k_extra, 4)))
      return d_loss + pen + sum(extra.values()), (d_stats, dict(
          d_loss=d_loss, penalty=pen, d_real=jnp.mean(d_real),
          d_fake=jnp.mean(d_fake)))

    grads, (d_stats, diag) = data_mean(
        jax.grad(loss_fn, has_aux=True)(state.d_params))
    updates, opt_state = d_tx.update(
        grads, set_opt(state.d_opt_state, hp, 'd', state.step), state.d_params)
    diag['d_grad_norm'] = optax.tree.norm(grads)
    return state.replace(d_params=optax.apply_updates(state.d_params, updates),
                         d_stats=d_stats, d_opt_state=opt_state), diag

  def g_update(state: GANState, hp: HParams, key: PRNGKey):
    k_extra = per_shard(key)
    latents = inputs(key, batch)
    if labelled:
      latents = latents._replace(y=real_batch(jax.random.fold_in(key, 3))[1])
    latents = Latents(*(local(v) for v in latents))

    def loss_fn(g_params):
      fake, g_stats = g_apply(g_params, state.g_stats, latents, True)
      fake = augmented(jax.random.fold_in(k_extra, 4), fake)
      out, _ = d_apply(state.d_params, state.d_stats, fake, latents.y, True)
      logits = out['logit']
      _, g_loss = losses.gan_loss(hp['loss'], jnp.zeros_like(logits), logits,
                                  hp)
      d_fn = lambda x: d_apply(state.d_params, state.d_stats, x, latents.y,
                               True)[0]
      extra = terms.total(extra_terms, 'g', terms.TermInputs(
          'g', None, fake, latents.z, latents.y, latents.c, None, out, d_fn,
          hp, jax.random.fold_in(k_extra, 6)))
      return g_loss + sum(extra.values()), (g_loss, g_stats)

    (_, (g_loss, g_stats)), grads = data_mean(
        jax.value_and_grad(loss_fn, has_aux=True)(state.g_params))
    updates, opt_state = g_tx.update(
        grads, set_opt(state.g_opt_state, hp, 'g', state.step), state.g_params)
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
    latents = inputs(jax.random.key(EVAL_KEY), z.shape[0])._replace(z=z)
    return g_apply(state.ema_params, state.g_stats, latents, False)[0]

  def generate(state: GANState, key: PRNGKey, n: int) -> Array:
    return g_apply(state.ema_params, state.g_stats, inputs(key, n), False)[0]

  def evaluate(state: GANState, n: int) -> tuple[Array, Metrics]:
    samples = generate(state, eval_key(state), n)
    return samples, measure(samples)

  return TrainFns(init, train_chunk, generate, decode, evaluate, measure,
                  dataset, g, d)


def _outputs(out) -> dict[str, Array]:
  """D's outputs as a dict with ``'logit'``."""
  if isinstance(out, dict):
    if 'logit' not in out:
      raise ValueError("a discriminator that returns a dict must include its "
                       f"'logit'; it returned {sorted(out)}")
    return out
  return {'logit': out}


PROGRAMS = registry.Registry(
    'GAN program', 'program', {'gan': make_train},
    registry.callable_check('make_train(cfg, data_axis) -> TrainFns'))
register_program = PROGRAMS.register


def make_program(cfg: ml_collections.ConfigDict,
                 data_axis: str | None = None) -> TrainFns:
  """The train functions of ``cfg.program`` (:data:`PROGRAMS`).

  Raises:
    ValueError: the program does not return a :class:`TrainFns`.
  """
  fns = PROGRAMS.lookup(cfg.program)(cfg, data_axis=data_axis)
  if not isinstance(fns, TrainFns):
    raise ValueError(f'program={cfg.program!r} returned '
                     f'{type(fns).__name__}, not jaxgan.train.TrainFns')
  return fns
