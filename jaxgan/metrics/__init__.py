"""Sample-quality metrics, one signature for every dataset.

:func:`make_metrics` returns ``measure(samples, asked) -> {name: scalar}``
for one member's samples (jittable; vmap it for a population) and the
*floor*: the same metrics for held-out real images, the best a generator can
score with that sample size. ``asked`` (:class:`Asked`) holds the labels and
categorical codes the samples were generated with, for the metrics of
conditional GANs and InfoGAN (:mod:`jaxgan.metrics.conditional`).

* 2-D mixtures (:mod:`jaxgan.metrics.mixtures`): modes captured, high-quality
  fraction, reverse KL and partition KL.
* Other points (a user's own): energy distance, precision and recall
  against held-out points (:mod:`jaxgan.metrics.points`).
* Images (:mod:`jaxgan.metrics.images`), in the space of a feature network
  (:mod:`jaxgan.metrics.features`: ``classifier`` when the data has labels,
  ``autoencoder`` when it has none, or the FID ``inception`` network): FID,
  KID, precision and recall against
  the training split; classes covered, class-histogram KL and an
  Inception-Score analogue from its classifier.
* Asked for labels (conditional GANs): classification accuracy, and on
  images per-class recall and intra-class FID; asked for a categorical
  code (InfoGAN): its alignment with the predicted class
  (:mod:`jaxgan.metrics.conditional`).
* Registered metrics (:func:`register_metric`), ``(samples, reference) ->
  {name: scalar}`` with ``reference`` held-out real examples, measured
  besides these when ``config.eval.metrics`` lists them. Every output
  declares its direction, so a search may optimise it.

The numbers papers quote (Inception FID, IS and KID on 50,000 samples, path
length) are :mod:`jaxgan.metrics.protocol`'s, with the FID Inception network
of :mod:`jaxgan.metrics.inception`.

Example:
  >>> ev = make_metrics(cfg)
  >>> ev.measure(samples)['fid'], ev.floor['fid']
  >>> make_metrics(cfg, asks=('y',)).measure(samples, Asked(y=labels))
  >>> register_metric('spread', lambda x, ref: {'spread': jnp.std(x)},
  ...                 directions={'spread': 'max'})
  >>> cfg.eval.metrics, cfg.search.objective = 'spread', 'spread'
"""

import functools
import os
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxgan import config, data, registry
from jaxgan.metrics import (autoencoder, conditional, features, images,
                            inception, mixtures, points, resize)
from jaxgan.metrics.features import (FEATURE_NETS, FeatureNet,
                                     register_feature_net)
from jaxgan.metrics.mixtures import mixture_metrics
from jaxgan.types import Array, Metrics

# Which way each built-in metric is better, from the module that computes
# it (None: a number no search should optimise).
DIRECTIONS = {**mixtures.DIRECTIONS, **points.DIRECTIONS,
              **images.DIRECTIONS, **conditional.DIRECTIONS}
# A fixed key: the held-out mixture samples registered metrics compare
# against.
REFERENCE_KEY = 0x2EF
# Folded into REFERENCE_KEY: the training examples a floor compares.
FLOOR_STREAM = 1
VALID_DIRECTIONS = ('min', 'max', None)
# What a generator may be asked for, besides z.
ASKS = ('y', 'category')


class Asked(NamedTuple):
  """What one member's samples were generated with besides ``z``.

  Attributes:
    y: the class labels asked for (int32, one per sample); None when G
      takes none.
    category: the categorical code (int32, in [0, ``model.categories``));
      None without one.
  """
  y: Array | None = None
  category: Array | None = None


class Metric(NamedTuple):
  """A registered metric.

  Attributes:
    fn: ``(samples, reference) -> {name: scalar}`` for one member: ``n``
      generated examples and ``n`` held-out real ones (images in [-1, 1]);
      jittable (it is vmapped over members).
    directions: every output name -> ``'min'`` or ``'max'`` (the better
      way), or None for a number no search should optimise.
    kinds: the data kinds it measures.
  """
  fn: Callable[[Array, Array], Metrics]
  directions: dict[str, str | None]
  kinds: tuple[str, ...] = ('points', 'images')


def _check_metric(name: str, metric) -> None:
  if not isinstance(metric, Metric) or not callable(metric.fn):
    raise ValueError(f'metric {name!r}: register a function with '
                     'register_metric')
  if not isinstance(metric.directions, dict) or not metric.directions:
    raise ValueError(f'metric {name!r}: give directions, a dict from each '
                     "output name to 'min', 'max' or None")
  for out, way in metric.directions.items():
    if way not in VALID_DIRECTIONS:
      raise ValueError(f'metric {name!r}: the direction of {out!r} is '
                       f"{way!r}; use 'min' (lower is better), 'max' or None")
    if out in DIRECTIONS:
      raise ValueError(f'metric {name!r}: its output {out!r} is a built-in '
                       "metric's name; pick another")
  if set(metric.kinds) - {'points', 'images'} or not metric.kinds:
    raise ValueError(f'metric {name!r}: kinds {metric.kinds!r} must be '
                     "'points' and/or 'images'")


METRICS: registry.Registry[Metric] = registry.Registry(
    'metric', 'eval.metrics', {}, _check_metric)


def register_metric(name: str, fn: Callable[[Array, Array], Metrics] | None
                    = None, *, directions: dict[str, str | None],
                    kinds: tuple[str, ...] = ('points', 'images'),
                    replace: bool = False):
  """Registers ``fn(samples, reference) -> {output: scalar}`` as metric
  ``name``; without ``fn``, a decorator.

  Args:
    name: what ``config.eval.metrics`` lists.
    fn: the metric (see :class:`Metric`).
    directions: each output name -> ``'min'``, ``'max'`` or None.
    kinds: the data kinds it measures.
    replace: replace another metric of that name.

  Raises:
    ValueError: a direction is missing or not valid, or an output takes a
      built-in metric's name.
  """
  if fn is None:
    return lambda f: register_metric(name, f, directions=directions,
                                     kinds=kinds, replace=replace)
  METRICS.register(name, Metric(fn, dict(directions), tuple(kinds)),
                   replace=replace)
  return fn


def registered(text: str) -> dict[str, Metric]:
  """The metrics ``config.eval.metrics`` lists, by name.

  Raises:
    ValueError: a name is not a registered metric, or is listed twice.
  """
  return METRICS.listed(text)


def declared_directions(cfg: ml_collections.ConfigDict) -> dict[str, str]:
  """The better way (``'min'``/``'max'``) of every built-in metric and of
  every output of the metrics ``cfg.eval.metrics`` lists that has one."""
  declared = dict(DIRECTIONS)
  for metric in registered(cfg.eval.metrics).values():
    declared.update(metric.directions)
  return {n: way for n, way in declared.items() if way}


def direction(cfg: ml_collections.ConfigDict, name: str) -> str:
  """Which way metric ``name`` of ``cfg``'s evaluations is better:
  ``search.direction`` for the objective when it is set, else the metric's
  own.

  Raises:
    ValueError: the metric has no direction and none is given.
  """
  if name == cfg.search.objective and cfg.search.direction:
    return cfg.search.direction
  found = declared_directions(cfg).get(name)
  if found is None:
    raise ValueError(f'metric {name!r} has no direction; set '
                     "search.direction='min' or 'max'")
  return found


def sign(cfg: ml_collections.ConfigDict, name: str) -> float:
  """``-1.0`` where metric ``name`` is maximised (:func:`direction`), else
  ``1.0``: the factor that turns its values into ones to minimise."""
  return -1.0 if direction(cfg, name) == 'max' else 1.0


def default_objective(dataset: data.Dataset) -> str:
  """What a search of ``dataset`` minimises unless told otherwise:
  partition KL on the mixtures, energy distance on other points, FID on
  images."""
  if dataset.kind == 'images':
    return 'fid'
  return 'partition_kl' if dataset.modes is not None else 'energy_distance'


class Evaluator(NamedTuple):
  """How samples of one dataset are judged.

  Attributes:
    measure: ``(samples, asked) -> metrics`` for one member (``asked``: an
      :class:`Asked` holding what the evaluator was built to be asked
      for, or None); jittable.
    floor: the metrics of held-out real data (``{}`` for the 2-D mixtures,
      whose metrics have known best values).
    num_samples: how many of the samples ``measure`` uses (images: the
      held-out split's size at most, so that the floor is comparable).
    protocol: what the image metrics mean: the feature ``network`` and its
      :attr:`FeatureNet.details`, the sample count ``n``, the ``reference``
      set and the ``floor``'s (``{}`` for the 2-D mixtures).
  """
  measure: Callable[..., Metrics]
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
                    num_samples: int, asks: tuple[str, ...] = (),
                    categories: int = 0) -> Evaluator:
  """The image metrics of samples against ``dataset``'s training split.

  Args:
    net: the feature network.
    dataset: an image dataset with train and test splits.
    eval_cfg: ``config.eval`` (``nearest_k``, ``kid_subset``,
      ``kid_subsets``).
    num_samples: generated samples per evaluation; the first
      ``min(num_samples, len(test split))`` are measured.
    asks: what ``measure`` is told the samples were asked for
      (:data:`ASKS`); the class metrics need the network's classifier and,
      for ``'y'``, the dataset's labels.
    categories: the values a categorical code takes.
  """
  n = min(num_samples, len(dataset.test.x))
  real_features, real_logits = apply_in_batches(net.apply, dataset.train.x,
                                                net.batch)
  scale = net.scale(real_features)
  real_features = real_features / scale
  mu, cov = images.gaussian_stats(real_features)
  real_histogram = (jnp.mean(jax.nn.one_hot(jnp.argmax(real_logits, 1),
                                            net.num_classes), axis=0)
                    if net.num_classes else None)
  order = np.random.default_rng(0).permutation(len(real_features))[:n]
  reference = images.Reference(real_features[order], mu, cov, real_histogram)
  classes = dataset.num_classes
  by_label = 'y' in asks and net.num_classes and classes
  by_code = 'category' in asks and net.num_classes
  train_labels = (jnp.asarray(dataset.train.labels) if by_label else None)

  def from_features(feats: Array, logits: Array, asked: Asked | None
                    ) -> Metrics:
    # The barrier keeps XLA from constant-folding real-only products (the
    # n x n kernel and distance matrices) into every compiled program.
    real = reference._replace(
        features=jax.lax.optimization_barrier(reference.features))
    out = images.measure(feats, logits, real, eval_cfg.nearest_k,
                         eval_cfg.kid_subset, eval_cfg.kid_subsets)
    predicted = jnp.argmax(logits, 1) if net.num_classes else None
    if by_label:
      all_real = jax.lax.optimization_barrier(real_features)
      out.update(
          class_accuracy=conditional.class_accuracy(predicted, asked.y),
          class_recall=jnp.mean(conditional.per_class_recall(
              real.features, train_labels[order], feats, asked.y,
              eval_cfg.nearest_k, classes)),
          intra_fid=jnp.mean(conditional.per_class_fid(
              all_real, train_labels, feats, asked.y, classes)))
    if by_code:
      out['code_nmi'] = conditional.nmi(asked.category, predicted,
                                        max(categories, net.num_classes),
                                        net.num_classes)
    return out

  def measure(samples: Array, asked: Asked | None = None) -> Metrics:
    feats, logits = net.apply(samples[:n])
    return from_features(feats / scale, logits, _first(asked, n))

  feats, logits = apply_in_batches(net.apply, dataset.test.x[:n], net.batch)
  test_labels = (jnp.asarray(dataset.test.labels[:n])
                 if dataset.test.labels is not None else None)
  # The floor is real images asked for their own labels, and a code that
  # is their label.
  floor_asked = Asked(test_labels, test_labels)
  floor = {k: float(v) for k, v in jax.jit(from_features)(
      feats / scale, logits, floor_asked if test_labels is not None
      else None).items()}
  protocol = {'network': net.name, **net.details, 'n': n,
              'reference': f'{dataset.name} train split '
              f'({len(real_features)} images; KID and precision/recall: '
              f'{n} of them)',
              'floor': f'{dataset.name} test split, {n} images'}
  return Evaluator(measure, floor, n, protocol)


def _first(asked: Asked | None, n: int) -> Asked | None:
  """What the first ``n`` samples were asked for."""
  if asked is None:
    return None
  cut = lambda v: None if v is None else v[:n]
  return asked._replace(y=cut(asked.y), category=cut(asked.category))


def mixture_evaluator(dataset: data.Dataset, num_samples: int,
                      asks: tuple[str, ...] = (), categories: int = 0
                      ) -> Evaluator:
  """Modes, quality and KLs of 2-D mixture samples; asked for labels, the
  fraction that lands within 3 std of the mode asked for; asked for a
  categorical code, its alignment with the nearest mode."""
  modes = jnp.asarray(dataset.modes)
  num_modes = len(dataset.modes)

  def measure(samples: Array, asked: Asked | None = None) -> Metrics:
    out = mixture_metrics(samples, modes, dataset.std)
    sq = jnp.sum((samples[:, None, :] - modes[None]) ** 2, -1)
    nearest = jnp.argmin(sq, 1)
    if 'y' in asks:
      good = jnp.min(sq, 1) <= (3.0 * dataset.std) ** 2
      out['class_accuracy'] = conditional.class_accuracy(
          jnp.where(good, nearest, -1), asked.y)
    if 'category' in asks:
      out['code_nmi'] = conditional.nmi(asked.category, nearest, categories,
                                        num_modes)
    return out

  return Evaluator(measure, {}, num_samples)


def point_evaluator(dataset: data.Dataset, nearest_k: int,
                    num_samples: int) -> Evaluator:
  """Energy distance, precision and recall against ``dataset``'s held-out
  points; the floor is as many training points measured the same way."""
  n = min(num_samples, len(dataset.test.x))
  reference = jnp.asarray(dataset.test.x[:n])
  rows = np.random.default_rng(0).permutation(len(dataset.train.x))[:n]

  def measure(samples: Array, asked: Asked | None = None) -> Metrics:
    del asked
    real = jax.lax.optimization_barrier(reference)
    return points.point_metrics(samples[:n], real, nearest_k)

  floor = {k: float(v) for k, v in
           jax.jit(measure)(jnp.asarray(dataset.train.x[rows])).items()}
  protocol = {'reference': f'{dataset.name} held-out split ({n} points)',
              'floor': f'{dataset.name} training split, {n} points', 'n': n}
  return Evaluator(measure, floor, n, protocol)


def _held_out(dataset: data.Dataset, n: int) -> tuple[Array, Array]:
  """``n`` held-out real examples and ``n`` training ones (images in
  [-1, 1]): what registered metrics compare against, and their floor."""
  if dataset.test is None:
    key = jax.random.key(REFERENCE_KEY)
    return (dataset.sample(key, n),
            dataset.sample(jax.random.fold_in(key, FLOOR_STREAM), n))
  n = min(n, len(dataset.test.x), len(dataset.train.x))
  scale = data.to_unit if dataset.kind == 'images' else jnp.asarray
  return scale(dataset.test.x[:n]), scale(dataset.train.x[:n])


def with_registered(evaluator: Evaluator, dataset: data.Dataset,
                    chosen: dict[str, Metric]) -> Evaluator:
  """``evaluator`` measuring the ``chosen`` registered metrics too.

  Raises:
    ValueError: a metric does not measure this kind of data, or its
      outputs are not the names its directions declare.
  """
  if not chosen:
    return evaluator
  reference, floor_x = _held_out(dataset, evaluator.num_samples)
  n = reference.shape[0]
  for name, metric in chosen.items():
    if dataset.kind not in metric.kinds:
      raise ValueError(f'eval.metrics: {name!r} measures '
                       f'{" or ".join(metric.kinds)}, not {dataset.kind}')
    out = jax.eval_shape(metric.fn, reference, reference)
    if not isinstance(out, dict) or set(out) != set(metric.directions):
      raise ValueError(f'eval.metrics: {name!r} returns '
                       f'{sorted(out) if isinstance(out, dict) else out!r}, '
                       f'but declares directions for '
                       f'{sorted(metric.directions)}')
    bad = [k for k, v in out.items() if v.shape != ()]
    if bad:
      raise ValueError(f'eval.metrics: {name!r} returns non-scalar {bad[0]!r}'
                       f' of shape {out[bad[0]].shape}')

  def extra(samples: Array) -> Metrics:
    real = jax.lax.optimization_barrier(reference)
    return {k: v for m in chosen.values()
            for k, v in m.fn(samples[:n], real).items()}

  def measure(samples: Array, asked: Asked | None = None) -> Metrics:
    return {**evaluator.measure(samples, asked), **extra(samples)}

  floor = {k: float(v) for k, v in jax.jit(extra)(floor_x).items()}
  return evaluator._replace(measure=measure,
                            floor={**evaluator.floor, **floor})


@functools.lru_cache(maxsize=8)
def _evaluator(data_key: tuple, eval_key: tuple, num_samples: int,
               asks: tuple[str, ...], categories: int,
               generation: int) -> Evaluator:
  del generation
  dataset = data.make_dataset(*data_key)
  eval_cfg = ml_collections.ConfigDict(dict(eval_key))
  if dataset.kind == 'points' and dataset.modes is not None:
    evaluator = mixture_evaluator(dataset, num_samples, asks, categories)
  elif dataset.kind == 'points':
    evaluator = point_evaluator(dataset, eval_cfg.nearest_k, num_samples)
  else:
    net = features.make_feature_net(eval_cfg.features, data_key, eval_key)
    evaluator = image_evaluator(net, dataset, eval_cfg, num_samples, asks,
                                categories)
  return with_registered(evaluator, dataset, registered(eval_cfg.metrics))


def make_metrics(cfg: ml_collections.ConfigDict,
                 asks: tuple[str, ...] = (), categories: int = 0
                 ) -> Evaluator:
  """The :class:`Evaluator` for ``cfg``'s data (``cfg.data``, ``cfg.eval``
  and ``cfg.train.eval_samples``), built once per process and registry
  state.

  For images this builds (or reads from its cache) the feature network and
  the features of the real splits.

  Args:
    cfg: the config.
    asks: what its measure is told the samples were generated with
      (:data:`ASKS`, in that order).
    categories: the values of the categorical code, when asked for one.
  """
  return _evaluator(data.config_key(cfg), tuple(sorted(cfg.eval.items())),
                    cfg.train.eval_samples, tuple(asks), categories,
                    registry.generation())



def check_config(cfg: ml_collections.ConfigDict) -> None:
  """Checks ``cfg.eval`` before anything is measured: the feature network
  (the Inception weights too, when it is ``inception``), the resize
  protocol, the reference statistics and the registered metrics.

  Raises:
    ValueError: naming the field and its value.
    FileNotFoundError: a named file is missing.
  """
  if cfg.eval.features:
    FEATURE_NETS.lookup(cfg.eval.features)
  config.check_choice('eval.resize', cfg.eval.resize, resize.PROTOCOLS)
  if cfg.eval.features == 'inception':
    inception.load_params(inception.weights_path(cfg.eval.inception_weights))
  if cfg.eval.reference_stats and not os.path.isfile(cfg.eval.reference_stats):
    raise FileNotFoundError(f'eval.reference_stats='
                            f'{cfg.eval.reference_stats!r} is not a file')
  config.check_integer('eval.nearest_k', cfg.eval.nearest_k, 1)
  config.check_integer('eval.kid_subset', cfg.eval.kid_subset, 2)
  config.check_integer('eval.kid_subsets', cfg.eval.kid_subsets, 1)
  registered(cfg.eval.metrics)


def check_fits(cfg: ml_collections.ConfigDict, kind: str,
               num_classes: Callable[[], int]) -> None:
  """Checks that the image metrics can measure data of ``kind`` whose
  labels number ``num_classes()`` (called only where labels matter).

  Raises:
    ValueError: naming the field and its value.
  """
  if kind != 'images':
    return
  if (cfg.eval.features == 'classifier'
      and cfg.data.name not in data.BUILT_IN_IMAGES and not num_classes()):
    raise ValueError(f"eval.features='classifier' learns from labels, and "
                     f'data.name={cfg.data.name!r} has none: give labels (y '
                     'in an .npz, class sub-folders), or use '
                     "eval.features='inception' with its weights")
  if cfg.train.eval_samples <= cfg.eval.nearest_k + 1:
    raise ValueError(
        f'train.eval_samples={cfg.train.eval_samples} is too few for image '
        f'metrics with eval.nearest_k={cfg.eval.nearest_k}; use at least '
        f'{cfg.eval.nearest_k + 2}')


__all__ = ['ASKS', 'Asked', 'DIRECTIONS', 'Evaluator', 'FEATURE_NETS',
           'FeatureNet', 'METRICS', 'Metric',
           'apply_in_batches', 'declared_directions', 'default_objective',
           'direction', 'image_evaluator', 'make_metrics',
           'mixture_evaluator', 'mixture_metrics', 'point_evaluator',
           'register_feature_net', 'register_metric', 'registered',
           'with_registered']
