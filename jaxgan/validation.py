"""A whole config checked before anything is written, built or compiled.

:func:`validate` calls each part's own check in order: the data's fields
(:func:`jaxgan.data.check_config`), the networks' (:mod:`jaxgan.models`),
the metrics' (:mod:`jaxgan.metrics`), the optimisers', the penalty's, the
program's and the loss terms', the dynamic hyperparameters, then what
depends on the data (its kind, example shape and labels): whether the model
family and the metrics fit it and the augmentations apply to it. Each check
lives beside what it checks and raises a ValueError naming the field.

Example:
  >>> validate(cfg)
  >>> cfg = with_objective(cfg)      # search.objective='' -> the data's own
"""

import functools

import ml_collections

from jaxgan import (data, hparams, metrics, models, optim, penalties, terms,
                    train)


def validate_hparams(hp, cfg: ml_collections.ConfigDict) -> None:
  """Checks dynamic hyperparameter values, scalars or per-member arrays,
  for the static config ``cfg``.

  Args:
    hp: mapping from every registered hyperparameter
      (:data:`jaxgan.hparams.HPARAMS`) to a value or array of values;
      choices may be names or indices.
    cfg: the config the values will train with.

  Raises:
    ValueError: naming the first bad field and value.
  """
  hparams.validate(hp)
  optim.check_weight_decay(hp, cfg)


def validate(cfg: ml_collections.ConfigDict) -> None:
  """Checks a whole config before anything is built or compiled.

  Raises:
    ValueError: naming the first bad field and its value (and, for names,
      the valid choices).
    FileNotFoundError: a file the config names is missing.
  """
  data.check_config(cfg)
  models.check_config(cfg)
  metrics.check_config(cfg)
  optim.check_config(cfg)
  penalties.check_config(cfg)
  train.check_config(cfg)
  validate_hparams(dict(cfg.hparams), cfg)
  kind, shape = data.describe(*data.config_key(cfg))
  num_classes = functools.cache(lambda: data.for_config(cfg).num_classes)
  models.check_fits(cfg, kind, shape, num_classes)
  metrics.check_fits(cfg, kind, num_classes)
  terms.check_config(cfg, shape)


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
