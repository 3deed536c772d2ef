"""Plug-ins written as a researcher would, with jaxgan's public API only:
conditional networks with named D heads, the AC-GAN, InfoGAN, balanced
consistency and feature-matching terms, an augmentation, an optimiser, a
metric, and a two-discriminator GAN program (GMAN, Durugkar et al. 2017).

``register()`` registers them (tests restore the registries afterwards)."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct

import jaxgan


class CondGenerator(nn.Module):
  """G(z, y, c): the label one-hot and the codes joined to z."""
  out_shape: tuple
  width: int
  num_classes: int

  @nn.compact
  def __call__(self, z, train, y, c=None):
    del train
    parts = [z, jax.nn.one_hot(y, self.num_classes)] + (
        [] if c is None else [c])
    h = nn.relu(nn.Dense(self.width)(jnp.concatenate(parts, -1)))
    return nn.Dense(self.out_shape[-1])(h)


class HeadedDiscriminator(nn.Module):
  """D(x) -> {'logit', 'class', 'code', 'features'}: a shared body with
  three heads, and the body's features."""
  width: int
  num_classes: int
  code_dim: int

  @nn.compact
  def __call__(self, x, train):
    del train
    h = nn.leaky_relu(nn.Dense(self.width)(x), 0.2)
    return {'logit': nn.Dense(1)(h)[:, 0],
            'class': nn.Dense(self.num_classes)(h),
            'code': nn.Dense(max(self.code_dim, 1))(h), 'features': h}


def blobs(n: int = 400, seed: int = 0):
  """Four labelled Gaussian blobs on the axes: ``(x, y)``."""
  rng = np.random.default_rng(seed)
  y = rng.integers(0, 4, n)
  centres = np.array([[2, 0], [0, 2], [-2, 0], [0, -2]], np.float32)
  return centres[y] + 0.1 * rng.standard_normal((n, 2)), y


def acgan(inputs: jaxgan.TermInputs):
  """AC-GAN's class term: D classifies real and fake, G makes its fakes
  classifiable."""
  ce = lambda out: optax.softmax_cross_entropy_with_integer_labels(
      out['class'], inputs.y).mean()
  if inputs.net == 'd':
    return ce(inputs.d_real) + ce(inputs.d_fake)
  return ce(inputs.d_fake)


def info(inputs: jaxgan.TermInputs):
  """InfoGAN's continuous-code term: D's code head recovers G's codes."""
  return jnp.mean((inputs.d_fake['code'] - inputs.c) ** 2)


def jitter(key, x):
  """A small additive jitter: the augmentation D's inputs go through."""
  return x + 0.01 * jax.random.normal(key, x.shape)


def bcr(inputs: jaxgan.TermInputs):
  """Balanced consistency regularisation (Zhao et al. 2020): D's logits
  stay put under a translation of real and fake batches."""
  k_real, k_fake = jax.random.split(inputs.key)
  shift = lambda k, x: x + jax.random.uniform(k, (1, x.shape[1]), minval=-0.1,
                                              maxval=0.1)
  out = lambda x: inputs.d_fn(x)['logit']
  return (jnp.mean((out(shift(k_real, inputs.real))
                    - inputs.d_real['logit']) ** 2)
          + jnp.mean((out(shift(k_fake, inputs.fake))
                      - inputs.d_fake['logit']) ** 2))


def lion(learning_rate, b1, b2, weight_decay):
  """Lion (Chen et al. 2023), with β1, β2 and weight decay as jaxgan's."""
  return optax.lion(learning_rate, b1=b1, b2=b2, weight_decay=weight_decay)


def closeness(samples, reference):
  """How close the samples' mean is to the held-out mean (higher is
  better)."""
  return {'closeness': -jnp.linalg.norm(samples.mean(0) - reference.mean(0))}


class DualState(struct.PyTreeNode):
  """GMAN's state: one G, two Ds."""
  step: jax.Array
  key: jax.Array
  g_params: dict
  d_params: tuple
  g_opt: optax.OptState
  d_opt: tuple
  diverged: jax.Array


def dual_program(cfg, data_axis=None):
  """GMAN with two discriminators of different widths: G minimises their
  mean non-saturating loss. Returns :class:`jaxgan.TrainFns`."""
  del data_axis
  dataset = jaxgan.make_dataset(*jaxgan.data.config_key(cfg))
  evaluator = jaxgan.make_metrics(cfg)
  latent, batch = cfg.model.latent_dim, cfg.train.batch_size
  g = jaxgan.models.MLPGenerator(dataset.shape, cfg.model.width, 2)
  ds = (jaxgan.models.MLPDiscriminator(cfg.model.width, 1),
        jaxgan.models.MLPDiscriminator(2 * cfg.model.width, 1))
  tx = lambda lr: optax.adam(lr, b1=0.5, b2=0.9)

  def init(key, hp):
    keys = jax.random.split(jax.random.fold_in(key, hp['seed']), 4)
    g_params = g.init(keys[0], jnp.zeros((1, latent)), train=False)['params']
    d_params = tuple(d.init(k, jnp.zeros((1,) + dataset.shape),
                            train=False)['params']
                     for d, k in zip(ds, keys[1:3]))
    return DualState(jnp.zeros((), jnp.int32), keys[3], g_params, d_params,
                     tx(hp['lr_g']).init(g_params),
                     tuple(tx(hp['lr_d']).init(p) for p in d_params),
                     jnp.zeros((), bool))

  def step(state, hp):
    k_real, k_z = jax.random.split(jax.random.fold_in(state.key, state.step))
    real = dataset.sample(k_real, batch)
    z = jax.random.normal(k_z, (batch, latent))
    fake = g.apply({'params': state.g_params}, z, train=True)
    d_params, d_opt, d_losses = [], [], []
    for d, p, o in zip(ds, state.d_params, state.d_opt):
      def d_loss(p, d=d):
        return jaxgan.gan_loss(hp['loss'], d.apply({'params': p}, real,
                                                   train=True),
                               d.apply({'params': p}, fake, train=True),
                               hp)[0]
      loss, grads = jax.value_and_grad(d_loss)(p)
      updates, o = tx(hp['lr_d']).update(grads, o)
      d_params.append(optax.apply_updates(p, updates))
      d_opt.append(o)
      d_losses.append(loss)

    def g_loss(gp):
      f = g.apply({'params': gp}, z, train=True)
      return jnp.mean(jnp.stack([jnp.mean(jax.nn.softplus(
          -d.apply({'params': p}, f, train=True)))
                                 for d, p in zip(ds, d_params)]))

    loss, grads = jax.value_and_grad(g_loss)(state.g_params)
    updates, g_opt = tx(hp['lr_g']).update(grads, state.g_opt)
    new = state.replace(step=state.step + 1,
                        g_params=optax.apply_updates(state.g_params, updates),
                        d_params=tuple(d_params), g_opt=g_opt,
                        d_opt=tuple(d_opt))
    zero = jnp.zeros(())
    diag = dict(d_loss=jnp.mean(jnp.stack(d_losses)), g_loss=loss,
                penalty=zero, d_real=zero, d_fake=zero,
                d_grad_norm=zero, g_grad_norm=optax.tree.norm(grads))
    finite = jnp.all(jnp.stack([jnp.isfinite(v) for v in diag.values()]))
    diag['finite'] = finite
    new = jax.tree.map(lambda n, o: jnp.where(finite, n, o), new, state)
    return new.replace(diverged=state.diverged | ~finite), diag

  def train_chunk(state, hp, n_steps):
    return jax.lax.scan(lambda s, _: step(s, hp), state, None, length=n_steps)

  def decode(state, z):
    return g.apply({'params': state.g_params}, z, train=False)

  def generate(state, key, n):
    return decode(state, jax.random.normal(key, (n, latent)))

  def evaluate(state, n):
    samples = generate(state, jaxgan.train.eval_key(state), n)
    return samples, evaluator.measure(samples)

  return jaxgan.TrainFns(init, train_chunk, generate, decode, evaluate,
                         evaluator, dataset, g, ds[0])


def feature_matching(inputs: jaxgan.TermInputs):
  """Feature matching (Salimans et al. 2016): G matches the mean of D's
  features on a real batch, ``|E f(x) - E f(G(z))|^2``."""
  real = jax.lax.stop_gradient(jnp.mean(inputs.d_real['features'], 0))
  return jnp.sum((real - jnp.mean(inputs.d_fake['features'], 0)) ** 2)


def register() -> None:
  """Registers every plug-in above."""
  x, y = blobs()
  jaxgan.register_dataset(
      'blobs', lambda directory, download: jaxgan.data.arrays('blobs', x, y),
      kind='points', shape=(2,))
  jaxgan.register_model('headed', jaxgan.ModelFamily(
      CondGenerator, HeadedDiscriminator, ('points',), g_inputs=('y', 'c')))
  for name, weight in (('aux_weight', 1.0), ('code_weight', 1.0),
                       ('shift_weight', 1.0), ('match_weight', 1.0)):
    jaxgan.register_hparam(name, weight, 'scale')
  jaxgan.register_loss_term('aux_class', acgan, nets=('g', 'd'),
                            weight='aux_weight')
  jaxgan.register_loss_term('code_mse', info, nets=('g', 'd'),
                            weight='code_weight')
  jaxgan.register_loss_term('shift_cr', bcr, nets=('d',), weight='shift_weight')
  jaxgan.register_loss_term('feature_matching', feature_matching, nets=('g',),
                            weight='match_weight', heads=('features',),
                            needs_real=True)
  jaxgan.register_augmentation('jitter', jitter)
  jaxgan.register_optimizer('lion', lion)
  jaxgan.register_metric('closeness', closeness,
                         directions={'closeness': 'max'}, kinds=('points',))
  jaxgan.register_program('dual', dual_program)
