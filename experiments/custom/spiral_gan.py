"""A researcher's own GAN for the two-arm spiral, written against jaxgan's
public API only: Flax networks, a loss term with a tuned weight, and a
metric to maximise. ``config.py`` beside it imports this module, so its
registrations run before the config is built."""

import flax.linen as nn
import jax.numpy as jnp

import jaxgan


class ResidualGenerator(nn.Module):
  """z -> Dense(width) -> residual blocks -> 2-D point."""
  out_shape: tuple
  width: int
  blocks: int

  @nn.compact
  def __call__(self, z, train):
    del train
    h = nn.Dense(self.width)(z)
    for _ in range(self.blocks):
      h = h + nn.Dense(self.width)(nn.gelu(nn.Dense(self.width)(h)))
    return nn.Dense(self.out_shape[-1])(nn.gelu(h))


class ResidualDiscriminator(nn.Module):
  """x -> Dense(width) -> residual blocks -> logit."""
  width: int
  blocks: int

  @nn.compact
  def __call__(self, x, train):
    del train
    h = nn.Dense(self.width)(x)
    for _ in range(self.blocks):
      h = h + nn.Dense(self.width)(nn.leaky_relu(nn.Dense(self.width)(h),
                                                 0.2))
    return nn.Dense(1)(nn.leaky_relu(h, 0.2))[:, 0]


FAMILY = jaxgan.ModelFamily(ResidualGenerator, ResidualDiscriminator,
                            kinds=('points',))

jaxgan.register_hparam('mode_seeking', 0.1, 'scale',
                       doc='weight of the mode-seeking term')


@jaxgan.register_loss_term('mode_seeking', nets=('g',),
                           weight='mode_seeking')
def mode_seeking(inputs: jaxgan.TermInputs):
  """Mode-seeking regularisation (Mao et al. 2019): G is rewarded for
  sending distinct latents to distinct points; minimised, so the ratio of
  output to latent distances enters negated."""
  half = inputs.fake.shape[0] // 2
  out = jnp.mean(jnp.abs(inputs.fake[:half] - inputs.fake[half:2 * half]))
  lat = jnp.mean(jnp.abs(inputs.z[:half] - inputs.z[half:2 * half]))
  return -out / (lat + 1e-5)


@jaxgan.register_metric('coverage', directions={'coverage': 'max'},
                        kinds=('points',))
def coverage(samples, reference):
  """The share of held-out points with a generated point within 0.1."""
  sq = jnp.sum((reference[:, None, :] - samples[None, :, :]) ** 2, -1)
  return {'coverage': jnp.mean(jnp.min(sq, axis=1) <= 0.1 ** 2)}
