"""A feature space that needs no labels: a small autoencoder trained once on
the dataset's own training images.

The image metrics need features. Where the data has labels the default is a
classifier (:mod:`jaxgan.metrics.features`); where it has none, the encoder
of a convolutional autoencoder, trained (seeded, as the classifier is) to
reconstruct the training split and cached with orbax beside it. Its code
is the feature vector; there are no class logits, so the class metrics
(``classes``, ``class_kl``, ``inception_score``) are not reported.
``eval.features='autoencoder'`` selects it; ``''`` (the default) picks it
for data without labels.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxgan import data
from jaxgan.metrics import features
from jaxgan.models.conv import Conv
from jaxgan.types import Array

# How the autoencoder trains: Adam on the mean squared reconstruction error.
TRAINING = dict(steps=1000, batch_size=128, learning_rate=1e-3, seed=0)


class Encoder(nn.Module):
  """Conv 3x3 -> [Conv 3x3 stride 2] until 4x4 or less -> Dense(dim)."""
  dim: int

  @nn.compact
  def __call__(self, x: Array) -> Array:
    x = nn.relu(Conv(16, (3, 3))(x))
    channels = 32
    while x.shape[1] > 4:
      x = nn.relu(Conv(channels, (3, 3), strides=(2, 2))(x))
      channels = min(2 * channels, 64)
    return nn.Dense(self.dim)(x.reshape(x.shape[0], -1))


class Autoencoder(nn.Module):
  """:class:`Encoder` -> Dense(256) -> Dense(pixels), tanh.

  ``__call__`` returns ``(code, reconstruction)``.
  """
  shape: tuple[int, ...]
  dim: int = 64

  @nn.compact
  def __call__(self, x: Array) -> tuple[Array, Array]:
    code = Encoder(self.dim, name='encoder')(x)
    h = nn.relu(nn.Dense(256)(code))
    pixels = nn.Dense(int(np.prod(self.shape)))(h)
    return code, jnp.tanh(pixels).reshape((x.shape[0],) + tuple(self.shape))


def train_autoencoder(dataset: data.Dataset, module: Autoencoder):
  """Trains ``module`` on ``dataset.train`` per :data:`TRAINING`.

  Returns:
    ``(params, test mean squared error)``.
  """
  x = jnp.asarray(data.to_unit(dataset.train.x))

  def loss_fn(p, batch):
    return jnp.mean((module.apply({'params': p}, batch)[1] - batch) ** 2)

  params = features.fit(module, x, lambda p, idx: loss_fn(p, x[idx]),
                        TRAINING)
  test = jnp.asarray(data.to_unit(dataset.test.x))
  return params, float(jax.jit(loss_fn)(params, test))


def autoencoder(dataset: data.Dataset, cache_dir: str,
                eval_cfg: ml_collections.ConfigDict) -> features.FeatureNet:
  """The label-free feature network: the encoder of an
  :class:`Autoencoder` trained on the training split, read from
  ``cache_dir`` when it is there already."""
  del eval_cfg
  module = Autoencoder(tuple(dataset.shape))

  def fit():
    params, mse = train_autoencoder(dataset, module)
    return params, dict(test_mse=mse)

  params, meta = features.cached(
      features.cache_path(cache_dir, dataset, 'autoencoder',
                          features.fingerprint(dataset, TRAINING,
                                               module.dim)),
      fit, jax.eval_shape(module.init, jax.random.key(0),
                          jnp.zeros((1,) + tuple(dataset.shape)))['params'])

  encoder = Encoder(module.dim)

  def apply(x: Array) -> tuple[Array, Array]:
    code = encoder.apply({'params': params['encoder']}, x)
    return code, jnp.zeros((x.shape[0], 0), code.dtype)

  return features.FeatureNet(
      'autoencoder', apply, module.dim, 0, accuracy=float('nan'),
      details=dict(test_mse=round(meta['test_mse'], 6)))


features.register_feature_net('autoencoder', autoencoder)
