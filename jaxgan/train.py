"""The pure GAN training core: state, one step, a scanned chunk of steps.

``make_train(cfg)`` reads only the *static* part of a config and returns pure
functions: the ``gan`` program of :data:`PROGRAMS` (``cyclegan``,
:mod:`jaxgan.cyclegan`, is the other built-in one). Dynamic hyperparameters
arrive as arrays in ``hparams`` on every call, so the caller applies ``jit``
(and ``vmap`` over a population axis) once, at the outermost level, and
changing a value compiles nothing.

The step is module-level functions of the config's :class:`Parts`: D's
update (:func:`d_update`: a real and a fake batch, :func:`d_loss`, the
optimiser step) and G's (:func:`g_update`, :func:`g_loss`), scanned by
:func:`jaxgan.step.scan_steps`; every key comes from a named stream of
:mod:`jaxgan.step`. Which calls update each network's state (batch-norm
statistics, spectral-norm vectors) is its model family's declaration
(:class:`jaxgan.models.StateUpdates`).

Example:
  >>> fns = make_train(config.get_config())
  >>> hp = config.hparams_from_config(cfg)
  >>> state = jax.jit(fns.init)(jax.random.key(0), hp)
  >>> chunk = jax.jit(fns.train_chunk, static_argnums=2)
  >>> state, metrics = chunk(state, hp, 1000)   # metrics['d_loss'].shape == (1000,)
"""

import dataclasses
import functools
from typing import Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import optax
from flax import struct

from jaxgan import (config, data, hparams, losses, metrics, models, optim,
                    penalties, registry, step, terms)
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


class Parts(NamedTuple):
  """The static pieces of the GAN program for one config
  (:func:`make_parts`), which every function of its step reads.

  Attributes:
    dataset: the training data.
    family: the model family as it trains ``d``
      (:func:`jaxgan.models.as_trained`); ``family.state`` says which
      calls update each network's state, ``family.d_calls`` how D's step
      applies D.
    g, d: the Flax modules.
    g_tx, d_tx: the optimisers (hyperparameters injected per member).
    schedule: ``step -> factor`` of both learning rates, or None.
    penalty: D's gradient penalty (:data:`jaxgan.penalties.PENALTIES`).
    terms: the extra loss terms, by name.
    augment: ``(key, x) -> x`` applied to everything D sees, or None.
    batch, latent, n_disc: ``train.batch_size``, ``model.latent_dim``,
      ``train.n_disc``.
    codes, categories: InfoGAN's continuous codes and categories (0 where
      G takes no codes).
    data_axis: the mapped device axis that splits each batch, or None.
  """
  dataset: data.Dataset
  family: models.ModelFamily
  g: nn.Module
  d: nn.Module
  g_tx: optax.GradientTransformation
  d_tx: optax.GradientTransformation
  schedule: Callable[[Array], Array] | None
  penalty: Callable
  terms: dict[str, terms.LossTerm]
  augment: Callable[[PRNGKey, Array], Array] | None
  batch: int
  latent: int
  n_disc: int
  codes: int
  categories: int
  data_axis: str | None

  @property
  def labelled(self) -> bool:
    """Whether G or D takes labels."""
    return 'y' in self.family.g_inputs or 'y' in self.family.d_inputs

  @property
  def asks(self) -> tuple[str, ...]:
    """What an evaluation's samples are asked for
    (:func:`jaxgan.metrics.make_metrics`)."""
    return ((('y',) if 'y' in self.family.g_inputs else ())
            + (('category',) if self.categories else ()))


def make_parts(cfg: ml_collections.ConfigDict,
               data_axis: str | None = None) -> Parts:
  """The GAN program's :class:`Parts` for the static settings of ``cfg``."""
  dataset = data.for_config(cfg)
  family = models.MODELS.lookup(cfg.model.name)
  coded = 'c' in family.g_inputs
  g, d = models.make_models(cfg.model, dataset.shape, dataset.num_classes)
  return Parts(
      dataset=dataset, family=models.as_trained(family, d), g=g, d=d,
      g_tx=optim.make_optimizer(cfg.optim.g, cfg.optim.clip_norm),
      d_tx=optim.make_optimizer(cfg.optim.d, cfg.optim.clip_norm),
      schedule=optim.make_schedule(cfg.optim.schedule, cfg.train.num_steps),
      penalty=penalties.PENALTIES.lookup(cfg.penalty),
      terms=terms.for_config(cfg), augment=terms.augmentation(cfg),
      batch=cfg.train.batch_size, latent=cfg.model.latent_dim,
      n_disc=cfg.train.n_disc, codes=cfg.model.code_dim if coded else 0,
      categories=cfg.model.categories if coded else 0, data_axis=data_axis)


def draw_latents(p: Parts, key: PRNGKey, n: int) -> Latents:
  """``n`` latents, and labels and codes where G takes them."""
  z = jax.random.normal(key, (n, p.latent))
  y = (jax.random.randint(jax.random.fold_in(key, step.LatentStream.LABELS),
                          (n,), 0, p.dataset.num_classes)
       if p.labelled else None)
  c = (jax.random.uniform(jax.random.fold_in(key, step.LatentStream.CODES),
                          (n, p.codes), minval=-1.0, maxval=1.0)
       if p.codes else None)
  category = None
  if p.categories:
    category = jax.random.randint(
        jax.random.fold_in(key, step.LatentStream.CATEGORY), (n,), 0,
        p.categories)
    c = jnp.concatenate([jax.nn.one_hot(category, p.categories)]
                        + ([] if c is None else [c]), -1)
  return Latents(z, y, c, category)


def draw_real(p: Parts, key: PRNGKey) -> tuple[Array, Array | None]:
  """A global batch of real examples, and their labels where the
  networks take labels."""
  if p.labelled:
    return p.dataset.sample_labelled(key, p.batch)
  return p.dataset.sample(key, p.batch), None


def local_latents(p: Parts, latents: Latents) -> Latents:
  """This device's slice of global ``latents``."""
  return Latents(*(step.shard(v, p.data_axis) for v in latents))


def g_inputs(p: Parts, latents: Latents) -> dict:
  """G's inputs besides ``z``: the labels and codes of ``latents`` that
  the family's G takes."""
  return {k: v for k, v in (('y', latents.y), ('c', latents.c))
          if k in p.family.g_inputs}


def apply_g(p: Parts, params: Params, stats: PyTree, latents: Latents,
            train: bool) -> tuple[Array, PyTree]:
  """G on ``latents``: ``(samples, G's state as the call left it)``."""
  return p.g.apply({'params': params, **stats}, latents.z, train=train,
                   mutable=list(stats), **g_inputs(p, latents))


def d_inputs(p: Parts, y: Array | None, hp: HParams | None) -> dict:
  """D's inputs besides ``x``: the label and the hyperparameters it reads
  (at their defaults when ``hp`` is None)."""
  kw = {'y': y} if 'y' in p.family.d_inputs else {}
  for name in models.hyperparameters(p.family):
    kw[name] = (hp[name] if hp is not None
                else hparams.as_arrays(hparams.defaults())[name])
  return kw


def apply_d(p: Parts, variables: PyTree, x: Array, y: Array | None,
            hp: HParams, key: PRNGKey) -> tuple[dict[str, Array], PyTree]:
  """D (Flax ``variables``: its params and state) on ``x`` in training mode
  (dropout from ``key``): ``(outputs, D's state as the call left it)``."""
  mutable = [k for k in variables if k != 'params']
  out, stats = p.d.apply(variables, x, train=True, mutable=mutable,
                         rngs={'dropout': key}, **d_inputs(p, y, hp))
  return outputs(out), stats


def augmented(p: Parts, key: PRNGKey, x: Array) -> Array:
  """``x`` as D sees it (``config.augment``)."""
  return x if p.augment is None else p.augment(key, x)


def init(p: Parts, key: PRNGKey, hp: HParams) -> GANState:
  """A member's state; its key is ``fold_in(key, hp['seed'])``."""
  key = jax.random.fold_in(key, hp['seed'])
  k_g, k_d, k_train = jax.random.split(key, 3)
  probe = draw_latents(p, jax.random.key(0), 1)
  g_vars = p.g.init(k_g, jnp.zeros((1, p.latent)), train=False,
                    **g_inputs(p, probe))
  d_vars = p.d.init(k_d, jnp.zeros((1,) + p.dataset.shape), train=False,
                    **d_inputs(p, probe.y, hp))
  g_params, d_params = g_vars.pop('params'), d_vars.pop('params')
  return GANState(
      step=jnp.zeros((), jnp.int32), key=k_train,
      g_params=g_params, g_stats=dict(g_vars),
      d_params=d_params, d_stats=dict(d_vars),
      ema_params=g_params,
      g_opt_state=optim.set_hyperparams(p.g_tx.init(g_params),
                                        optim.Hyperparams.of_g(hp)),
      d_opt_state=optim.set_hyperparams(p.d_tx.init(d_params),
                                        optim.Hyperparams.of_d(hp)),
      diverged=jnp.zeros((), bool))


class DBatch(NamedTuple):
  """What D's loss sees in one D step: this device's real and fake
  batches as D sees them, the real batch's labels, the fakes' latents
  (with the fakes' labels ``y``), and the keys of the penalty, the terms
  and D's dropout."""
  real: Array
  real_y: Array | None
  fake: Array
  latents: Latents
  penalty_key: PRNGKey
  terms_key: PRNGKey
  dropout_key: PRNGKey


def d_loss(d_params: Params, p: Parts, state: GANState, hp: HParams,
           b: DBatch) -> tuple[Array, tuple[PyTree, Metrics]]:
  """D's loss: the GAN loss on the real and fake batch (one call of D on
  both, or one on each as ``p.family.d_calls`` says), the penalty and D's
  terms.

  Returns:
    ``(loss, (D's state after its calls, diagnostics))``.
  """
  y = b.real_y
  d_vars = {'params': d_params, **state.d_stats}
  if p.family.d_calls == 'separate':
    out_real, after_real = apply_d(p, d_vars, b.real, y, hp, b.dropout_key)
    out_fake, d_stats = apply_d(
        p, {'params': d_params, **after_real}, b.fake, b.latents.y, hp,
        jax.random.fold_in(b.dropout_key, step.DStream.FAKE_CALL))
  else:
    n = b.real.shape[0]
    both_y = None if y is None else jnp.concatenate([y, b.latents.y])
    out, d_stats = apply_d(p, d_vars, jnp.concatenate([b.real, b.fake]),
                           both_y, hp, b.dropout_key)
    out_real = jax.tree.map(lambda v: v[:n], out)
    out_fake = jax.tree.map(lambda v: v[n:], out)
  d_real, d_fake = out_real['logit'], out_fake['logit']
  adversarial, _ = losses.gan_loss(hp['loss'], d_real, d_fake, hp)
  d_fn = lambda x: apply_d(p, d_vars, x, y, hp, b.dropout_key)[0]
  pen = p.penalty(lambda x: d_fn(x)['logit'], b.real, b.fake, b.penalty_key,
                  hp)
  extra = terms.total(p.terms, 'd', terms.TermInputs(
      net='d', real=b.real, fake=b.fake, z=b.latents.z, y=y, c=b.latents.c,
      category=b.latents.category, d_real=out_real, d_fake=out_fake,
      d_fn=d_fn, hp=hp, key=b.terms_key))
  return adversarial + pen + sum(extra.values()), (d_stats, dict(
      d_loss=adversarial, penalty=pen, d_real=jnp.mean(d_real),
      d_fake=jnp.mean(d_fake)))


def d_update(p: Parts, state: GANState, hp: HParams, key: PRNGKey
             ) -> tuple[GANState, Metrics]:
  """One D step (:func:`d_step`) on a real batch and latents drawn from
  ``key``; the fakes take the real batch's labels."""
  k_real, k_z, k_pen = jax.random.split(key, 3)
  real, y = (step.shard(v, p.data_axis) for v in draw_real(p, k_real))
  latents = local_latents(p, draw_latents(p, k_z, p.batch))._replace(y=y)
  return d_step(p, state, hp, real, y, latents, k_pen)


def d_step(p: Parts, state: GANState, hp: HParams, real: Array,
           real_y: Array | None, latents: Latents, key: PRNGKey
           ) -> tuple[GANState, Metrics]:
  """One D step on given batches: G's fakes of ``latents`` (this device's;
  G in training mode), D's loss (:func:`d_loss`) on them and this
  device's ``real`` batch (labels ``real_y``) averaged over the data axis,
  D's optimiser step, and each network's state kept where
  ``p.family.state`` says; ``key`` draws the penalty's, the terms' and the
  augmentation's randomness."""
  k_extra = step.shard_key(jax.random.fold_in(key, step.DStream.EXTRA),
                           p.data_axis)
  k_pen = key
  if p.data_axis is not None:
    k_pen = jax.random.fold_in(k_pen, jax.lax.axis_index(p.data_axis))
  fake, g_stats = apply_g(p, state.g_params, state.g_stats, latents, True)
  b = DBatch(
      real=augmented(p, jax.random.fold_in(k_extra,
                                           step.DStream.AUGMENT_REAL), real),
      real_y=real_y,
      fake=augmented(p, jax.random.fold_in(k_extra,
                                           step.DStream.AUGMENT_FAKE),
                     jax.lax.stop_gradient(fake)),
      latents=latents, penalty_key=k_pen,
      terms_key=jax.random.fold_in(k_extra, step.DStream.TERMS),
      dropout_key=jax.random.fold_in(k_extra, step.DStream.DROPOUT))
  grads, (d_stats, diag) = step.shard_mean(
      jax.grad(d_loss, has_aux=True)(state.d_params, p, state, hp, b),
      p.data_axis)
  rule = p.family.state
  if 'd' in rule.g:
    state = state.replace(g_stats=step.shard_mean(g_stats, p.data_axis))
  state, diag['d_grad_norm'] = step.update_discriminator(
      p.d_tx, state,
      optim.Hyperparams.of_d(hp).at(p.schedule, state.step), grads,
      d_stats if 'd' in rule.d else state.d_stats)
  return state, diag


class GBatch(NamedTuple):
  """What G's loss sees in one G step: this device's latents (``y`` drawn
  with a real batch), the real batch where a term needs it (else None),
  and the keys of the fakes' augmentation, the real batch's, the terms and
  D's dropout."""
  latents: Latents
  real: Array | None
  augment_key: PRNGKey
  augment_real_key: PRNGKey
  terms_key: PRNGKey
  dropout_key: PRNGKey


def g_loss(g_params: Params, p: Parts, state: GANState, hp: HParams,
           b: GBatch) -> tuple[Array, tuple[Array, PyTree, PyTree | None]]:
  """G's loss: the GAN loss of D on G's fakes and G's terms.

  Returns:
    ``(loss, (GAN loss, G's state after its call, D's state after its
    call where D's state updates in G's step, else None))``.
  """
  latents = b.latents
  fake, g_stats = apply_g(p, g_params, state.g_stats, latents, True)
  fake = augmented(p, b.augment_key, fake)
  d_vars = {'params': state.d_params, **state.d_stats}
  d_fn = lambda x: apply_d(p, d_vars, x, latents.y, hp, b.dropout_key)[0]
  out, d_stats = apply_d(p, d_vars, fake, latents.y, hp, b.dropout_key)
  logits = out['logit']
  _, adversarial = losses.gan_loss(hp['loss'], jnp.zeros_like(logits),
                                   logits, hp)
  real = (None if b.real is None
          else augmented(p, b.augment_real_key, b.real))
  extra = terms.total(p.terms, 'g', terms.TermInputs(
      net='g', real=real, fake=fake, z=latents.z, y=latents.y, c=latents.c,
      category=latents.category,
      d_real=None if real is None else d_fn(real), d_fake=out, d_fn=d_fn,
      hp=hp, key=b.terms_key))
  return adversarial + sum(extra.values()), (
      adversarial, g_stats, d_stats if 'g' in p.family.state.d else None)


def g_update(p: Parts, state: GANState, hp: HParams, key: PRNGKey
             ) -> tuple[GANState, Metrics]:
  """One G step (:func:`g_step`) on latents drawn from ``key``, with the
  labels of a real batch (drawn where G takes labels or a term reads
  it)."""
  latents = draw_latents(p, key, p.batch)
  needs_real = terms.g_needs_real(p.terms)
  real = None
  if p.labelled or needs_real:
    real, y = draw_real(p, jax.random.fold_in(key, step.GStream.REAL))
    latents = latents if y is None else latents._replace(y=y)
  return g_step(p, state, hp, local_latents(p, latents),
                step.shard(real, p.data_axis) if needs_real else None, key)


def g_step(p: Parts, state: GANState, hp: HParams, latents: Latents,
           real: Array | None, key: PRNGKey) -> tuple[GANState, Metrics]:
  """One G step on given batches: G's loss (:func:`g_loss`) on this
  device's ``latents`` (and ``real`` batch, where a term reads it)
  averaged over the data axis, G's optimiser step and weight average, and
  each network's state kept where ``p.family.state`` says; ``key`` draws
  the augmentation's, the terms' and D's dropout's randomness."""
  k_extra = step.shard_key(key, p.data_axis)
  b = GBatch(
      latents=latents, real=real,
      augment_key=jax.random.fold_in(k_extra, step.GStream.AUGMENT_FAKE),
      augment_real_key=jax.random.fold_in(k_extra,
                                          step.GStream.AUGMENT_REAL),
      terms_key=jax.random.fold_in(k_extra, step.GStream.TERMS),
      dropout_key=jax.random.fold_in(k_extra, step.GStream.DROPOUT))
  (_, (adversarial, g_stats, d_stats)), grads = step.shard_mean(
      jax.value_and_grad(g_loss, has_aux=True)(state.g_params, p, state, hp,
                                                b), p.data_axis)
  if 'g' in p.family.state.g:
    state = state.replace(g_stats=g_stats)
  if d_stats is not None:
    state = state.replace(d_stats=d_stats)
  state, g_grad_norm = step.update_generator(
      p.g_tx, state, optim.Hyperparams.of_g(hp).at(p.schedule, state.step),
      grads, hp['ema_decay'])
  return state, dict(g_loss=adversarial, g_grad_norm=g_grad_norm)


def train_chunk(p: Parts, state: GANState, hp: HParams, n_steps: int
                ) -> tuple[GANState, Metrics]:
  """``n_steps`` steps of ``p.n_disc`` D updates and one G update."""
  return step.scan_steps(functools.partial(d_update, p),
                         functools.partial(g_update, p), p.n_disc, state, hp,
                         n_steps)


def decode(p: Parts, state: GANState, z: Array,
           asked: metrics.Asked | None = None) -> Array:
  """The EMA generator in inference mode on latents ``z`` (see
  :class:`TrainFns`)."""
  latents = draw_latents(p, jax.random.key(EVAL_KEY), z.shape[0])._replace(z=z)
  if asked is not None and asked.y is not None:
    latents = latents._replace(y=asked.y)
  if asked is not None and asked.category is not None and p.categories:
    latents = latents._replace(c=latents.c.at[:, :p.categories].set(
        jax.nn.one_hot(asked.category, p.categories)))
  return apply_g(p, state.ema_params, state.g_stats, latents, False)[0]


def generate(p: Parts, state: GANState, key: PRNGKey, n: int) -> Array:
  """``n`` samples of the EMA generator in inference mode."""
  return apply_g(p, state.ema_params, state.g_stats,
                 draw_latents(p, key, n), False)[0]


def evaluate(p: Parts, evaluator: metrics.Evaluator, state: GANState,
             n: int) -> tuple[Array, Metrics]:
  """``n`` samples drawn with the member's evaluation key, and their
  metrics."""
  latents = draw_latents(p, eval_key(state), n)
  samples = apply_g(p, state.ema_params, state.g_stats, latents, False)[0]
  return samples, evaluator.measure(
      samples, metrics.Asked(latents.y, latents.category))


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

  Raises:
    ValueError: G or D breaks the network contract (:func:`check_networks`).
  """
  p = make_parts(cfg, data_axis)
  evaluator = metrics.make_metrics(cfg, p.asks, p.categories)
  check_networks(p, cfg)
  bind = lambda fn: functools.partial(fn, p)
  return TrainFns(bind(init), bind(train_chunk), bind(generate),
                  bind(decode), functools.partial(evaluate, p, evaluator),
                  evaluator, p.dataset, p.g, p.d)


def check_networks(p: Parts, cfg: ml_collections.ConfigDict) -> None:
  """Checks G and D against the network contract by tracing them on a
  batch of 2 (nothing is compiled): G returns ``(batch, *example shape)``,
  D's logit is ``(batch,)``, and D has the heads every loss term reads.

  Raises:
    ValueError: naming the network, what it returned and what fixes it.
  """
  want = (2,) + tuple(p.dataset.shape)

  def traced(key):
    probe = draw_latents(p, key, 2)
    keys = {'params': key, 'dropout': key}
    samples = p.g.init_with_output(keys, probe.z, train=False,
                                   **g_inputs(p, probe))[0]
    return samples, p.d.init_with_output(
        keys, jnp.zeros(want), train=False,
        **d_inputs(p, probe.y, None))[0]

  samples, out = jax.eval_shape(traced, jax.random.key(0))
  if tuple(samples.shape) != want:
    raise ValueError(
        f'model.name={cfg.model.name!r}: the generator '
        f'{type(p.g).__name__} returns samples of shape '
        f'{tuple(samples.shape)} for a batch of 2; data.name='
        f'{cfg.data.name!r} needs (batch, '
        f'{", ".join(map(str, p.dataset.shape))}) (its out_shape field '
        'holds the example shape)')
  out = outputs(out)
  if tuple(out['logit'].shape) != (2,):
    raise ValueError(
        f'model.name={cfg.model.name!r}: the discriminator '
        f'{type(p.d).__name__} returns logits of shape '
        f'{tuple(out["logit"].shape)} for a batch of 2; it must return '
        'one logit per example, shape (batch,) (a Dense(1) output '
        'indexed [:, 0])')
  for name, term in sorted(p.terms.items()):
    for head in term.heads:
      if head not in out:
        raise ValueError(f'terms: {name!r} reads the discriminator head '
                         f'{head!r}, which D does not return (it returns '
                         f'{sorted(out)}); use a model family whose D has '
                         'it')


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


def check_config(cfg: ml_collections.ConfigDict) -> None:
  """Checks ``cfg.program`` and the sizes of ``cfg.train``.

  Raises:
    ValueError: naming the field and its value.
  """
  PROGRAMS.lookup(cfg.program)
  for field in ('batch_size', 'num_steps', 'n_disc', 'chunk_steps',
                'eval_samples'):
    config.check_integer(f'train.{field}', cfg.train[field], 1)


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
