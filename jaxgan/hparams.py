"""Dynamic hyperparameters: each declared once, with its default and kind.

A dynamic hyperparameter is an array with one value per population member,
read by the train step from ``hp[name]``; changing its value compiles
nothing. Its *kind* says what values are valid, how a search samples it and
how population-based training perturbs it:

  ``'positive'``  a scale > 0 (learning rates); PBT multiplies by 0.8 or 1.2
  ``'scale'``     a scale >= 0 (penalty and loss-term weights); likewise
  ``'rate'``      a value in [0, 1) (betas, EMA decay); PBT scales 1 - value
  ``'choice'``    one of ``choices``, held as its index (the loss family)
  ``'integer'``   a non-negative integer (the seed); PBT leaves it

The config's ``hparams`` holds every registered name at its default
(:func:`jaxgan.config.get_config` reads :data:`HPARAMS`), so a registered
weight is overridable on the command line, searchable with
``search.space.NAME``, perturbed by PBT and validated like a built-in one.

Example:
  >>> register_hparam('info_weight', 1.0, 'scale')
  >>> cfg = jaxgan.get_config()                 # cfg.hparams.info_weight == 1.0
  >>> cfg.search.space.info_weight = 'log:0.1:10'
"""

import keyword
import numbers
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

from jaxgan import losses, registry

KINDS = ('positive', 'scale', 'rate', 'choice', 'integer')
# Scales PBT perturbs by multiplication; rates through 1 - value.
SCALE_KINDS = ('positive', 'scale')
# The numeric kinds: which finite values are valid, and how to say so.
_RANGES = {
    'positive': (lambda v: v > 0, 'must be > 0'),
    'scale': (lambda v: v >= 0, 'must be >= 0'),
    'rate': (lambda v: (v >= 0) & (v < 1), 'must be in [0, 1)'),
    'integer': (lambda v: (v >= 0) & (v == np.round(v)),
                'must be a non-negative integer'),
}


class HParam(NamedTuple):
  """One dynamic hyperparameter.

  Attributes:
    default: its value in :func:`jaxgan.config.get_config`.
    kind: one of :data:`KINDS`.
    choices: the names a ``'choice'`` takes: a sequence, or a registry
      (whose names at the time of use count). None for other kinds.
    doc: one line on what it does.
  """
  default: Any
  kind: str
  choices: Sequence[str] | Mapping[str, Any] | None = None
  doc: str = ''

  def names(self) -> tuple[str, ...]:
    """The choices' names, in index order."""
    return tuple(self.choices)

  def index(self, name: str, value: Any) -> int:
    """The index of a choice given by name or index.

    Raises:
      ValueError: naming ``hparams.NAME`` and the valid choices.
    """
    names = self.names()
    if isinstance(value, (str, np.str_)):
      if str(value) not in names:
        raise ValueError(f'hparams.{name}={str(value)!r} is not one of '
                         f'{list(names)}'
                         + registry.did_you_mean(str(value), names))
      return names.index(str(value))
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
        or not 0 <= value < len(names)):
      raise ValueError(f'hparams.{name}={value!r} is not a choice index in '
                       f'[0, {len(names)})')
    return int(value)

  def invalid(self, values: np.ndarray) -> np.ndarray:
    """Which of ``values`` (float64, a scale/rate/integer kind) are not
    valid."""
    return ~(np.isfinite(values) & _RANGES[self.kind][0](values))

  def what(self) -> str:
    """What a valid value is, for messages."""
    if self.kind == 'choice':
      return f'must be one of {list(self.names())}'
    return _RANGES[self.kind][1]

  @property
  def dtype(self) -> type:
    return np.int32 if self.kind in ('choice', 'integer') else np.float32


# Names a hyperparameter may not take: the shared names of the search space
# and the config's sections.
RESERVED = ('lr', 'b1', 'b2', 'data', 'model', 'optim', 'train', 'eval',
            'search', 'penalty', 'hparams')


def _check(name: str, hp: HParam) -> None:
  if not name.isidentifier() or keyword.iskeyword(name) or name in RESERVED:
    raise ValueError(f'hyperparameter name {name!r} must be a Python '
                     f'identifier other than {list(RESERVED)}')
  if not isinstance(hp, HParam):
    raise ValueError(f'hyperparameter {name!r}: register an HParam, not '
                     f'{type(hp).__name__} (use register_hparam)')
  if hp.kind not in KINDS:
    raise ValueError(f'hyperparameter {name!r}: kind={hp.kind!r} is not one '
                     f'of {list(KINDS)}')
  if hp.kind == 'choice':
    if hp.choices is None or not len(hp.names()):
      raise ValueError(f"hyperparameter {name!r}: a 'choice' needs choices")
    hp.index(name, hp.default)
    return
  if hp.choices is not None:
    raise ValueError(f'hyperparameter {name!r}: choices are for kind '
                     f"'choice', not {hp.kind!r}")
  if (isinstance(hp.default, bool) or not isinstance(hp.default, numbers.Real)
      or hp.invalid(np.float64([hp.default]))[0]):
    raise ValueError(f'hyperparameter {name!r}: default={hp.default!r} '
                     f'{hp.what()}')


_BUILT_IN = {
    'lr_g': HParam(5e-3, 'positive', doc="G's learning rate"),
    'lr_d': HParam(5e-3, 'positive', doc="D's learning rate"),
    'b1_g': HParam(0.5, 'rate', doc="G's Adam beta1 (momentum)"),
    'b2_g': HParam(0.9, 'rate', doc="G's Adam beta2"),
    'b1_d': HParam(0.5, 'rate', doc="D's Adam beta1 (momentum)"),
    'b2_d': HParam(0.9, 'rate', doc="D's Adam beta2"),
    'wd_g': HParam(0.0, 'scale', doc="G's decoupled weight decay (adamw)"),
    'wd_d': HParam(0.0, 'scale', doc="D's decoupled weight decay (adamw)"),
    'gp_weight': HParam(10.0, 'scale', doc='WGAN-GP weight (penalty=gp)'),
    'r1_gamma': HParam(0.1, 'scale', doc='R1 gamma (penalty=r1)'),
    'hinge_margin': HParam(1.0, 'scale', doc="the hinge loss's margin"),
    'ema_decay': HParam(0.999, 'rate', doc="decay of G's weight average"),
    'dropout_d': HParam(0.0, 'rate',
                        doc="D's dropout rate (model.dropout=True)"),
    'class_weight': HParam(1.0, 'scale',
                           doc="AC-GAN's class term (terms='acgan')"),
    'info_weight': HParam(1.0, 'scale',
                          doc="InfoGAN's mutual-information term "
                          "(terms='info')"),
    'bcr_weight': HParam(10.0, 'scale',
                         doc="balanced consistency regularisation "
                         "(terms='bcr')"),
    'cycle_weight': HParam(10.0, 'scale',
                           doc="CycleGAN's cycle consistency "
                           "(program='cyclegan')"),
    'identity_weight': HParam(5.0, 'scale',
                              doc="CycleGAN's identity term "
                              "(program='cyclegan')"),
    'loss': HParam('non_saturating', 'choice', losses.LOSSES,
                   doc='the GAN loss family'),
    'seed': HParam(0, 'integer', doc='initialisation and data stream'),
}
HPARAMS: registry.Registry[HParam] = registry.Registry(
    'hyperparameter', 'hparams', _BUILT_IN, _check)
BUILT_IN = tuple(_BUILT_IN)


def register_hparam(name: str, default: Any, kind: str,
                    choices: Sequence[str] | None = None, doc: str = '', *,
                    replace: bool = False) -> HParam:
  """Declares a dynamic hyperparameter.

  Register it before building the config (in a config file, before
  ``jaxgan.get_config()``); a loss term, penalty or program reads it as
  ``hp[name]``.

  Args:
    name: a Python identifier, not a built-in hyperparameter's name.
    default: the value configs start from.
    kind: one of :data:`KINDS`.
    choices: the names of a ``'choice'``.
    doc: one line on what it does.
    replace: replace another definition of ``name``.

  Returns:
    The :class:`HParam`.

  Raises:
    ValueError: the name clashes with a built-in or another declaration,
      or the kind, choices or default are not valid.
  """
  if name in BUILT_IN and not replace:
    raise ValueError(f'hyperparameter {name!r} is a built-in one; pick '
                     'another name')
  hp = HParam(default, kind, tuple(choices) if choices is not None else None,
              doc)
  return HPARAMS.register(name, hp, replace=replace)


def names() -> tuple[str, ...]:
  """Every dynamic hyperparameter, in the order they are stored."""
  return tuple(HPARAMS)


def defaults() -> dict[str, Any]:
  """Every hyperparameter at its default (choices by name)."""
  return {n: h.default for n, h in HPARAMS.items()}


def perturbable() -> tuple[str, ...]:
  """The names PBT perturbs: every scale, then every rate."""
  return (tuple(n for n, h in HPARAMS.items() if h.kind in SCALE_KINDS)
          + tuple(n for n, h in HPARAMS.items() if h.kind == 'rate'))


def is_scale(name: str) -> bool:
  """Whether PBT perturbs ``name`` by multiplication (else through
  ``1 - value``)."""
  return HPARAMS[name].kind in SCALE_KINDS


def decode(name: str, value: Any) -> Any:
  """A stored array value as a trial shows it: a choice's name, an int,
  or a float."""
  hp = HPARAMS[name]
  if hp.kind == 'choice':
    return hp.names()[int(value)]
  return int(value) if hp.kind == 'integer' else float(value)


def as_arrays(values: Mapping[str, Any]) -> dict[str, np.ndarray]:
  """Casts values (scalars or per-member lists) of every hyperparameter to
  arrays: choices by name become indices; choices and integers int32, the
  rest float32."""
  out = {}
  for name, hp in HPARAMS.items():
    value = values[name]
    if hp.kind == 'choice':
      value = np.asarray([hp.index(name, v) for v in np.atleast_1d(value)]
                         ).reshape(np.shape(value))
    out[name] = np.asarray(value, hp.dtype)
  return out


def validate(values: Mapping[str, Any]) -> None:
  """Checks every value (scalars or per-member arrays).

  Raises:
    ValueError: naming the first missing or unknown name, or the first bad
      field and value.
  """
  missing = sorted(set(HPARAMS) - set(values))
  unknown = sorted(set(values) - set(HPARAMS))
  if missing or unknown:
    raise ValueError(f'hparams: missing {missing}, unknown {unknown}; the '
                     f'dynamic hyperparameters are {list(HPARAMS)} (declare '
                     'a new one with jaxgan.register_hparam before '
                     'get_config())')
  for name, hp in HPARAMS.items():
    if hp.kind == 'choice':
      for v in np.atleast_1d(values[name]):
        hp.index(name, v.item() if isinstance(v, np.generic) else v)
      continue
    try:
      arr = np.asarray(values[name], np.float64)
    except (TypeError, ValueError):
      raise ValueError(f'hparams.{name}={values[name]!r} must be a number'
                       ) from None
    bad = hp.invalid(arr)
    if np.any(bad):
      raise ValueError(f'hparams.{name}={arr[bad].flat[0].item()!r} '
                       f'{hp.what()}')


__all__ = ['BUILT_IN', 'HPARAMS', 'HParam', 'KINDS', 'as_arrays', 'decode',
           'defaults', 'is_scale', 'names', 'perturbable', 'register_hparam',
           'validate']
