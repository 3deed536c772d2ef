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

from jaxgan import (data, hparams, losses, metrics, models, optim, penalties,
                    registry, terms)
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


def from_networks(nets: dict) -> GANState:
  """A :class:`GANState` holding only the networks :func:`networks` kept
  (every other field None): what ``generate`` and ``decode`` read."""
  return GANState(**{f.name: nets.get(f.name)
                     for f in dataclasses.fields(GANState)})


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
    decode: ``(state, z, asked=None) -> samples``: the EMA generator in
      inference mode applied to latents ``z`` of shape ``(n,
      model.latent_dim)``; labels and codes, where G takes them, are drawn
      with a fixed key, except the labels and categorical codes that
      ``asked`` (:class:`jaxgan.metrics.Asked`) gives.
    evaluate: ``(state, n) -> (samples, metrics)``: ``n`` samples drawn with
      the member's fixed evaluation key and their quality metrics.
    evaluator: how ``evaluate`` judges samples, with the floor of its
      metrics (:func:`jaxgan.metrics.make_metrics`).
    dataset: the training data.
    generator, discriminator: the Flax modules.
  """
  init: Callable[[PRNGKey, HParams], GANState]
  train_chunk: Callable[[GANState, HParams, int], tuple[GANState, Metrics]]
  generate: Callable[[GANState, PRNGKey, int], Array]
  decode: Callable[..., Array]
  evaluate: Callable[[GANState, int], tuple[Array, Metrics]]
  evaluator: metrics.Evaluator
  dataset: data.Dataset
  generator: nn.Module
  discriminator: nn.Module


class Latents(NamedTuple):
  """What G is applied to: latents ``z``, and labels ``y`` and codes ``c``
  where the model family declares them (None otherwise); ``category`` is
  the categorical code whose one-hot begins ``c`` (None without one)."""
  z: Array
  y: Array | None
  c: Array | None
  category: Array | None


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


def with_hparams(cfg: ml_collections.ConfigDict, opt_state: optax.OptState,
                 hp: HParams, net: str, step: Array | None = None
                 ) -> optax.OptState:
  """``opt_state`` of network ``net`` (``'g'``/``'d'``) set to the
  member's learning rate (times ``cfg.optim.schedule`` at ``step``, when
  given), betas and weight decay."""
  lr = hp[f'lr_{net}']
  if step is not None and cfg.optim.schedule != 'constant':
    lr = lr * optim.SCHEDULES.lookup(cfg.optim.schedule)(
        step, cfg.train.num_steps)
  return optim.set_hyperparams(opt_state, lr, hp[f'b1_{net}'],
                               hp[f'b2_{net}'], hp[f'wd_{net}'])


def scan_steps(d_update: Callable, g_update: Callable, n_disc: int, state,
               hp: HParams, n_steps: int):
  """``n_steps`` steps of ``n_disc`` D updates then one G update, scanned.

  ``d_update`` and ``g_update`` are ``(state, hp, key) -> (state, diag)``;
  step ``t`` splits its keys from ``fold_in(state.key, t)``. A step whose
  diagnostics or parameters are not finite is not kept: the state stays at
  its last finite value and ``diverged`` is set for good.

  Returns:
    ``(state, diagnostics)`` with one entry per step of every diagnostic
    and ``'finite'``.
  """
  def step(state, hp):
    keys = jax.random.split(jax.random.fold_in(state.key, state.step),
                            n_disc + 1)
    new = state
    for k in keys[:-1]:
      new, d_diag = d_update(new, hp, k)
    new, g_diag = g_update(new, hp, keys[-1])
    diag = {**d_diag, **g_diag}
    finite = all_finite((diag, new.g_params, new.d_params))
    keep = finite & ~state.diverged
    new = new.replace(step=state.step + 1)
    new = jax.tree.map(lambda n, o: jnp.where(keep, n, o), new, state)
    diag['finite'] = finite
    return new.replace(diverged=state.diverged | ~finite), diag

  return jax.lax.scan(lambda s, _: step(s, hp), state, None, length=n_steps)


def update_generator(cfg: ml_collections.ConfigDict,
                     g_tx: optax.GradientTransformation, state, hp: HParams,
                     grads: PyTree, g_loss: Array):
  """One optimiser step of G (``state.g_params``) with ``grads``, and its
  weight average ``ema_params`` updated with decay ``hp['ema_decay']``.

  Returns:
    ``(state, {'g_loss', 'g_grad_norm'})``.
  """
  updates, opt_state = g_tx.update(
      grads, with_hparams(cfg, state.g_opt_state, hp, 'g', state.step),
      state.g_params)
  g_params = optax.apply_updates(state.g_params, updates)
  decay = hp['ema_decay']
  ema = jax.tree.map(lambda e, p: decay * e + (1.0 - decay) * p,
                     state.ema_params, g_params)
  return state.replace(g_params=g_params, ema_params=ema,
                       g_opt_state=opt_state), dict(
                           g_loss=g_loss, g_grad_norm=optax.tree.norm(grads))


def all_finite(tree: PyTree) -> Array:
  """Whether every leaf of ``tree`` is finite everywhere."""
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
  family = models.MODELS.lookup(cfg.model.name)
  labelled = 'y' in family.g_inputs or 'y' in family.d_inputs
  coded = 'c' in family.g_inputs
  codes = cfg.model.code_dim if coded else 0
  categories = cfg.model.categories if coded else 0
  asks = (('y',) if 'y' in family.g_inputs else ()) + (
      ('category',) if categories else ())
  evaluator = metrics.make_metrics(cfg, asks, categories)
  g, d = models.make_models(cfg.model, dataset.shape, dataset.num_classes)
  d_hparams = models.hyperparameters(family)
  g_tx = optim.make_optimizer(cfg.optim.g, cfg.optim.clip_norm)
  d_tx = optim.make_optimizer(cfg.optim.d, cfg.optim.clip_norm)
  penalty = penalties.PENALTIES.lookup(cfg.penalty)
  extra_terms = terms.for_config(cfg)
  augment = terms.augmentation(cfg)
  batch, latent, n_disc = (cfg.train.batch_size, cfg.model.latent_dim,
                           cfg.train.n_disc)

  local = lambda x: shard(x, data_axis)
  data_mean = lambda tree: shard_mean(tree, data_axis)
  per_shard = lambda key: shard_key(key, data_axis)
  set_opt = lambda opt_state, hp, net, step=None: with_hparams(
      cfg, opt_state, hp, net, step)

  def inputs(key: PRNGKey, n: int) -> Latents:
    """Latents, and labels and codes where G takes them."""
    z = jax.random.normal(key, (n, latent))
    y = (jax.random.randint(jax.random.fold_in(key, 1), (n,), 0,
                            dataset.num_classes) if labelled else None)
    c = (jax.random.uniform(jax.random.fold_in(key, 2), (n, codes),
                            minval=-1.0, maxval=1.0) if codes else None)
    category = None
    if categories:
      category = jax.random.randint(jax.random.fold_in(key, 7), (n,), 0,
                                    categories)
      c = jnp.concatenate([jax.nn.one_hot(category, categories)]
                          + ([] if c is None else [c]), -1)
    return Latents(z, y, c, category)

  def g_apply(params, stats, latents: Latents, train: bool):
    kw = {k: v for k, v in (('y', latents.y), ('c', latents.c))
          if k in family.g_inputs}
    return g.apply({'params': params, **stats}, latents.z, train=train,
                   mutable=list(stats), **kw)

  def d_kwargs(y, hp) -> dict:
    """D's inputs besides ``x``: the label and the hyperparameters it
    reads (at their defaults when ``hp`` is None)."""
    kw = {'y': y} if 'y' in family.d_inputs else {}
    for name in d_hparams:
      kw[name] = (hp[name] if hp is not None
                  else hparams.as_arrays(hparams.defaults())[name])
    return kw

  def d_apply(params, stats, x, y, train: bool, hp, key):
    out, stats = d.apply({'params': params, **stats}, x, train=train,
                         mutable=list(stats), rngs={'dropout': key},
                         **d_kwargs(y, hp))
    return outputs(out), stats

  def init(key: PRNGKey, hp: HParams) -> GANState:
    key = jax.random.fold_in(key, hp['seed'])
    k_g, k_d, k_train = jax.random.split(key, 3)
    probe = inputs(jax.random.key(0), 1)
    g_vars = g.init(k_g, jnp.zeros((1, latent)), train=False, **{
        k: v for k, v in (('y', probe.y), ('c', probe.c))
        if k in family.g_inputs})
    d_vars = d.init(k_d, jnp.zeros((1,) + dataset.shape), train=False,
                    **d_kwargs(probe.y, hp))
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
    return x if augment is None else augment(key, x)

  def d_update(state: GANState, hp: HParams, key: PRNGKey):
    k_real, k_z, k_pen = jax.random.split(key, 3)
    k_extra = per_shard(jax.random.fold_in(k_pen, 5))
    k_drop = jax.random.fold_in(k_extra, 8)
    if data_axis is not None:
      k_pen = jax.random.fold_in(k_pen, jax.lax.axis_index(data_axis))
    real, y = real_batch(k_real)
    real, y = local(real), local(y)
    latents = inputs(k_z, batch)
    latents = Latents(local(latents.z), y, local(latents.c),
                      local(latents.category))
    fake = jax.lax.stop_gradient(
        g_apply(state.g_params, state.g_stats, latents, True)[0])
    real = augmented(jax.random.fold_in(k_extra, 1), real)
    fake = augmented(jax.random.fold_in(k_extra, 2), fake)
    n = real.shape[0]
    both_y = None if y is None else jnp.concatenate([y, y])

    def loss_fn(d_params):
      out, d_stats = d_apply(d_params, state.d_stats,
                             jnp.concatenate([real, fake]), both_y, True, hp,
                             k_drop)
      out_real = jax.tree.map(lambda v: v[:n], out)
      out_fake = jax.tree.map(lambda v: v[n:], out)
      d_real, d_fake = out_real['logit'], out_fake['logit']
      d_loss, _ = losses.gan_loss(hp['loss'], d_real, d_fake, hp)
      d_fn = lambda x: d_apply(d_params, state.d_stats, x, y, True, hp,
                               k_drop)[0]
      pen = penalty(lambda x: d_fn(x)['logit'], real, fake, k_pen, hp)
      extra = terms.total(extra_terms, 'd', terms.TermInputs(
          net='d', real=real, fake=fake, z=latents.z, y=y, c=latents.c,
          category=latents.category, d_real=out_real, d_fake=out_fake,
          d_fn=d_fn, hp=hp, key=jax.random.fold_in(k_extra, 4)))
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
    k_drop = jax.random.fold_in(k_extra, 8)

    def loss_fn(g_params):
      fake, g_stats = g_apply(g_params, state.g_stats, latents, True)
      fake = augmented(jax.random.fold_in(k_extra, 4), fake)
      d_fn = lambda x: d_apply(state.d_params, state.d_stats, x, latents.y,
                               True, hp, k_drop)[0]
      out = d_fn(fake)
      logits = out['logit']
      _, g_loss = losses.gan_loss(hp['loss'], jnp.zeros_like(logits), logits,
                                  hp)
      extra = terms.total(extra_terms, 'g', terms.TermInputs(
          net='g', real=None, fake=fake, z=latents.z, y=latents.y,
          c=latents.c, category=latents.category, d_real=None, d_fake=out,
          d_fn=d_fn, hp=hp, key=jax.random.fold_in(k_extra, 6)))
      return g_loss + sum(extra.values()), (g_loss, g_stats)

    (_, (g_loss, g_stats)), grads = data_mean(
        jax.value_and_grad(loss_fn, has_aux=True)(state.g_params))
    return update_generator(cfg, g_tx, state.replace(g_stats=g_stats), hp,
                            grads, g_loss)

  def train_chunk(state: GANState, hp: HParams, n_steps: int):
    return scan_steps(d_update, g_update, n_disc, state, hp, n_steps)

  def decode(state: GANState, z: Array,
             asked: metrics.Asked | None = None) -> Array:
    latents = inputs(jax.random.key(EVAL_KEY), z.shape[0])._replace(z=z)
    if asked is not None and asked.y is not None:
      latents = latents._replace(y=asked.y)
    if asked is not None and asked.category is not None and categories:
      latents = latents._replace(c=latents.c.at[:, :categories].set(
          jax.nn.one_hot(asked.category, categories)))
    return g_apply(state.ema_params, state.g_stats, latents, False)[0]

  def generate(state: GANState, key: PRNGKey, n: int) -> Array:
    return g_apply(state.ema_params, state.g_stats, inputs(key, n), False)[0]

  def evaluate(state: GANState, n: int) -> tuple[Array, Metrics]:
    latents = inputs(eval_key(state), n)
    samples = g_apply(state.ema_params, state.g_stats, latents, False)[0]
    return samples, evaluator.measure(
        samples, metrics.Asked(latents.y, latents.category))

  _check_heads(extra_terms, d, dataset, d_kwargs(
      inputs(jax.random.key(0), 1).y, None))
  return TrainFns(init, train_chunk, generate, decode, evaluate, evaluator,
                  dataset, g, d)


def _check_heads(extra_terms: dict, d: nn.Module, dataset: data.Dataset,
                 kwargs: dict) -> None:
  """Checks that D has the heads every loss term reads, by tracing it.

  Raises:
    ValueError: naming the term and the missing head.
  """
  wanted = {(name, head) for name, term in extra_terms.items()
            for head in term.heads}
  if not wanted:
    return
  out = jax.eval_shape(
      lambda k: d.init_with_output({'params': k, 'dropout': k},
                                   jnp.zeros((1,) + dataset.shape),
                                   train=False, **kwargs)[0],
      jax.random.key(0))
  have = set(outputs(out))
  for name, head in sorted(wanted):
    if head not in have:
      raise ValueError(f'terms: {name!r} reads the discriminator head '
                       f'{head!r}, which D does not return (it returns '
                       f'{sorted(have)}); use a model family whose D has it')


def outputs(out) -> dict[str, Array]:
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


def code_grid(cfg: ml_collections.ConfigDict, fns: TrainFns, state,
              columns: int) -> Array:
  """One member's samples laid out by categorical code: row ``k`` holds
  code ``k`` applied to ``columns`` latents that every row shares (codes
  ``model.categories``), shape ``(categories * columns, *example)``: what
  the code controls when everything else stays fixed."""
  k = cfg.model.categories
  z = jax.random.normal(jax.random.key(EVAL_KEY), (columns,
                                                   cfg.model.latent_dim))
  category = jnp.repeat(jnp.arange(k), columns)
  return fns.decode(state, jnp.tile(z, (k, 1)),
                    metrics.Asked(category=category))


def metric_names(cfg: ml_collections.ConfigDict) -> list[str]:
  """Every metric an evaluation of ``cfg``'s program reports, read by
  tracing its ``evaluate`` (nothing is compiled)."""
  fns = make_program(cfg)
  hp = hparams.as_arrays(dict(cfg.hparams))
  out = jax.eval_shape(
      lambda k: fns.evaluate(fns.init(k, hp), cfg.train.eval_samples)[1],
      jax.random.key(0))
  return list(out)


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
