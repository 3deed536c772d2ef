"""Configuration: defaults, static versus dynamic names, loading, validation.

A config is an ``ml_collections.ConfigDict``. Everything under ``hparams`` is a
*dynamic* hyperparameter: it becomes an array (one value per population member)
and changing it compiles nothing. Everything else is *static*: it changes
array shapes or what is computed, and so selects a compiled program.

Config files are Python modules with a ``get_config()`` that builds on
:func:`get_config` here, e.g. ``experiments/configs/ring8.py``; any field can be
overridden on the command line as ``--config.train.num_steps=2000``.
"""

import importlib.machinery
import math
import numbers
import os
import sys
import types

import jax
import ml_collections
import numpy as np

from jaxgan import (data, hparams, metrics, models, optim, penalties, terms,
                    train)
from jaxgan.metrics import inception, resize

def get_config() -> ml_collections.ConfigDict:
  """The defaults: an MLP GAN on grid-25.

  The non-saturating loss with an R1 penalty on D (Mescheder et al. 2018) and a
  generator EMA whose parameters are the ones evaluated (StyleGAN2, Karras et
  al. 2020); Adam with β1 = 0.5, β2 = 0.9 (SNGAN, WGAN-GP); lr 1e-3 for both
  networks, which on grid-25 sharpens the modes within the step budget where
  DCGAN's 2e-4 does not (BUILD_NOTES.md has the measurements).
  """
  cfg = ml_collections.ConfigDict()
  # data.name: a registered dataset, 'array:PATH' (.npy/.npz) or
  # 'folder:DIR' (images, resized to data.image_size squared); data.dir: the
  # tensorflow-datasets data dir ('': $TFDS_DATA_DIR or
  # ~/tensorflow_datasets); data.download lets tfds fetch a missing dataset;
  # data.source: the domain a translating program (cyclegan) maps from
  # into data.name's ('' for none).
  cfg.data = ml_collections.ConfigDict(dict(name='grid25', dir='',
                                            download=False, image_size=32,
                                            source=''))
  # model.name: a registered family or 'pkg.module:FAMILY'; categories and
  # code_dim: the categorical code's values and the continuous codes of a
  # generator that takes codes (InfoGAN); attention: the resolution of a
  # self-attention block in the dcgan nets (0: none); dropout: D drops
  # units at the rate hparams.dropout_d (jaxgan.models).
  cfg.model = ml_collections.ConfigDict(dict(
      name='mlp', width=64, depth=3, latent_dim=16, g_activation='relu',
      d_activation='leaky_relu', g_norm='none', d_norm='none', code_dim=0,
      categories=0, attention=0, dropout=False))
  # program: how a member trains (jaxgan.train.PROGRAMS); terms: extra loss
  # terms, comma-separated, and augment: what D's inputs go through
  # (jaxgan.terms).
  cfg.program = 'gan'
  cfg.penalty = 'r1'
  cfg.terms = ''
  cfg.augment = 'none'
  cfg.optim = ml_collections.ConfigDict(dict(g='adam', d='adam',
                                             clip_norm=0.0,
                                             schedule='constant'))
  cfg.hparams = ml_collections.ConfigDict(hparams.defaults())
  # eval_samples: 2,500 generated samples per evaluation, as in PacGAN/VEEGAN.
  cfg.train = ml_collections.ConfigDict(dict(
      batch_size=128, num_steps=10000, n_disc=1, chunk_steps=1000,
      eval_samples=2500))
  # Metrics (jaxgan.metrics): registered metrics measured besides the
  # data's own (comma-separated); for images, the feature network ('': the
  # classifier for labelled data, else the autoencoder), k of the
  # precision/recall manifolds, KID's subset size and number of subsets;
  # for Inception, its weight file ('': $JAXGAN_INCEPTION_WEIGHTS) and
  # resize protocol; reference statistics (mu, sigma) made elsewhere for
  # `jaxgan evaluate` ('': computed from the training split and cached).
  cfg.eval = ml_collections.ConfigDict(dict(
      features='', nearest_k=3, kid_subset=100, kid_subsets=10,
      inception_weights='', resize='pytorch', reference_stats='',
      metrics=''))
  cfg.search = get_search_config()
  return cfg


def get_search_config() -> ml_collections.ConfigDict:
  """The search behind ``jaxgan tune`` (see :mod:`jaxgan.search`).

  ``space`` maps a name to a range: ``'log:LOW:HIGH'`` (log-uniform),
  ``'uniform:LOW:HIGH'``, ``'int:LOW:HIGH'`` (inclusive) or
  ``'choice:A,B,...'``; ``''`` leaves the name at its config value. Names are
  dynamic hyperparameters, ``b1`` / ``b2`` / ``lr`` (one value shared by G
  and D), or static fields (``penalty``, ``model.width``, ...), which split a
  round into one compiled program per value. Every name a user may want to
  search is declared, so ``--config.search.space.gp_weight=log:0.1:100``
  works from the command line.

  ``budget`` caps a search of any method: ``'member_steps:N'`` (training
  steps summed over members) or ``'seconds:S'`` (wall time of its rounds,
  from asking for their points to storing their trials); ``''`` for none.
  ``min_steps`` is the smallest budget of a ``hyperband``
  bracket (``train.num_steps`` the largest).

  ``seeds`` trains every setting with that many seeds side by side (trials
  ``hparams.seed``, ``+ 1``, ...; ``num_trials`` and ``population`` count
  trials, so they are multiples of it), and the search is told their
  ``seed_statistic``: ``'mean'`` or ``'quantile:Q'``. At the end, the
  ``confirm_top`` best settings train again with ``confirm_seeds`` fresh
  seeds each, judged by their final evaluation (``W/confirm.json``; 0: no
  confirmation).

  ``objective`` is the metric the search optimises (``''``: the data's own,
  :func:`jaxgan.metrics.default_objective`), in its registered
  ``direction`` unless ``direction`` says ``'min'`` or ``'max'``.

  ``pareto`` names more objectives (``'high_quality'``; on images
  ``'precision,recall'``): the study keeps the Pareto front of
  ``[objective] + pareto`` (see :mod:`jaxgan.search.pareto`). ``stages``
  (in config files) runs searches one after another, each fixing what it
  does not search at the best of the one before
  (:mod:`jaxgan.search.stages`).
  """
  space = {name: '' for name in hparams.names() + ('lr', 'b1', 'b2')}
  space.update(lr_g='log:1e-4:1e-2', lr_d='log:1e-4:1e-2',
               b1='uniform:0:0.9', b2='uniform:0.9:0.999',
               loss='choice:non_saturating,hinge,least_squares',
               r1_gamma='log:0.01:1')
  space['penalty'] = ''
  space['model'] = ml_collections.ConfigDict(
      dict(width='', depth='', latent_dim='', g_norm='', d_norm=''))
  space['train'] = ml_collections.ConfigDict(dict(batch_size='', n_disc=''))
  return ml_collections.ConfigDict(dict(
      method='optuna-tpe', objective='', direction='', num_trials=40,
      population=8,
      seed=0, space=ml_collections.ConfigDict(space), baseline=True,
      initial_points=16,
      transform='log', grid_points=3, eta=3, rungs=3, min_steps=1000,
      pbt_interval=2000, pbt_fraction=0.25, budget='', seeds=1,
      seed_statistic='mean', confirm_top=2, confirm_seeds=4, pareto='',
      stages=()))


def load(path: str) -> ml_collections.ConfigDict:
  """Runs ``get_config()`` from the Python file at ``path``.

  The file's directory is put on ``sys.path`` first (as Python does for a
  script), so a config file can import the user's modules beside it, whose
  ``register_*`` calls then run before ``get_config()``. An exception
  raised by the file's own code propagates as it is, with its traceback.

  Raises:
    FileNotFoundError: there is no file at ``path``.
    ValueError: the file does not define ``get_config``, or it returns
      something other than a ConfigDict.
  """
  if not os.path.isfile(path):
    raise FileNotFoundError(f'config file {path!r} does not exist')
  add_to_path(path)
  loader = importlib.machinery.SourceFileLoader('jaxgan_user_config', path)
  module = types.ModuleType(loader.name)
  module.__file__ = path
  loader.exec_module(module)
  if not callable(getattr(module, 'get_config', None)):
    raise ValueError(f'config file {path!r} does not define get_config()')
  cfg = module.get_config()
  if not isinstance(cfg, ml_collections.ConfigDict):
    raise ValueError(f'get_config() in {path!r} returned {type(cfg).__name__}, '
                     'not an ml_collections.ConfigDict')
  return cfg


def add_to_path(path: str) -> None:
  """Puts the directory of config file ``path`` first on ``sys.path``."""
  directory = os.path.dirname(os.path.abspath(path))
  if directory not in sys.path:
    sys.path.insert(0, directory)


def with_defaults(saved: dict, defaults: dict | None = None) -> dict:
  """A config saved as JSON with the fields it lacks (fields added to
  jaxgan after it was saved) at their defaults; nothing it has is changed.

  Args:
    saved: the saved config (``W/config.json``).
    defaults: what missing fields take (:func:`get_config` by default).
  """
  defaults = get_config().to_dict() if defaults is None else defaults
  out = dict(saved)
  for key, value in defaults.items():
    if key not in out:
      out[key] = value
    elif isinstance(value, dict) and isinstance(out[key], dict):
      out[key] = with_defaults(out[key], value)
  return out


def _choice(field: str, value, valid) -> None:
  if value not in valid:
    raise ValueError(f'{field}={value!r} is not valid; choose one of '
                     f'{sorted(valid)}')


def check_integer(field: str, value, low: int) -> None:
  """Raises a ValueError naming ``field`` unless ``value`` is an integer >= ``low``."""
  if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
      or value < low):
    raise ValueError(f'{field}={value!r} must be an integer >= {low}')


def validate_hparams(hp, static_cfg: ml_collections.ConfigDict) -> None:
  """Checks dynamic hyperparameter values, scalars or per-member arrays.

  Args:
    hp: mapping from every registered hyperparameter
      (:data:`jaxgan.hparams.HPARAMS`) to a value or array of values;
      choices may be names or indices.
    static_cfg: the config the values will train with.

  Raises:
    ValueError: naming the first bad field and value.
  """
  hparams.validate(hp)
  for net, opt_hp in (('g', optim.Hyperparams.of_g(hp)),
                      ('d', optim.Hyperparams.of_d(hp))):
    wd = np.asarray(opt_hp.wd, np.float64)
    name = static_cfg.optim[net]
    if name in optim.IGNORE_WEIGHT_DECAY and np.any(wd != 0):
      raise ValueError(
          f'hparams.wd_{net}={wd.flat[np.argmax(wd != 0)].item()!r} has no '
          f'effect with optim.{net}={name!r}; use adamw or an optimiser '
          'that reads it')


def validate(cfg: ml_collections.ConfigDict) -> None:
  """Checks a whole config before anything is built or compiled.

  Raises:
    ValueError: naming the first bad field and its value (and, for names,
      the valid choices).
  """
  if not isinstance(cfg.data.name, str):
    raise ValueError(f'data.name={cfg.data.name!r} must be a string')
  check_integer('data.image_size', cfg.data.image_size, 1)
  if not isinstance(cfg.data.dir, str):
    raise ValueError(f'data.dir={cfg.data.dir!r} must be a path (a string)')
  if not isinstance(cfg.data.download, bool):
    raise ValueError(f'data.download={cfg.data.download!r} must be True or '
                     'False')
  if not isinstance(cfg.data.source, str):
    raise ValueError(f'data.source={cfg.data.source!r} must be a string')
  if cfg.data.source and cfg.program == 'gan':
    raise ValueError(f'data.source={cfg.data.source!r} is the domain a '
                     "translating program maps from; program='gan' "
                     "generates from noise (use program='cyclegan')")
  if not isinstance(cfg.model.dropout, bool):
    raise ValueError(f'model.dropout={cfg.model.dropout!r} must be True or '
                     'False')
  if cfg.eval.features:
    metrics.FEATURE_NETS.lookup(cfg.eval.features)
  _choice('eval.resize', cfg.eval.resize, resize.PROTOCOLS)
  if cfg.eval.features == 'inception':
    inception.load_params(inception.weights_path(cfg.eval.inception_weights))
  if cfg.eval.reference_stats and not os.path.isfile(cfg.eval.reference_stats):
    raise FileNotFoundError(f'eval.reference_stats='
                            f'{cfg.eval.reference_stats!r} is not a file')
  check_integer('eval.nearest_k', cfg.eval.nearest_k, 1)
  check_integer('eval.kid_subset', cfg.eval.kid_subset, 2)
  check_integer('eval.kid_subsets', cfg.eval.kid_subsets, 1)
  for net in ('g', 'd'):
    _choice(f'model.{net}_activation', cfg.model[f'{net}_activation'],
            models.ACTIVATIONS)
    _choice(f'model.{net}_norm', cfg.model[f'{net}_norm'], models.NORMS)
    optim.OPTIMIZERS.lookup(cfg.optim[net], f'optim.{net}')
  optim.SCHEDULES.lookup(cfg.optim.schedule)
  penalties.PENALTIES.lookup(cfg.penalty)
  train.PROGRAMS.lookup(cfg.program)
  terms.for_config(cfg)
  metrics.registered(cfg.eval.metrics)
  for field in ('width', 'depth', 'latent_dim'):
    check_integer(f'model.{field}', cfg.model[field], 1)
  for field in ('code_dim', 'categories', 'attention'):
    check_integer(f'model.{field}', cfg.model[field], 0)
  if cfg.model.categories == 1:
    raise ValueError('model.categories=1 is a code that says nothing; use 0 '
                     '(none) or at least 2')
  for field in ('batch_size', 'num_steps', 'n_disc', 'chunk_steps',
                'eval_samples'):
    check_integer(f'train.{field}', cfg.train[field], 1)
  clip = cfg.optim.clip_norm
  if not (isinstance(clip, numbers.Real) and math.isfinite(clip) and clip >= 0):
    raise ValueError(f'optim.clip_norm={clip!r} must be >= 0 (0 turns it off)')
  validate_hparams(dict(cfg.hparams), cfg)
  if cfg.penalty != 'none' and cfg.model.d_norm == 'batch':
    raise ValueError(
        f"penalty={cfg.penalty!r} needs per-example input gradients of D, "
        "which model.d_norm='batch' mixes across the batch; use 'none', "
        "'layer' or 'spectral'")
  _validate_model_fits_data(cfg)


def _validate_model_fits_data(cfg: ml_collections.ConfigDict) -> None:
  kind, shape = data.describe(*data.config_key(cfg))
  family = models.MODELS.lookup(cfg.model.name)
  if kind not in family.kinds:
    raise ValueError(f'model.name={cfg.model.name!r} is for '
                     f'{" or ".join(family.kinds)} data but '
                     f'data.name={cfg.data.name!r} holds {kind}')
  for net, inputs in (('generator', family.g_inputs),
                      ('discriminator', family.d_inputs)):
    if 'y' in inputs and not data.for_config(cfg).num_classes:
      raise ValueError(f'model.name={cfg.model.name!r}: its {net} takes '
                       f'labels y, but data.name={cfg.data.name!r} has none')
  if (kind == 'images' and cfg.eval.features == 'classifier'
      and cfg.data.name not in data.BUILT_IN_IMAGES
      and not data.for_config(cfg).num_classes):
    raise ValueError(f"eval.features='classifier' learns from labels, and "
                     f'data.name={cfg.data.name!r} has none: give labels (y '
                     'in an .npz, class sub-folders), or use '
                     "eval.features='inception' with its weights")
  coded = cfg.model.code_dim + cfg.model.categories
  if 'c' in family.g_inputs and coded < 1:
    raise ValueError(f'model.name={cfg.model.name!r}: its generator takes '
                     f'latent codes c, but model.code_dim={cfg.model.code_dim}'
                     f' and model.categories={cfg.model.categories}; set '
                     'their numbers')
  if 'c' not in family.g_inputs and coded:
    raise ValueError(f'model.code_dim={cfg.model.code_dim} and '
                     f'model.categories={cfg.model.categories} have no effect:'
                     f' the generator of model.name={cfg.model.name!r} takes '
                     'no codes (use info_mlp or info_dcgan)')
  _validate_knobs(cfg, family, shape)
  models.make_models(cfg.model, shape)
  if kind == 'images' and cfg.train.eval_samples <= cfg.eval.nearest_k + 1:
    raise ValueError(
        f'train.eval_samples={cfg.train.eval_samples} is too few for image '
        f'metrics with eval.nearest_k={cfg.eval.nearest_k}; use at least '
        f'{cfg.eval.nearest_k + 2}')
  if kind == 'images' and family.strided:
    h, w, _ = shape
    stride = 2 ** cfg.model.depth
    if h % stride or w % stride or h // stride < 1:
      raise ValueError(
          f'model.depth={cfg.model.depth} halves {cfg.data.name} images '
          f'({h}x{w}) {cfg.model.depth} times; pick a depth whose 2^depth '
          'divides both sides')


def _validate_knobs(cfg: ml_collections.ConfigDict,
                    family: models.ModelFamily,
                    shape: tuple[int, ...]) -> None:
  """Checks dropout, attention, instance norm and augmentations against the
  model and the data."""
  rate = np.asarray(cfg.hparams.dropout_d, np.float64)
  if 'dropout_d' not in models.hyperparameters(family) and np.any(rate != 0):
    raise ValueError(f'hparams.dropout_d={cfg.hparams.dropout_d!r}: the '
                     f'discriminator of model.name={cfg.model.name!r} does '
                     'not read it')
  if (not cfg.model.dropout and np.any(rate != 0)
      and 'dropout_d' in models.hyperparameters(family)):
    raise ValueError(f'hparams.dropout_d={cfg.hparams.dropout_d!r} has no '
                     'effect with model.dropout=False; set it True to give '
                     'D dropout layers')
  built_in = cfg.model.name in models.MODELS and (
      family.generator in (models.MLPGenerator, models.ConvGenerator))
  if built_in and not family.strided:
    for net in ('g', 'd'):
      if cfg.model[f'{net}_norm'] in models.SPATIAL_NORMS:
        raise ValueError(f"model.{net}_norm='instance' normalises over "
                         f'spatial axes, which the fully connected '
                         f'model.name={cfg.model.name!r} has none of; use '
                         'a dcgan family')
    if cfg.model.attention:
      raise ValueError(f'model.attention={cfg.model.attention} needs a '
                       f'convolutional family (dcgan), not '
                       f'model.name={cfg.model.name!r}')
  if built_in and family.strided and cfg.model.attention:
    # The heights both networks pass through between their ends.
    sides = [shape[0] // 2 ** i for i in range(1, cfg.model.depth)]
    if cfg.model.attention not in sides:
      raise ValueError(f'model.attention={cfg.model.attention} is not the '
                       'height of an inner stage of model.depth='
                       f'{cfg.model.depth} on {shape[0]}x{shape[1]} images;'
                       f' choose from {sorted(set(sides))}')
  augment = terms.augmentation(cfg)
  if augment is not None:
    jax.eval_shape(augment, jax.random.key(0),
                   jax.ShapeDtypeStruct((2,) + tuple(shape), np.float32))


def with_objective(cfg: ml_collections.ConfigDict
                   ) -> ml_collections.ConfigDict:
  """``cfg`` with ``search.objective`` filled in when it is ``''``: the
  data's default (:func:`jaxgan.metrics.default_objective`). ``cfg`` is not
  modified."""
  if cfg.search.objective:
    return cfg
  out = ml_collections.ConfigDict(cfg.to_dict())
  out.search.objective = metrics.default_objective(data.for_config(cfg))
  return out


def hparams_from_config(cfg: ml_collections.ConfigDict) -> dict[str, np.ndarray]:
  """The dynamic hyperparameters of ``cfg`` as numpy scalars (choices such
  as ``loss`` as their index)."""
  return hparams.as_arrays(dict(cfg.hparams))
