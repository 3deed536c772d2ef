"""Extra loss terms and augmentations of D's inputs, registered by name.

A *loss term* adds ``hp[weight] * term(inputs)`` to G's or D's loss, where
``inputs`` is one :class:`TermInputs` record and ``weight`` names a dynamic
hyperparameter (:func:`jaxgan.register_hparam`), so a population trains
every weight at once and a search tunes it. ``config.terms`` lists the terms
a config uses, comma-separated (``''`` for none).

An *augmentation* ``augment(key, x) -> x`` transforms every batch D sees,
real and fake, in both networks' steps (differentiably, so G learns through
it, as DiffAugment does); ``config.augment`` lists them, comma-separated,
applied in order (``'none'`` for none).

Built in:

  terms     ``acgan``   AC-GAN's class term (Odena et al. 2017), weight
                        ``class_weight``; D needs a ``'class'`` head
            ``info``    InfoGAN's mutual-information bound (Chen et al.
                        2016), weight ``info_weight``; D needs Q heads
            ``bcr``     balanced consistency regularisation (Zhao et al.
                        2020), weight ``bcr_weight``
  augment   ``color``, ``translation``, ``cutout``, ``diffaugment`` (all
            three): :mod:`jaxgan.augment`

Example (InfoGAN's continuous-code term on a D head named ``'code'``):
  >>> jaxgan.register_hparam('code_weight', 1.0, 'scale')
  >>> @register_loss_term('code_mse', nets=('g', 'd'), weight='code_weight')
  ... def info(inputs):
  ...   return jnp.mean((inputs.d_fake['code'] - inputs.c) ** 2)
  >>> cfg.terms = 'code_mse'
"""

from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import optax

from jaxgan import augment, hparams, registry
from jaxgan.types import Array, HParams, PRNGKey

NETS = ('g', 'd')


class TermInputs(NamedTuple):
  """What a loss term sees in one step of G or D.

  Attributes:
    net: the network being updated, ``'g'`` or ``'d'``.
    real: the real batch D saw (augmented when ``config.augment`` is set);
      in G's step, a real batch of its own (drawn with the labels G was
      given) when a term of the config declares ``needs_real``, else None.
    fake: the generated batch D saw (likewise); in G's step it carries G's
      gradient.
    z: the latents of ``fake``.
    y: the labels of ``real``, which ``fake`` was also generated with;
      None when G and D take no labels.
    c: the latent codes of ``fake`` as G got them (the categorical code's
      one-hot, then the continuous codes); None when G takes none.
    category: the categorical code of ``fake`` (int32); None without one.
    d_real, d_fake: D's outputs on them: ``'logit'`` and any named heads
      (in G's step, ``d_real`` is None where ``real`` is).
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
  category: Array | None
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
    heads: the D outputs it reads besides ``'logit'`` (checked against D
      before anything compiles).
    needs_real: it reads a real batch, and D's outputs on it, in G's step
      too (feature matching); G's step draws one only for such terms.
  """
  fn: Callable[[TermInputs], Array]
  nets: tuple[str, ...]
  weight: str
  heads: tuple[str, ...] = ()
  needs_real: bool = False


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
                       weight: str, heads: Sequence[str] = (),
                       needs_real: bool = False, replace: bool = False):
  """Registers ``fn(TermInputs) -> scalar`` as loss term ``name``; without
  ``fn``, a decorator.

  Args:
    name: what ``config.terms`` lists.
    fn: the term.
    nets: the networks whose loss it joins.
    weight: the name of the dynamic hyperparameter that scales it (checked
      when a config uses the term).
    heads: the named D outputs it reads.
    needs_real: G's step gives it a real batch and D's outputs on it
      (``TermInputs.real``, ``d_real``).
    replace: replace another term of that name.
  """
  if fn is None:
    return lambda f: register_loss_term(name, f, nets=nets, weight=weight,
                                        heads=heads, needs_real=needs_real,
                                        replace=replace)
  LOSS_TERMS.register(name, LossTerm(fn, tuple(nets), weight, tuple(heads),
                                     bool(needs_real)), replace=replace)
  return fn


def _class_ce(logits: Array, labels: Array) -> Array:
  return optax.softmax_cross_entropy_with_integer_labels(logits,
                                                         labels).mean()


@register_loss_term('acgan', nets=('g', 'd'), weight='class_weight',
                    heads=('class',))
def acgan(inputs: TermInputs) -> Array:
  """AC-GAN (Odena et al. 2017): D's class head learns the labels of real
  and fake examples (cross-entropy); G makes its fakes classifiable as the
  labels it was given."""
  if inputs.y is None:
    raise ValueError("terms: 'acgan' needs labels; use a model family whose "
                     "generator takes y (acgan_mlp, acgan_dcgan)")
  fake = _class_ce(inputs.d_fake['class'], inputs.y)
  if inputs.net == 'g':
    return fake
  return _class_ce(inputs.d_real['class'], inputs.y) + fake


@register_loss_term('info', nets=('g', 'd'), weight='info_weight')
def info(inputs: TermInputs) -> Array:
  """InfoGAN's variational bound on I(c; G(z, c)) (Chen et al. 2016), as a
  loss for G and Q (D's heads) alike: the cross-entropy of the
  ``'category'`` head against the categorical code, plus, for the
  continuous codes, the negative log-likelihood of a unit-variance Gaussian
  centred on the ``'code'`` head (``0.5 * sum (code - c)^2``, constants
  dropped), each averaged over the batch."""
  out = inputs.d_fake
  if inputs.c is None or not {'category', 'code'} & set(out):
    raise ValueError("terms: 'info' needs latent codes and Q heads: use a "
                     "model family whose generator takes c (info_mlp, "
                     "info_dcgan) with model.categories or model.code_dim")
  total = jnp.zeros(())
  categories = 0
  if inputs.category is not None:
    categories = out['category'].shape[-1]
    total = total + _class_ce(out['category'], inputs.category)
  if 'code' in out:
    gap = out['code'] - inputs.c[:, categories:]
    total = total + 0.5 * jnp.mean(jnp.sum(gap ** 2, axis=-1))
  return total


def consistency_transform(key: PRNGKey, x: Array) -> Array:
  """bCR's semantics-preserving transformation: images move by up to 1/8
  of their sides (:func:`jaxgan.augment.translation`); points by Gaussian
  noise of 5% of the batch's spread per coordinate."""
  if x.ndim == 4:
    return augment.translation(key, x)
  spread = jnp.std(x, axis=0, keepdims=True)
  return x + 0.05 * spread * jax.random.normal(key, x.shape)


@register_loss_term('bcr', nets=('d',), weight='bcr_weight')
def bcr(inputs: TermInputs) -> Array:
  """Balanced consistency regularisation (Zhao et al. 2020, "Improved
  Consistency Regularization for GANs"): D's logits on real and fake
  batches stay put under :func:`consistency_transform`:
  ``mean (D(x) - D(T(x)))^2`` over the real batch plus the same over the
  fake one (the paper's λ_real = λ_fake, both ``bcr_weight``)."""
  k_real, k_fake = jax.random.split(inputs.key)
  logit = lambda x: inputs.d_fn(x)['logit']
  real = jax.lax.stop_gradient(inputs.real)
  fake = jax.lax.stop_gradient(inputs.fake)
  return (jnp.mean((logit(consistency_transform(k_real, real))
                    - inputs.d_real['logit']) ** 2)
          + jnp.mean((logit(consistency_transform(k_fake, fake))
                      - inputs.d_fake['logit']) ** 2))


def _none(key: PRNGKey, x: Array) -> Array:
  """No augmentation."""
  del key
  return x


AUGMENTATIONS = registry.Registry(
    'augmentation', 'augment',
    {'none': _none, 'color': augment.color,
     'translation': augment.translation, 'cutout': augment.cutout,
     'diffaugment': augment.diffaugment},
    registry.callable_check('(key, x) -> x'))
register_augmentation = AUGMENTATIONS.register


def augmentation(cfg) -> Callable[[PRNGKey, Array], Array] | None:
  """What D's inputs go through: the augmentations ``cfg.augment`` lists,
  in order, each with its own key; None for ``'none'``.

  Raises:
    ValueError: a name is unknown or listed twice, or an augmentation does
      not apply to ``cfg``'s examples (checked on their shape).
  """
  listed = AUGMENTATIONS.listed(cfg.augment)
  if 'none' in listed and len(listed) > 1:
    raise ValueError(f"augment={cfg.augment!r}: 'none' cannot be listed with "
                     'other augmentations')
  listed.pop('none', None)
  if not listed:
    return None

  def apply(key: PRNGKey, x: Array) -> Array:
    keys = jax.random.split(key, len(listed)) if len(listed) > 1 else [key]
    for k, fn in zip(keys, listed.values()):
      x = fn(k, x)
    return x

  return apply


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


def g_needs_real(terms: dict[str, LossTerm]) -> bool:
  """Whether a term of ``terms`` in G's loss reads a real batch there."""
  return any(t.needs_real and 'g' in t.nets for t in terms.values())


def total(terms: dict[str, LossTerm], net: str, inputs: TermInputs
          ) -> dict[str, Array]:
  """Each of ``terms`` that joins ``net``'s loss, weighted, by name; each
  term gets its own key, split from ``inputs.key``."""
  active = {n: t for n, t in terms.items() if net in t.nets}
  keys = jax.random.split(inputs.key, len(active)) if active else []
  return {name: inputs.hp[t.weight] * t.fn(inputs._replace(key=k))
          for (name, t), k in zip(active.items(), keys)}



def check_config(cfg, shape: tuple[int, ...]) -> None:
  """Checks ``cfg.terms`` and ``cfg.augment``, the augmentations on
  examples of ``shape`` (traced, nothing compiles).

  Raises:
    ValueError: as :func:`for_config` and :func:`augmentation`.
  """
  for_config(cfg)
  augment = augmentation(cfg)
  if augment is not None:
    jax.eval_shape(augment, jax.random.key(0),
                   jax.ShapeDtypeStruct((2,) + tuple(shape), jnp.float32))
