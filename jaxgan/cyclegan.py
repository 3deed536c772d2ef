"""CycleGAN (Zhu et al. 2017) as a registered GAN program:
``config.program='cyclegan'``.

Two domains, ``data.source`` (A) and ``data.name`` (B), unpaired: two
translators ``G_ab``, ``G_ba`` (:mod:`jaxgan.models.translators`) and two
discriminators ``D_a``, ``D_b`` (``model.name``'s discriminator) live in one
state and train as one member of a population like any other GAN. G's loss
is the GAN loss of both translations (``hparams.loss``), plus
``cycle_weight`` times the L1 cycle error ``|G_ba(G_ab(a)) - a| +
|G_ab(G_ba(b)) - b|``, plus ``identity_weight`` times the identity error
``|G_ab(b) - b| + |G_ba(a) - a|``; each D learns its domain with the GAN
loss and ``config.penalty``. Both weights are dynamic hyperparameters. The
model family's :class:`jaxgan.models.StateUpdates` says in which steps the
translators' and discriminators' training-mode calls update their state.

An evaluation translates held-out examples of A into B and measures them
with B's metrics; when both domains have labels of the same classes they
are told their source's label, so ``class_accuracy`` is the fraction of
translations that keep their class (B's classifier, or B's nearest mode).

Example:
  >>> cfg.program, cfg.data.source, cfg.data.name = ('cyclegan', 'digits',
  ...                                                 'digits_turned')
"""

from typing import Callable

import jax
import jax.numpy as jnp
import ml_collections
import optax
from flax import struct

from jaxgan import (data, losses, metrics, models, optim, penalties, step,
                    train)
from jaxgan.models.translators import ConvTranslator, MLPTranslator
from jaxgan.types import Array, HParams, PRNGKey

DIRECTIONS = ('ab', 'ba')
DOMAINS = ('a', 'b')


class CycleState(struct.PyTreeNode):
  """One CycleGAN member: the fields of :class:`jaxgan.train.GANState`,
  each network's entry a dict by direction (``'ab'``, ``'ba'``) or
  domain (``'a'``, ``'b'``); ``ema_params`` averages the translators."""
  step: Array
  key: PRNGKey
  g_params: dict
  g_stats: dict
  d_params: dict
  d_stats: dict
  ema_params: dict
  g_opt_state: optax.OptState
  d_opt_state: optax.OptState
  diverged: Array


def domains(cfg: ml_collections.ConfigDict
            ) -> tuple[data.Dataset, data.Dataset]:
  """The source and target datasets of ``cfg``.

  Raises:
    ValueError: ``data.source`` is unset, or the domains' examples differ
      in shape (the identity term maps each into the other).
  """
  if not cfg.data.source:
    raise ValueError("program='cyclegan' translates data.source into "
                     "data.name; data.source='' names no domain")
  source = data.make_dataset(cfg.data.source, cfg.data.dir,
                             cfg.data.download, cfg.data.image_size)
  target = data.for_config(cfg)
  if source.shape != target.shape:
    raise ValueError(f'data.source={cfg.data.source!r} holds examples of '
                     f'shape {source.shape} and data.name={cfg.data.name!r} '
                     f'of shape {target.shape}; CycleGAN needs one shape')
  return source, target


def _held_out(source: data.Dataset) -> Callable:
  """``(key, n) -> (examples, labels or None)``: source examples to
  translate in evaluations, from its held-out split when it has one."""
  if source.test is None:
    if source.sample_labelled is not None:
      return source.sample_labelled
    return lambda key, n: (source.sample(key, n), None)
  x = jnp.asarray(source.test.x)
  y = (None if source.test.labels is None
       else jnp.asarray(source.test.labels))
  scale = data.to_unit if source.kind == 'images' else (lambda v: v)

  def draw(key: PRNGKey, n: int):
    idx = jax.random.randint(key, (n,), 0, x.shape[0])
    return scale(x[idx]), None if y is None else y[idx]

  return draw


def cycle_terms(g_ab: Callable[[Array], Array],
                g_ba: Callable[[Array], Array], a: Array, b: Array,
                fake_b: Array | None = None, fake_a: Array | None = None
                ) -> tuple[Array, Array]:
  """CycleGAN's cycle and identity errors (mean absolute differences).

  Args:
    g_ab, g_ba: the translators.
    a, b: batches of the two domains.
    fake_b, fake_a: ``g_ab(a)`` and ``g_ba(b)`` when computed already.

  Returns:
    ``(|g_ba(g_ab(a)) - a| + |g_ab(g_ba(b)) - b|,
    |g_ab(b) - b| + |g_ba(a) - a|)``, each term a mean over elements.
  """
  fake_b = g_ab(a) if fake_b is None else fake_b
  fake_a = g_ba(b) if fake_a is None else fake_a
  l1 = lambda x, y: jnp.mean(jnp.abs(x - y))
  cycle = l1(g_ba(fake_b), a) + l1(g_ab(fake_a), b)
  identity = l1(g_ab(b), b) + l1(g_ba(a), a)
  return cycle, identity


def make_cyclegan(cfg: ml_collections.ConfigDict,
                  data_axis: str | None = None) -> train.TrainFns:
  """The CycleGAN program's :class:`jaxgan.train.TrainFns` (see the module
  docstring); ``generate`` and ``decode`` translate from A to B.

  Raises:
    ValueError: as :func:`domains`.
  """
  source, target = domains(cfg)
  family = models.MODELS.lookup(cfg.model.name)
  translator = ConvTranslator if family.strided else MLPTranslator
  g = translator(cfg.model.width, cfg.model.depth, cfg.model.g_activation,
                 cfg.model.g_norm)
  _, d = models.make_models(cfg.model, target.shape, 0)
  d_hparams = models.hyperparameters(family)
  same_classes = (source.num_classes
                  and source.num_classes == target.num_classes)
  evaluator = metrics.make_metrics(cfg, ('y',) if same_classes else ())
  g_tx = optim.make_optimizer(cfg.optim.g, cfg.optim.clip_norm)
  d_tx = optim.make_optimizer(cfg.optim.d, cfg.optim.clip_norm)
  schedule = optim.make_schedule(cfg.optim.schedule, cfg.train.num_steps)
  penalty = penalties.PENALTIES.lookup(cfg.penalty)
  rule = family.state
  batch = cfg.train.batch_size
  held_out = _held_out(source)
  local = lambda x: step.shard(x, data_axis)

  def g_apply(params, stats, x, train_mode):
    return g.apply({'params': params, **stats}, x, train=train_mode,
                   mutable=list(stats))

  def d_apply(params, stats, x, hp, key):
    kw = {n: hp[n] for n in d_hparams}
    out, stats = d.apply({'params': params, **stats}, x, train=True,
                         mutable=list(stats), rngs={'dropout': key}, **kw)
    return train.outputs(out)['logit'], stats

  def init(key: PRNGKey, hp: HParams) -> CycleState:
    key = jax.random.fold_in(key, hp['seed'])
    keys = dict(zip(DIRECTIONS + DOMAINS + ('train',),
                    jax.random.split(key, 5)))
    x = jnp.zeros((1,) + target.shape)
    g_vars = {k: g.init(keys[k], x, train=False) for k in DIRECTIONS}
    kw = {n: hp[n] for n in d_hparams}
    d_vars = {k: d.init(keys[k], x, train=False, **kw) for k in DOMAINS}
    g_params = {k: v.pop('params') for k, v in g_vars.items()}
    d_params = {k: v.pop('params') for k, v in d_vars.items()}
    return CycleState(
        step=jnp.zeros((), jnp.int32), key=keys['train'],
        g_params=g_params, g_stats={k: dict(v) for k, v in g_vars.items()},
        d_params=d_params, d_stats={k: dict(v) for k, v in d_vars.items()},
        ema_params=g_params,
        g_opt_state=optim.set_hyperparams(g_tx.init(g_params),
                                          optim.Hyperparams.of_g(hp)),
        d_opt_state=optim.set_hyperparams(d_tx.init(d_params),
                                          optim.Hyperparams.of_d(hp)),
        diverged=jnp.zeros((), bool))

  def batches(key: PRNGKey) -> dict[str, Array]:
    k_a, k_b = jax.random.split(key)
    return {'a': local(source.sample(k_a, batch)),
            'b': local(target.sample(k_b, batch))}

  def d_update(state: CycleState, hp: HParams, key: PRNGKey):
    k_data, k_pen, k_drop = jax.random.split(key, 3)
    k_drop = step.shard_key(k_drop, data_axis)
    if data_axis is not None:
      k_pen = jax.random.fold_in(k_pen, jax.lax.axis_index(data_axis))
    real = batches(k_data)
    moved = {net: g_apply(state.g_params[net], state.g_stats[net],
                          real[source_of], True)
             for net, source_of in zip(DIRECTIONS, DOMAINS)}
    fake = jax.lax.stop_gradient({'b': moved['ab'][0], 'a': moved['ba'][0]})

    def loss_fn(d_params):
      total, stats, diag = 0.0, {}, []
      for i, dom in enumerate(DOMAINS):
        n = real[dom].shape[0]
        logit, stats[dom] = d_apply(
            d_params[dom], state.d_stats[dom],
            jnp.concatenate([real[dom], fake[dom]]), hp, k_drop)
        d_loss, _ = losses.gan_loss(hp['loss'], logit[:n], logit[n:], hp)
        pen = penalty(lambda x, dom=dom: d_apply(
            d_params[dom], state.d_stats[dom], x, hp, k_drop)[0],
                      real[dom], fake[dom], jax.random.fold_in(k_pen, i), hp)
        total = total + d_loss + pen
        diag.append((d_loss, pen, jnp.mean(logit[:n]), jnp.mean(logit[n:])))
      d_loss, pen, d_real, d_fake = (sum(v) / 2 for v in zip(*diag))
      return total, (stats, dict(d_loss=d_loss, penalty=pen, d_real=d_real,
                                 d_fake=d_fake))

    grads, (d_stats, diag) = step.shard_mean(
        jax.grad(loss_fn, has_aux=True)(state.d_params), data_axis)
    if 'd' in rule.g:
      state = state.replace(g_stats=step.shard_mean(
          {net: moved[net][1] for net in DIRECTIONS}, data_axis))
    state, diag['d_grad_norm'] = step.update_discriminator(
        d_tx, state, optim.Hyperparams.of_d(hp).at(schedule, state.step),
        grads, d_stats if 'd' in rule.d else state.d_stats)
    return state, diag

  def g_update(state: CycleState, hp: HParams, key: PRNGKey):
    k_data, k_drop = jax.random.split(key)
    k_drop = step.shard_key(k_drop, data_axis)
    real = batches(k_data)

    def loss_fn(g_params):
      move = lambda net, x: g_apply(g_params[net], state.g_stats[net], x,
                                    True)
      moved = {'ab': move('ab', real['a']), 'ba': move('ba', real['b'])}
      fake_b, fake_a = moved['ab'][0], moved['ba'][0]
      adversarial, d_stats = 0.0, {}
      for dom, fake in (('a', fake_a), ('b', fake_b)):
        logit, d_stats[dom] = d_apply(state.d_params[dom],
                                      state.d_stats[dom], fake, hp, k_drop)
        adversarial = adversarial + losses.gan_loss(
            hp['loss'], jnp.zeros_like(logit), logit, hp)[1]
      cycle, identity = cycle_terms(lambda x: move('ab', x)[0],
                                    lambda x: move('ba', x)[0], real['a'],
                                    real['b'], fake_b, fake_a)
      total = (adversarial + hp['cycle_weight'] * cycle
               + hp['identity_weight'] * identity)
      return total, (adversarial, {net: moved[net][1] for net in DIRECTIONS},
                     d_stats if 'g' in rule.d else None)

    (_, (g_loss, g_stats, d_stats)), grads = step.shard_mean(
        jax.value_and_grad(loss_fn, has_aux=True)(state.g_params), data_axis)
    if 'g' in rule.g:
      state = state.replace(g_stats=g_stats)
    if d_stats is not None:
      state = state.replace(d_stats=d_stats)
    state, g_grad_norm = step.update_generator(
        g_tx, state, optim.Hyperparams.of_g(hp).at(schedule, state.step),
        grads, hp['ema_decay'])
    return state, dict(g_loss=g_loss, g_grad_norm=g_grad_norm)

  def train_chunk(state: CycleState, hp: HParams, n_steps: int):
    return step.scan_steps(d_update, g_update, cfg.train.n_disc, state, hp,
                           n_steps)

  def decode(state: CycleState, x: Array, asked=None) -> Array:
    del asked
    return g_apply(state.ema_params['ab'], state.g_stats['ab'], x, False)[0]

  def generate(state: CycleState, key: PRNGKey, n: int) -> Array:
    return decode(state, held_out(key, n)[0])

  def evaluate(state: CycleState, n: int):
    x, y = held_out(train.eval_key(state), n)
    samples = decode(state, x)
    return samples, evaluator.measure(
        samples, metrics.Asked(y if same_classes else None))

  return train.TrainFns(init, train_chunk, generate, decode, evaluate,
                        evaluator, target, g, d)


train.register_program('cyclegan', make_cyclegan)
