"""Feature networks: the learned space the image metrics are measured in.

A :class:`FeatureNet` maps images (NHWC, float in [-1, 1], the range G
produces) to features and class logits with one pure, jittable function.
The default, ``'classifier'``, is a small CNN trained once on the dataset's
own training split (seeded, so every process and every rerun gets the same
network) and cached with orbax under ``DATA_DIR/jaxgan_features/``, next to
the tensorflow-datasets data. Its penultimate layer gives the features and
its predictions the class coverage.

``'inception'`` is the FID InceptionV3 (:mod:`jaxgan.metrics.inception`)
with the weights the user brings (``eval.inception_weights`` or
``$JAXGAN_INCEPTION_WEIGHTS``), images resized by ``eval.resize``
(:mod:`jaxgan.metrics.resize`). An Inception forward pass costs about 5.7
GFLOP an image, so inside a search it is for accelerators; on a CPU the
classifier is the search's feature space and ``jaxgan evaluate`` measures
the best trial with Inception afterwards (:mod:`jaxgan.metrics.protocol`).

Another network drops in by name. A builder receives the dataset, the cache
directory and ``config.eval`` (for options of its own)::

    def my_net(dataset, cache_dir, eval_cfg):
      params = my_module.load('/path/to/weights.npz')      # no download
      apply = lambda x: my_module.apply(params, x)          # -> (feats, logits)
      return FeatureNet('my_net', apply, dim=512, num_classes=10,
                        accuracy=float('nan'))

    register_feature_net('my_net', my_net)
    cfg.eval.features = 'my_net'
"""

import functools
import hashlib
import json
import math
import os
import re
from typing import Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from absl import logging

from jaxgan import checkpoint, data, registry
from jaxgan.metrics import inception
from jaxgan.models.conv import Conv
from jaxgan.types import Array, PyTree


class FeatureNet(NamedTuple):
  """A feature space for the image metrics.

  Attributes:
    name: registry name.
    apply: ``images (n, H, W, C) in [-1, 1] -> (features (n, dim), logits
      (n, num_classes))``; pure and jittable (it is vmapped over members).
    dim: feature dimension.
    num_classes: number of logits.
    accuracy: test accuracy of the classifier (NaN when unknown).
    rms_scaled: the metrics divide features by their RMS over the real
      images (so that KID's kernel is of order 1 in any network's units);
      False keeps the network's own units, as FID and KID in papers do.
    batch: images per call when a whole split is featurised.
    details: what else identifies the features, stored with every number
      measured in them (Inception: the network's full name and the resize
      protocol).
  """
  name: str
  apply: Callable[[Array], tuple[Array, Array]]
  dim: int
  num_classes: int
  accuracy: float
  rms_scaled: bool = True
  batch: int = 512
  details: dict = {}

  def scale(self, real_features: Array) -> Array:
    """What the metrics divide features by: their RMS over the real
    images' ``real_features`` (so that KID's kernel ``x.y / d + 1`` is of
    order 1 whatever the network's scale) when :attr:`rms_scaled`, else 1
    (the network's own units, as for Inception)."""
    return (jnp.sqrt(jnp.mean(real_features ** 2)) if self.rms_scaled
            else jnp.float32(1.0))


class Classifier(nn.Module):
  """Conv 3x3 -> [Conv 3x3 stride 2] until 4x4 or less -> Dense -> logits.

  Returns ``(features, logits)``; features are the ReLU outputs of the
  penultimate dense layer.
  """
  num_classes: int
  dim: int = 64

  @nn.compact
  def __call__(self, x: Array) -> tuple[Array, Array]:
    x = nn.relu(Conv(16, (3, 3))(x))
    channels = 32
    while x.shape[1] > 4:
      x = nn.relu(Conv(channels, (3, 3), strides=(2, 2))(x))
      channels = min(2 * channels, 64)
    features = nn.relu(nn.Dense(self.dim)(x.reshape(x.shape[0], -1)))
    return features, nn.Dense(self.num_classes)(features)


# How the default classifier trains: Adam, cross-entropy, fixed seed.
CLASSIFIER_TRAINING = dict(steps=500, batch_size=128, learning_rate=1e-3,
                           seed=0)
# Folded into the fit's key: the keys of its minibatches.
BATCHES_STREAM = 1


def fingerprint(dataset: data.Dataset, training: dict, dim: int) -> str:
  """What identifies a feature network trained on ``dataset``: the
  training recipe, the feature size and the data (a user's files by their
  contents, which may change under the same name)."""
  spec = dict(training, dataset=dataset.name,
              shape=list(dataset.shape), train=len(dataset.train.x),
              classes=dataset.num_classes, dim=dim, version=1)
  if dataset.name not in data.BUILT_IN_IMAGES:
    labels = b'' if dataset.train.labels is None else (
        dataset.train.labels.tobytes())
    spec['content'] = hashlib.sha256(dataset.train.x.tobytes() + labels
                                     ).hexdigest()
  return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()
                        ).hexdigest()[:12]


def _accuracy(module: Classifier, params, split: data.Split) -> float:
  # params as an argument: closed over, they would be lowered as constants.
  logits = jax.jit(lambda p, x: module.apply({'params': p}, x)[1])(
      params, data.to_unit(split.x))
  return float(np.mean(np.argmax(logits, 1) == split.labels))


def train_classifier(dataset: data.Dataset, module: Classifier):
  """Trains ``module`` on ``dataset.train`` per :data:`CLASSIFIER_TRAINING`.

  Returns:
    ``(params, test_accuracy)``.
  """
  x = jnp.asarray(data.to_unit(dataset.train.x))
  y = jnp.asarray(dataset.train.labels)

  def loss_fn(p, idx):
    logits = module.apply({'params': p}, x[idx])[1]
    return optax.softmax_cross_entropy_with_integer_labels(
        logits, y[idx]).mean()

  params = fit(module, x, loss_fn, CLASSIFIER_TRAINING)
  return params, _accuracy(module, params, dataset.test)


def fit(module: nn.Module, x: Array, loss: Callable[[PyTree, Array], Array],
        training: dict) -> PyTree:
  """``module``'s parameters (initialised on ``x[:1]``) after
  ``training['steps']`` Adam steps at ``training['learning_rate']`` on
  ``loss(params, idx)``, each on ``training['batch_size']`` indices into
  ``x`` drawn from the key ``training['seed']``: how jaxgan trains its
  own feature networks."""
  tx = optax.adam(training['learning_rate'])

  def step(carry, k):
    params, opt_state = carry
    idx = jax.random.randint(k, (training['batch_size'],), 0, x.shape[0])
    updates, opt_state = tx.update(jax.grad(loss)(params, idx), opt_state)
    return (optax.apply_updates(params, updates), opt_state), None

  def run(key):
    params = module.init(key, x[:1])['params']
    keys = jax.random.split(jax.random.fold_in(key, BATCHES_STREAM),
                            training['steps'])
    return jax.lax.scan(step, (params, tx.init(params)), keys)[0][0]

  return jax.jit(run)(jax.random.key(training['seed']))


def cache_root(directory: str) -> str:
  """Where feature networks are cached for data dir ``directory``."""
  base = directory or os.environ.get(
      'TFDS_DATA_DIR', os.path.join('~', 'tensorflow_datasets'))
  return os.path.join(os.path.expanduser(base), 'jaxgan_features')


def classifier(dataset: data.Dataset, cache_dir: str,
               eval_cfg: ml_collections.ConfigDict) -> FeatureNet:
  """The default feature network: a :class:`Classifier` trained on the
  training split, read from ``cache_dir`` when it is there already."""
  del eval_cfg
  module = Classifier(dataset.num_classes)

  def fit():
    params, accuracy = train_classifier(dataset, module)
    return params, dict(accuracy=accuracy)

  params, meta = cached(
      cache_path(cache_dir, dataset, 'classifier',
                 fingerprint(dataset, CLASSIFIER_TRAINING, module.dim)), fit,
      jax.eval_shape(module.init, jax.random.key(0),
                     jnp.zeros((1,) + dataset.shape))['params'])
  apply = lambda x: module.apply({'params': params}, x)
  return FeatureNet('classifier', apply, module.dim, dataset.num_classes,
                    meta['accuracy'])


def cache_path(cache_dir: str, dataset: data.Dataset, network: str,
               fingerprint: str) -> str:
  """Where ``network``'s parameters for ``dataset`` are cached."""
  safe = re.sub(r'[^A-Za-z0-9_.-]', '_', dataset.name)
  return os.path.join(cache_dir, f'{safe}-{network}-{fingerprint}')


def cached(path: str, fit: Callable[[], tuple[PyTree, dict]],
           like: PyTree) -> tuple[PyTree, dict]:
  """Parameters and their metadata: read from ``path`` (shapes as
  ``like``), or made by ``fit()`` and saved there."""
  step = checkpoint.latest_step(path)
  if step is None:
    params, meta = fit()
    try:
      checkpoint.save(path, 0, params, meta)
    except OSError as e:
      logging.warning('could not cache the feature network in %s: %s', path, e)
    return params, meta
  device = jax.sharding.SingleDeviceSharding(jax.local_devices()[0])
  like = jax.tree.map(
      lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=device), like)
  return (checkpoint.restore(path, step, like),
          checkpoint.restore_meta(path, step))


def inception_net(dataset: data.Dataset, cache_dir: str,
                  eval_cfg: ml_collections.ConfigDict) -> FeatureNet:
  """The FID InceptionV3 with the user's weights (``eval.inception_weights``
  or ``$JAXGAN_INCEPTION_WEIGHTS``) under the resize protocol
  ``eval.resize``: 2,048-d pool features and 1,008 logits, in the
  network's own units."""
  del dataset, cache_dir
  params = inception.load_params(
      inception.weights_path(eval_cfg.inception_weights))
  return FeatureNet('inception', inception.make_apply(params, eval_cfg.resize),
                    inception.POOL_DIM, inception.NUM_LOGITS,
                    accuracy=float('nan'), rms_scaled=False,
                    batch=inception.batch_size(),
                    details=dict(network=inception.NETWORK,
                                 resize=eval_cfg.resize))


Builder = Callable[[data.Dataset, str, ml_collections.ConfigDict], FeatureNet]
FEATURE_NETS: registry.Registry[Builder] = registry.Registry(
    'feature network', 'eval.features', {
        'classifier': classifier,
        'inception': inception_net,
    })
# ``build(dataset, cache_dir, eval_cfg) -> FeatureNet`` becomes
# ``config.eval.features = name``.
register_feature_net = FEATURE_NETS.register


def make_feature_net(name: str, data_key: tuple, eval_items: tuple = ()
                     ) -> FeatureNet:
  """Builds (once per process and registry state) the feature network
  ``name`` for a dataset.

  Args:
    name: a key of :data:`FEATURE_NETS` (``config.eval.features``).
    data_key: ``config.data`` (:func:`jaxgan.data.config_key`).
    eval_items: ``config.eval`` as sorted ``(field, value)`` pairs.
  """
  return _feature_net(name, data_key, eval_items, registry.generation())


def resolve(name: str, dataset: data.Dataset) -> str:
  """``config.eval.features``, with ``''`` resolved: the classifier where
  the data has labels, else the autoencoder."""
  if name:
    return name
  return 'classifier' if dataset.num_classes else 'autoencoder'


@functools.lru_cache(maxsize=8)
def _feature_net(name: str, data_key: tuple, eval_items: tuple,
                 generation: int) -> FeatureNet:
  del generation
  dataset = data.make_dataset(*data_key)
  name = resolve(name, dataset)
  net = FEATURE_NETS.lookup(name)(dataset, cache_root(data_key[1]),
                                  ml_collections.ConfigDict(dict(eval_items)))
  if not math.isnan(net.accuracy):
    logging.info('feature network %r for %s: test accuracy %.4f', name,
                 dataset.name, net.accuracy)
  return net
