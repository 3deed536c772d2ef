"""Sample-quality metrics, one signature for every dataset.

:func:`make_metrics` returns ``measure(samples) -> {name: scalar}`` for one
member's samples (jittable; vmap it for a population) and the *floor*: the
same metrics for held-out real images, the best a generator can score with
that sample size.

* 2-D mixtures (:mod:`jaxgan.metrics.mixtures`): modes captured, high-quality
  fraction, reverse KL and partition KL.
* Images (:mod:`jaxgan.metrics.images`), in the space of a feature network
  (:mod:`jaxgan.metrics.features`): FID, KID, precision and recall against
  the training split; classes covered, class-histogram KL and an
  Inception-Score analogue from its classifier.

The numbers papers quote (Inception FID, IS and KID on 50,000 samples, path
length) are :mod:`jaxgan.metrics.protocol`'s, with the FID Inception network
of :mod:`jaxgan.metrics.inception`.

Example:
  >>> ev = make_metrics(cfg)
  >>> ev.measure(samples)['fid'], ev.floor['fid']
"""

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxgan import data
from jaxgan.metrics import features, images, mixtures
from jaxgan.metrics.features import (FEATURE_NETS, FeatureNet,
                                     register_feature_net)
from jaxgan.metrics.mixtures import mixture_metrics
from jaxgan.types import Array, Metrics

IMAGE_NAMES = ('fid', 'kid', 'kid_std', 'precision', 'recall', 'classes',
               'class_kl', 'inception_score')
NAMES = {'points': mixtures.NAMES, 'images': IMAGE_NAMES}
# Which way each metric a search can optimise is better (kid_std describes
# another metric, so it has none).
DIRECTIONS = {
    **dict.fromkeys(('reverse_kl', 'partition_kl', 'fid', 'kid', 'class_kl'),
                    'min'),
    **dict.fromkeys(('modes', 'high_quality', 'precision', 'recall',
                     'classes', 'inception_score'), 'max')}
LOWER_IS_BETTER = tuple(k for k, v in DIRECTIONS.items() if v == 'min')
# Fixed key for KID's subsets: every member is measured on the same ones.
KID_KEY = 0x41D


class Evaluator(NamedTuple):
  """How samples of one dataset are judged.

  Attributes:
    measure: ``samples -> metrics`` for one member; jittable.
    floor: the metrics of held-out real data (``{}`` for the 2-D mixtures,
      whose metrics have known best values).
    num_samples: how many of the samples ``measure`` uses (images: the
      held-out split's size at most, so that the floor is comparable).
    protocol: what the image metrics mean: the feature ``network`` and its
      :attr:`FeatureNet.details`, the sample count ``n``, the ``reference``
      set and the ``floor``'s (``{}`` for the 2-D mixtures).
  """
  measure: Callable[[Array], Metrics]
  floor: dict[str, float]
  num_samples: int
  protocol: dict = {}


def apply_in_batches(fn: Callable, x: np.ndarray, size: int = 512) -> list:
  """``fn`` over uint8 images in batches of ``size`` (the last one padded,
  so that one compiled program serves every split)."""
  jitted = jax.jit(fn)
  padded = np.concatenate([x, np.zeros((-len(x) % size,) + x.shape[1:],
                                       x.dtype)])
  parts = [jitted(data.to_unit(padded[i:i + size]))
           for i in range(0, len(padded), size)]
  return [jnp.concatenate(p)[:len(x)] for p in zip(*parts)]


def image_evaluator(net: FeatureNet, dataset: data.Dataset,
                    eval_cfg: ml_collections.ConfigDict,
                    num_samples: int) -> Evaluator:
  """The image metrics of samples against ``dataset``'s training split.

  Args:
    net: the feature network.
    dataset: an image dataset with train and test splits.
    eval_cfg: ``config.eval`` (``nearest_k``, ``kid_subset``,
      ``kid_subsets``).
    num_samples: generated samples per evaluation; the first
      ``min(num_samples, len(test split))`` are measured.
  """
  n = min(num_samples, len(dataset.test.x))
  real_features, real_logits = apply_in_batches(net.apply, dataset.train.x,
                                                net.batch)
  # Features are divided by their RMS over the real images, so that KID's
  # kernel x.y / d + 1 is of order 1 whatever the network's scale (not for
  # networks whose own units the metrics keep, such as Inception).
  scale = (jnp.sqrt(jnp.mean(real_features ** 2)) if net.rms_scaled
           else jnp.float32(1.0))
  real_features = real_features / scale
  mu, cov = images.gaussian_stats(real_features)
  real_histogram = jnp.mean(jax.nn.one_hot(jnp.argmax(real_logits, 1),
                                           net.num_classes), axis=0)
  order = np.random.default_rng(0).permutation(len(real_features))[:n]
  reference = real_features[order]
  subset = min(eval_cfg.kid_subset, n)

  def from_features(feats: Array, logits: Array) -> Metrics:
    # The barrier keeps XLA from constant-folding real-only products (the
    # n x n kernel and distance matrices) into every compiled program.
    real = jax.lax.optimization_barrier(reference)
    kid, kid_std = images.kid(jax.random.key(KID_KEY), feats, real,
                              subset, eval_cfg.kid_subsets)
    precision, recall = images.precision_recall(real, feats,
                                                eval_cfg.nearest_k)
    return dict(fid=images.frechet_distance(*images.gaussian_stats(feats),
                                            mu, cov),
                kid=kid, kid_std=kid_std, precision=precision, recall=recall,
                **images.class_stats(logits, real_histogram))

  def measure(samples: Array) -> Metrics:
    feats, logits = net.apply(samples[:n])
    return from_features(feats / scale, logits)

  feats, logits = apply_in_batches(net.apply, dataset.test.x[:n], net.batch)
  floor = {k: float(v)
           for k, v in jax.jit(from_features)(feats / scale, logits).items()}
  protocol = {'network': net.name, **net.details, 'n': n,
              'reference': f'{dataset.name} train split '
              f'({len(real_features)} images; KID and precision/recall: '
              f'{n} of them)',
              'floor': f'{dataset.name} test split, {n} images'}
  return Evaluator(measure, floor, n, protocol)


@functools.lru_cache(maxsize=8)
def _evaluator(data_key: tuple, eval_key: tuple, num_samples: int
               ) -> Evaluator:
  dataset = data.make_dataset(*data_key)
  if dataset.kind == 'points':
    measure = lambda x: mixture_metrics(x, dataset.modes, dataset.std)
    return Evaluator(measure, {}, num_samples)
  eval_cfg = ml_collections.ConfigDict(dict(eval_key))
  net = features.make_feature_net(eval_cfg.features, *data_key, eval_key)
  return image_evaluator(net, dataset, eval_cfg, num_samples)


def make_metrics(cfg: ml_collections.ConfigDict) -> Evaluator:
  """The :class:`Evaluator` for ``cfg``'s data (``cfg.data``, ``cfg.eval``
  and ``cfg.train.eval_samples``), built once per process.

  For images this builds (or reads from its cache) the feature network and
  the features of the real splits.
  """
  return _evaluator(data.config_key(cfg), tuple(sorted(cfg.eval.items())),
                    cfg.train.eval_samples)


__all__ = ['Evaluator', 'FEATURE_NETS', 'FeatureNet', 'IMAGE_NAMES',
           'DIRECTIONS', 'LOWER_IS_BETTER', 'NAMES', 'apply_in_batches', 'image_evaluator',
           'make_metrics', 'mixture_metrics', 'register_feature_net']
