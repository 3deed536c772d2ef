"""Extra loss terms and augmentations of D's inputs, registered by name.

A *loss term* adds ``hp[weight] * term(inputs)`` to G's or D's loss, where
``inputs`` is one :class:`TermInputs` record and ``weight`` names a dynamic
hyperparameter (:func:`jaxgan.register_hparam`), so a population trains
every weight at once and a search tunes it. ``config.terms`` lists the terms
a config uses, comma-separated (``''`` for none).

An *augmentation* ``augment(key, x) -> x`` transforms every batch D sees,
real and fake, in both networks' steps (differentiably, so G learns through
it, as DiffAugment does); ``config.augment`` names it (``'none'`` for none).

Example (InfoGAN's continuous-code term on a D head named ``'code'``):
  >>> jaxgan.register_hparam('info_weight', 1.0, 'scale')
  >>> @register_loss_term('info', nets=('g', 'd'), weight='info_weight')
  ... def info(inputs):
  ...   return jnp.mean((inputs.d_fake['code'] - inputs.c) ** 2)
  >>> cfg.terms = 'info'
"""

from typing import Callable, NamedTuple, Sequence

import jax

from jaxgan import hparams, registry
from jaxgan.types import Array, HParams, PRNGKey

NETS = ('g', 'd')


class TermInputs(NamedTuple):
  """What a loss term sees in one step of G or D.

  Attributes:
    net: the network being updated, ``'g'`` or ``'d'``.
    real: the real batch D saw (augmented when ``config.augment`` is set).
    fake: the generated batch D saw (likewise); in G's step it carries G's
      gradient.
    z: the latents of ``fake``.
    y: the labels of ``real``, which ``fake`` was also generated with;
      None when G and D take no labels.
    c: the latent codes of ``fake``; None when G takes none.
    d_real, d_fake: D's outputs on them: ``'logit'`` and any named heads
      (in G's step, ``d_real`` is None: D is not applied to real data).
    d_fn: D with its current parameters, ``x -> outputs``, for terms that
      apply it again (consistency regularisation).
    hp: the member's dynamic hyperparameters.
    key: a PRNG key for the term alone.
  """
  net: str
  real: Array | None
  fake: Array
  z: Array
  y: Array | None
  c: Array | None
  d_real: dict[str, Array] | None
  d_fake: dict[str, Array]
  d_fn: Callable[[Array], dict[str, Array]]
  hp: HParams
  key: PRNGKey


class LossTerm(NamedTuple):
  """A registered loss term.

  Attributes:
    fn: ``TermInputs -> scalar``.
    nets: the networks whose loss it joins (``'g'``, ``'d'`` or both).
    weight: the dynamic hyperparameter that scales it.
  """
  fn: Callable[[TermInputs], Array]
  nets: tuple[str, ...]
  weight: str


def _check_term(name: str, term) -> None:
  if not isinstance(term, LossTerm) or not callable(term.fn):
    raise ValueError(f'loss term {name!r}: register a function with '
                     'register_loss_term')
  if not term.nets or set(term.nets) - set(NETS):
    raise ValueError(f'loss term {name!r}: nets={term.nets!r} must be some '
                     f'of {list(NETS)}')


LOSS_TERMS: registry.Registry[LossTerm] = registry.Registry(
    'loss term', 'terms', {}, _check_term)


def register_loss_term(name: str, fn: Callable[[TermInputs], Array] | None
                       = None, *, nets: Sequence[str] = ('d',),
                       weight: str, replace: bool = False):
  """Registers ``fn(TermInputs) -> scalar`` as loss term ``name``; without
  ``fn``, a decorator.

  Args:
    name: what ``config.terms`` lists.
    fn: the term.
    nets: the networks whose loss it joins.
    weight: the name of the dynamic hyperparameter that scales it (checked
      when a config uses the term).
    replace: replace another term of that name.
  """
  if fn is None:
    return lambda f: register_loss_term(name, f, nets=nets, weight=weight,
                                        replace=replace)
  LOSS_TERMS.register(name, LossTerm(fn, tuple(nets), weight),
                      replace=replace)
  return fn


def _none(key: PRNGKey, x: Array) -> Array:
  """No augmentation."""
  del key
  return x


AUGMENTATIONS = registry.Registry('augmentation', 'augment', {'none': _none},
                                  registry.callable_check('(key, x) -> x'))
register_augmentation = AUGMENTATIONS.register


def for_config(cfg) -> dict[str, LossTerm]:
  """The terms ``cfg.terms`` lists, checked.

  Raises:
    ValueError: a name is not a registered term (or import path), is listed
      twice, or its weight is not a declared hyperparameter.
  """
  listed = LOSS_TERMS.listed(cfg.terms)
  for name, term in listed.items():
    if term.weight not in hparams.HPARAMS:
      raise ValueError(f'terms: {name!r} is weighted by {term.weight!r}, '
                       'which is not a hyperparameter; declare it with '
                       'jaxgan.register_hparam')
  return listed


def total(terms: dict[str, LossTerm], net: str, inputs: TermInputs
          ) -> dict[str, Array]:
  """Each of ``terms`` that joins ``net``'s loss, weighted, by name; each
  term gets its own key, split from ``inputs.key``."""
  active = {n: t for n, t in terms.items() if net in t.nets}
  keys = jax.random.split(inputs.key, len(active)) if active else []
  return {name: inputs.hp[t.weight] * t.fn(inputs._replace(key=k))
          for (name, t), k in zip(active.items(), keys)}
