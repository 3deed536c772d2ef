"""Generator and discriminator families, looked up by name.

Every model is a Flax Linen module called as ``G(z, train=...)`` -> samples
and ``D(x, train=...)`` -> logits of shape ``(batch,)``. Models whose
normalisation keeps state (batch norm statistics, spectral norm's
power-iteration vectors) hold it in the ``batch_stats`` collection; a
family declares which steps' training-mode calls update each network's
state (:class:`StateUpdates`).

A family may declare more inputs: G may take the label ``y`` (int32,
``(batch,)``) and latent codes ``c`` as keyword arguments, D the label ``y``
and dynamic hyperparameters it reads (``dropout_d``). The codes are the
one-hot of a categorical code of ``model.categories`` values followed by
``model.code_dim`` continuous ones, uniform in [-1, 1] (InfoGAN). D may
return a dict with its ``'logit'`` and named heads (``'class'`` for AC-GAN,
``'category'`` and ``'code'`` for InfoGAN's Q), which loss terms
(:mod:`jaxgan.terms`) read.

The built-in families:

  ``mlp``, ``dcgan``                unconditional
  ``cond_mlp``, ``cond_dcgan``      G(z, y) and a projection D(x, y)
  ``acgan_mlp``, ``acgan_dcgan``    G(z, y) and D(x) with a class head
                                    (``config.terms='acgan'``)
  ``info_mlp``, ``info_dcgan``      G(z, c) and D(x) with Q heads
                                    (``config.terms='info'``)

``config.model.name`` is a registered family (:func:`register_model`) or an
import path ``'pkg.module:FAMILY'`` naming a :class:`ModelFamily`. Each
module receives the static fields it declares: ``out_shape`` (G), ``norm``
and ``activation`` (``model.g_norm`` / ``model.d_norm`` and so on), and any
other field of ``config.model`` of the same name (a config file may add
fields of its own).

Example:
  >>> class Gen(nn.Module):
  ...   out_shape: tuple
  ...   width: int
  ...   @nn.compact
  ...   def __call__(self, z, train):
  ...     return nn.Dense(2)(nn.relu(nn.Dense(self.width)(z)))
  >>> register_model('tiny', ModelFamily(Gen, MLPDiscriminator, ('points',)))
"""

import dataclasses
from typing import NamedTuple

import flax.linen as nn
import ml_collections

from jaxgan import hparams, registry
from jaxgan.models.dcgan import (ACGANConvDiscriminator, ConvDiscriminator,
                                 ConvGenerator)
from jaxgan.models.layers import ACTIVATIONS, NORMS, SPATIAL_NORMS
from jaxgan.models.mlp import (ACGANDiscriminator, MLPDiscriminator,
                               MLPGenerator)

# Inputs a generator may declare besides z, and a discriminator besides x
# (and besides the dynamic hyperparameters it reads).
G_INPUTS, D_INPUTS = ('y', 'c'), ('y',)


class StateUpdates(NamedTuple):
  """Which steps' training-mode calls of each network keep the state they
  compute (every non-parameter collection: batch-norm statistics,
  spectral-norm vectors). Evaluation calls are in inference mode and never
  change it.

  In D's step these calls are G's on the latents of the fakes and D's on
  the real and fake batch; in G's step, G's on its latents and D's on G's
  fakes. D's further calls in a penalty or a loss term see the step's
  state and keep nothing.

  Attributes:
    g: the steps (``'g'``, ``'d'``) in which G's call keeps G's new state.
    d: likewise for D.
  """
  g: tuple[str, ...] = ('g',)
  d: tuple[str, ...] = ('d',)


# Each network's state changes only in its own step.
OWN_STEP = StateUpdates()
# PyTorch's rule: every training-mode forward pass updates its module's
# buffers (a D's power-iteration vector in G's step too, G's batch-norm
# statistics in D's step).
EVERY_STEP = StateUpdates(('g', 'd'), ('g', 'd'))
STEPS = ('g', 'd')


class ModelFamily(NamedTuple):
  """A generator class, a discriminator class and what they fit.

  Attributes:
    generator, discriminator: the module classes.
    kinds: the data kinds they model (``'points'``, ``'images'``).
    strided: whether ``depth`` halves the image size that many times.
    g_inputs: what G takes besides ``z``: ``'y'`` (labels), ``'c'`` (codes).
    d_inputs: what D takes besides ``x``: ``'y'``, and the names of dynamic
      hyperparameters it reads (passed as keyword arguments of that name,
      scalars per member; the training calls also get a ``'dropout'`` PRNG
      stream).
    state: which steps update each network's state (:class:`StateUpdates`).
  """
  generator: type[nn.Module]
  discriminator: type[nn.Module]
  kinds: tuple[str, ...] = ('points', 'images')
  strided: bool = False
  g_inputs: tuple[str, ...] = ()
  d_inputs: tuple[str, ...] = ()
  state: StateUpdates = OWN_STEP


def _check(name: str, family) -> None:
  if not isinstance(family, ModelFamily):
    raise ValueError(f'model {name!r}: register a ModelFamily(generator, '
                     f'discriminator, ...), not {type(family).__name__}')
  for role in ('generator', 'discriminator'):
    module = getattr(family, role)
    if not (isinstance(module, type) and issubclass(module, nn.Module)):
      raise ValueError(f'model {name!r}: its {role} {module!r} is not a '
                       'flax.linen.Module class')
  for field, inputs, valid in (
      ('g_inputs', family.g_inputs, G_INPUTS),
      ('d_inputs', family.d_inputs, D_INPUTS + tuple(hparams.HPARAMS))):
    unknown = sorted(set(inputs) - set(valid))
    if unknown:
      raise ValueError(f'model {name!r}: {field} {unknown} are not inputs '
                       f'jaxgan supplies; choose from {list(valid)}'
                       + (' or a declared hyperparameter'
                          if field == 'd_inputs' else ''))
  state = family.state
  if (not isinstance(state, StateUpdates)
      or any(set(steps) - set(STEPS) for steps in state)):
    raise ValueError(f'model {name!r}: state={state!r} must be a '
                     "StateUpdates of steps 'g' and/or 'd' per network, "
                     'such as jaxgan.models.EVERY_STEP')
  bad = sorted(set(family.kinds) - {'points', 'images'})
  if bad or not family.kinds:
    raise ValueError(f'model {name!r}: kinds {list(family.kinds)} must be '
                     "'points' and/or 'images'")


def _built_in() -> dict[str, ModelFamily]:
  out = {}
  for arch, g, d, acgan_d, kinds, strided in (
      ('mlp', MLPGenerator, MLPDiscriminator, ACGANDiscriminator,
       ('points', 'images'), False),
      ('dcgan', ConvGenerator, ConvDiscriminator, ACGANConvDiscriminator,
       ('images',), True)):
    out[arch] = ModelFamily(g, d, kinds, strided, (), ('dropout_d',))
    out[f'cond_{arch}'] = ModelFamily(g, d, kinds, strided, ('y',),
                                      ('y', 'dropout_d'))
    out[f'acgan_{arch}'] = ModelFamily(g, acgan_d, kinds, strided, ('y',),
                                       ('dropout_d',))
    out[f'info_{arch}'] = ModelFamily(g, d, kinds, strided, ('c',),
                                      ('dropout_d',))
  return out


MODELS: registry.Registry[ModelFamily] = registry.Registry(
    'model family', 'model.name', _built_in(), _check)
register_model = MODELS.register


def _fields(module: type[nn.Module], net: str,
            model_cfg: ml_collections.ConfigDict, given: dict) -> dict:
  """The static fields ``module`` declares, from ``given`` and the config.

  Raises:
    ValueError: a field without a default has no value in the config.
  """
  out = {}
  for field in dataclasses.fields(module):
    if field.name in ('parent', 'name'):
      continue
    key = f'{net}_{field.name}'
    if field.name in given:
      out[field.name] = given[field.name]
    elif key in model_cfg:
      out[field.name] = model_cfg[key]
    elif field.name in model_cfg:
      out[field.name] = model_cfg[field.name]
    elif (field.default is dataclasses.MISSING
          and field.default_factory is dataclasses.MISSING):
      raise ValueError(f'{module.__name__} declares the field '
                       f'{field.name!r}, which config.model does not hold: '
                       f'set config.model.{field.name} (or {key})')
  return out


def make_models(model_cfg: ml_collections.ConfigDict,
                out_shape: tuple[int, ...], num_classes: int = 0
                ) -> tuple[nn.Module, nn.Module]:
  """Builds (G, D) from ``config.model`` for examples of shape ``out_shape``
  and labels of ``num_classes`` values (a module's ``num_classes`` field)."""
  family = MODELS.lookup(model_cfg.name)
  given = dict(num_classes=num_classes)
  g = family.generator(**_fields(family.generator, 'g', model_cfg,
                                 dict(given, out_shape=tuple(out_shape))))
  d = family.discriminator(**_fields(family.discriminator, 'd', model_cfg,
                                     given))
  return g, d


def hyperparameters(family: ModelFamily) -> tuple[str, ...]:
  """The dynamic hyperparameters ``family``'s D reads."""
  return tuple(n for n in family.d_inputs if n not in D_INPUTS)


__all__ = ['ACTIVATIONS', 'D_INPUTS', 'EVERY_STEP', 'G_INPUTS', 'MODELS',
           'NORMS', 'OWN_STEP', 'SPATIAL_NORMS', 'ModelFamily',
           'StateUpdates', 'hyperparameters', 'make_models',
           'register_model', 'ACGANConvDiscriminator', 'ACGANDiscriminator',
           'ConvDiscriminator', 'ConvGenerator', 'MLPDiscriminator',
           'MLPGenerator']
