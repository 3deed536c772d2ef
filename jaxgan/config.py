"""Configuration: defaults, static versus dynamic names, loading, and the
checks every part's validation shares (:mod:`jaxgan.validation` validates
a whole config).

A config is an ``ml_collections.ConfigDict``. Everything under ``hparams`` is a
*dynamic* hyperparameter: it becomes an array (one value per population member)
and changing it compiles nothing. Everything else is *static*: it changes
array shapes or what is computed, and so selects a compiled program.

Config files are Python modules with a ``get_config()`` that builds on
:func:`get_config` here, e.g. ``experiments/configs/ring8.py``; any field can be
overridden on the command line as ``--config.train.num_steps=2000``.
"""

import importlib.machinery
import numbers
import os
import sys
import types
from typing import Any

import ml_collections
import numpy as np
from ml_collections import config_dict

from jaxgan import hparams

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

  ``population`` is how many trials a round trains side by side: an
  integer, or ``'auto'`` (the default), the smallest that reaches this
  machine's throughput plateau (:mod:`jaxgan.search.sizing`): one member
  per device on CPU, probed on an accelerator, never below what the
  method needs (PBT's lineages, a CMA-ES generation: 8).

  ``seeds`` trains every setting with that many seeds side by side (trials
  ``hparams.seed``, ``+ 1``, ...; ``num_trials`` and ``population`` count
  trials, so they are multiples of it), and the search is told their
  ``seed_statistic``: ``'mean'`` or ``'quantile:Q'``. At the end, the
  incumbent (the config's own setting, with ``baseline``; else a warm
  start's answer) and the
  ``confirm_top`` best settings train again with ``confirm_seeds`` fresh
  seeds each, judged by their final evaluation, and seeds are added up to
  ``confirm_max_seeds`` where a contender's order with the incumbent is
  still open; the incumbent is kept unless a contender is shown better, with
  a false-switch rate of at most ``confirm_alpha``. A seed *fails* when it
  diverges, has no finite objective or, with ``failure`` (a number, as the
  objective), is worse than it (``W/confirm.json``; ``confirm_top=0``: no
  confirmation; :mod:`jaxgan.search.decision`).

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
      # An integer or 'auto' (jaxgan.search.sizing).
      population=config_dict.FieldReference('auto', field_type=object),
      seed=0, space=ml_collections.ConfigDict(space), baseline=True,
      initial_points=16,
      transform='log', grid_points=3, eta=3, rungs=3, min_steps=1000,
      pbt_interval=2000, pbt_fraction=0.25, budget='', seeds=1,
      seed_statistic='mean', confirm_top=2, confirm_seeds=8,
      confirm_max_seeds=12, confirm_alpha=0.05, failure='', pareto='',
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


def check_choice(field: str, value, valid) -> None:
  """Raises a ValueError naming ``field`` unless ``value`` is in
  ``valid``."""
  if value not in valid:
    raise ValueError(f'{field}={value!r} is not valid; choose one of '
                     f'{sorted(valid)}')


def set_field(cfg: ml_collections.ConfigDict, path: str, value: Any,
              where: str = '') -> None:
  """Sets the field at the dotted ``path`` of ``cfg`` (``'model.width'``)
  to ``value``.

  Raises:
    ValueError: ``path`` names no field of ``cfg`` that holds a value (the
      message begins with ``where``).
  """
  *parents, leaf = path.split('.')
  node = cfg
  for p in parents:
    if p not in node or not isinstance(node[p], ml_collections.ConfigDict):
      raise ValueError(f'{where}{path!r} is not a config field')
    node = node[p]
  if leaf not in node or isinstance(node[leaf], ml_collections.ConfigDict):
    raise ValueError(f'{where}{path!r} is not a config field')
  node[leaf] = value


def check_integer(field: str, value, low: int) -> None:
  """Raises a ValueError naming ``field`` unless ``value`` is an integer >= ``low``."""
  if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
      or value < low):
    raise ValueError(f'{field}={value!r} must be an integer >= {low}')


def hparams_from_config(cfg: ml_collections.ConfigDict) -> dict[str, np.ndarray]:
  """The dynamic hyperparameters of ``cfg`` as numpy scalars (choices such
  as ``loss`` as their index)."""
  return hparams.as_arrays(dict(cfg.hparams))
