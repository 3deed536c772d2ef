"""The paper protocol for a search's best trial: the library function behind
``jaxgan evaluate``.

A search ranks its members by metrics in a cheap feature space; this
measures the best trial the way papers do (:mod:`jaxgan.metrics.protocol`):
50,000 samples of its EMA generator, the FID InceptionV3 with the user's
weights, a named resize protocol, against the full training split, plus
perceptual path length. The numbers, with the network, resize, sample count
and reference they were measured with, go into ``W/best/metrics.json`` under
``protocol`` and into the report.

Example:
  >>> record = evaluate_best('workdirs/digits', Counts(num_samples=50_000))
  >>> record['metrics']['fid'], record['seconds']
"""

import json
import math
import os
import time
from typing import Callable, NamedTuple

import jax
import ml_collections
import numpy as np

from jaxgan import checkpoint, config, data, train, validation
from jaxgan.files import WorkdirLock, write_json
from jaxgan.metrics import features, inception, protocol
from jaxgan.search import report

# Keys of the generated samples and of the path-length latents.
SAMPLES_KEY, PPL_KEY = 0x50A, 0x991
PPL_FEATURES = ('classifier', 'inception')


def best_config(workdir: str) -> ml_collections.ConfigDict:
  """``W/best/config.json`` on top of the defaults (so a workdir written
  before a config field existed still loads).

  Raises:
    FileNotFoundError: the workdir has no best trial.
  """
  path = os.path.join(workdir, 'best', 'config.json')
  if not os.path.exists(path):
    raise FileNotFoundError(f'--workdir={workdir!r} has no best trial (no '
                            'best/config.json): run jaxgan tune there first')
  with open(path) as f:
    return ml_collections.ConfigDict(config.with_defaults(json.load(f)))


def restore_best(workdir: str, cfg: ml_collections.ConfigDict
                  ) -> tuple[train.TrainFns, train.GANState, int]:
  """The best trial's train functions, its state with the networks of
  ``W/checkpoints/best``, and its trial id."""
  directory = os.path.join(workdir, 'checkpoints', 'best')
  step = checkpoint.latest_step(directory)
  if step is None:
    raise FileNotFoundError(f'--workdir={workdir!r} has no checkpoints/best: '
                            'run jaxgan tune there first')
  fns = train.make_program(cfg)
  state = jax.jit(fns.init)(jax.random.key(0),
                            config.hparams_from_config(cfg))
  nets = checkpoint.restore(directory, step,
                            train.networks(state))
  return (fns, state.replace(**nets),
          int(checkpoint.restore_meta(directory, step)['trial']))


def _in_batches(fn: Callable[[jax.Array], tuple], n: int, batch: int
                ) -> list[np.ndarray]:
  """``fn(key)`` for ``ceil(n / batch)`` keys, its outputs concatenated on
  the host and cut to ``n`` rows."""
  parts = [jax.device_get(fn(jax.random.fold_in(jax.random.key(0), i)))
           for i in range(math.ceil(n / batch))]
  return [np.concatenate(p)[:n] for p in zip(*parts)]


class Network(NamedTuple):
  """The FID Inception network: its parameters, ``images -> (pool3,
  logits)`` at the config's resize protocol, and its weight file."""
  params: dict
  apply: Callable
  weights: str


class Counts(NamedTuple):
  """What the paper protocol measures.

  Attributes:
    num_samples: generated images for FID, IS, KID and precision/recall.
    ppl_samples: latent pairs for perceptual path length (0: skip it).
    ppl_features: the path length's feature space, ``'classifier'`` (the
      search's own) or ``'inception'``.
  """
  num_samples: int = protocol.PAPER_SAMPLES
  ppl_samples: int = protocol.PPL_SAMPLES
  ppl_features: str = 'classifier'


class Overrides(NamedTuple):
  """``eval.*`` fields of the best trial's config to replace, each when
  given (``jaxgan evaluate``'s flags of the same names)."""
  inception_weights: str = ''
  resize: str = ''
  reference_stats: str = ''


def evaluate_best(workdir: str, counts: Counts = Counts(),
                  overrides: Overrides = Overrides(),
                  log: Callable[[str], None] = print) -> dict:
  """Measures a search's best trial by the paper protocol and stores it.

  Args:
    workdir: a search's workdir (``best/`` and ``checkpoints/best``).
    counts: how many samples and path-length pairs, and the path length's
      feature space.
    overrides: the Inception weights, resize protocol and reference
      statistics to use instead of the best trial's config's.
    log: where progress and the result go.

  Returns:
    The record stored under ``protocol`` in ``W/best/metrics.json``:
    ``metrics`` and what they were measured with (``network``, ``weights``,
    ``resize``, ``n``, ``reference``, ``ppl``), and ``seconds``: how long
    it took, the reference statistics included (computed once per split,
    weight file and resize, then cached).

  Raises:
    FileNotFoundError, ValueError: before anything is computed, naming what
      is missing or wrong.
    RuntimeError: a search (or another evaluation) holds the workdir.
  """
  cfg = best_config(workdir)
  for field, value in overrides._asdict().items():
    if value:
      cfg.eval[field] = value
  validation.validate(cfg)
  config.check_integer('num_samples', counts.num_samples, 2)
  config.check_integer('ppl_samples', counts.ppl_samples, 0)
  if counts.ppl_features not in PPL_FEATURES:
    raise ValueError(f'ppl_features={counts.ppl_features!r} is not a feature '
                     f'space; choose one of {list(PPL_FEATURES)}')
  kind, _ = data.describe(*data.config_key(cfg))
  if kind != 'images':
    raise ValueError(f'the paper protocol measures images; data.name='
                     f'{cfg.data.name!r} holds {kind}')
  weights = inception.weights_path(cfg.eval.inception_weights)
  params = inception.load_params(weights)
  network = Network(params, inception.make_apply(params, cfg.eval.resize),
                    weights)
  reference = (protocol.load_reference(cfg.eval.reference_stats,
                                       dim=inception.POOL_DIM)
               if cfg.eval.reference_stats else None)
  with WorkdirLock(workdir):
    return _evaluate(workdir, cfg, network, reference, counts, log)


def _evaluate(workdir: str, cfg: ml_collections.ConfigDict,
              network: Network, reference, counts: Counts,
              log: Callable[[str], None]) -> dict:
  fns, state, trial = restore_best(workdir, cfg)
  net, num_samples = network.apply, counts.num_samples
  digest = inception.fingerprint(network.weights)
  start = time.perf_counter()
  if reference is None:
    train_x = fns.dataset.train.x
    cache = os.path.join(
        features.cache_root(cfg.data.dir),
        f'{cfg.data.name}-train-{inception.NETWORK}-{digest}-'
        f'{cfg.eval.resize}.npz')
    reference = protocol.reference_statistics(
        net, train_x, cache,
        f'{cfg.data.name} train split, {len(train_x)} images',
        inception.batch_size())
  log(f'reference: {reference.description} '
      f'({time.perf_counter() - start:.0f}s)')

  batch = min(inception.batch_size(), num_samples)
  generated = jax.jit(lambda k: net(fns.generate(state, k, batch)))
  part = time.perf_counter()
  pool, logits = _in_batches(
      lambda k: generated(jax.random.fold_in(k, SAMPLES_KEY)), num_samples,
      batch)
  log(f'{num_samples} samples through Inception in '
      f'{time.perf_counter() - part:.0f}s')
  is_mean, is_std = protocol.inception_score(
      logits - np.asarray(network.params['fc']['bias']))
  mu, sigma = protocol.gaussian_stats(pool)
  metrics = dict(fid=protocol.frechet_distance(mu, sigma, reference.mu,
                                               reference.sigma),
                 inception_score=is_mean, inception_score_std=is_std)
  if reference.features is not None:
    metrics['kid'], metrics['kid_std'] = protocol.kid(pool, reference.features)
    metrics['precision'], metrics['recall'] = protocol.precision_recall(
        reference.features, pool, cfg.eval.nearest_k)
  record = dict(trial=trial, network=inception.NETWORK,
                weights=(f'{os.path.basename(network.weights)} '
                         f'(sha256 {digest})'),
                resize=cfg.eval.resize, n=num_samples,
                reference=reference.description, metrics=metrics)
  if counts.ppl_samples:
    record['ppl'] = _path_length(cfg, fns, state, net, counts, log)
    metrics[f'ppl_{counts.ppl_features}'] = record['ppl'].pop('value')
  record['seconds'] = time.perf_counter() - start
  _store(workdir, record)
  log('paper protocol: ' + ' '.join(f'{k}={v:.5g}'
                                    for k, v in sorted(metrics.items()))
      + f' ({record["seconds"]:.0f}s; {inception.NETWORK}, resize '
      f'{cfg.eval.resize}, n={num_samples}, against {reference.description})')
  return record


def _path_length(cfg: ml_collections.ConfigDict, fns: train.TrainFns,
                 state: train.GANState, inception_net: Callable,
                 counts: Counts, log: Callable[[str], None]) -> dict:
  """Perceptual path length of the best generator from
  ``counts.ppl_samples`` pairs in the ``counts.ppl_features`` space."""
  n, space = counts.ppl_samples, counts.ppl_features
  if space == 'inception':
    feature_fn = inception_net
  else:
    feature_fn = features.make_feature_net(
        'classifier', data.config_key(cfg),
        tuple(sorted(cfg.eval.items()))).apply
  batch = min(inception.batch_size() if space == 'inception' else 1000, n)
  distances = jax.jit(lambda k: (protocol.path_distances(
      jax.random.fold_in(k, PPL_KEY), lambda z: fns.decode(state, z),
      lambda x: feature_fn(x)[0], cfg.model.latent_dim, batch),))
  start = time.perf_counter()
  [d] = _in_batches(distances, n, batch)
  value = protocol.perceptual_path_length(d)
  log(f'path length in the {space} space from {n} pairs: {value:.5g} '
      f'({time.perf_counter() - start:.0f}s)')
  return dict(value=value, space=space, n=n, epsilon=protocol.PPL_EPSILON,
              latent='z, slerp on the sphere of radius sqrt(latent_dim)')


def _store(workdir: str, record: dict) -> None:
  """Adds ``record`` to ``W/best/metrics.json`` and rewrites the report."""
  path = os.path.join(workdir, 'best', 'metrics.json')
  with open(path) as f:
    best = json.load(f)
  best['protocol'] = record
  write_json(path, best)
  report.rebuild(workdir)
