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
  ``sngan``                         SNGAN's 32×32 and 48×48 ResNets
                                    (Mimicry's; the data's side picks)
  ``cgan_pd``                       G(z, y) with conditional batch norm
                                    and the projection D(x, y) (cGAN-PD)

The ResNets (:mod:`jaxgan.models.resnet`) compute as their PyTorch
reference and load its weights (:func:`load_torch_state_dict`); their state
changes in every training-mode call, as PyTorch's buffers do
(:data:`EVERY_STEP`), and D's step calls D on the real and the fake batch
in turn, as Mimicry's does (``d_calls='separate'``).

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
from typing import Callable, NamedTuple

import flax.linen as nn
import ml_collections
import numpy as np

from jaxgan import config, hparams, registry
from jaxgan.models.dcgan import (ACGANConvDiscriminator, ConvDiscriminator,
                                 ConvGenerator)
from jaxgan.models.layers import ACTIVATIONS, NORMS, SPATIAL_NORMS
from jaxgan.models.mlp import (ACGANDiscriminator, MLPDiscriminator,
                               MLPGenerator)
from jaxgan.models.resnet import ResNetDiscriminator, ResNetGenerator
from jaxgan.models.torch_weights import load_torch_state_dict, state_dict_of

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
# How D's step applies D to the real and the fake batch (ModelFamily.d_calls).
D_CALLS = ('joint', 'separate')


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
    d_calls: how D's step applies D (:data:`D_CALLS`): ``'joint'``, once
      on the real and fake batches concatenated; ``'separate'``, on the
      real batch and then on the fakes, the second call starting from the
      state the first left, as a PyTorch step's two forward passes do (two
      power iterations of spectral norm). A D with batch norm is always
      applied per batch (:func:`as_trained`).
  """
  generator: type[nn.Module]
  discriminator: type[nn.Module]
  kinds: tuple[str, ...] = ('points', 'images')
  strided: bool = False
  g_inputs: tuple[str, ...] = ()
  d_inputs: tuple[str, ...] = ()
  state: StateUpdates = OWN_STEP
  d_calls: str = 'joint'


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
  if family.d_calls not in D_CALLS:
    raise ValueError(f'model {name!r}: d_calls={family.d_calls!r} must be '
                     f'one of {list(D_CALLS)}')
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
  out['sngan'] = ModelFamily(ResNetGenerator, ResNetDiscriminator,
                             ('images',), state=EVERY_STEP,
                             d_calls='separate')
  out['cgan_pd'] = ModelFamily(ResNetGenerator, ResNetDiscriminator,
                               ('images',), g_inputs=('y',), d_inputs=('y',),
                               state=EVERY_STEP, d_calls='separate')
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


def as_trained(family: ModelFamily, d: nn.Module) -> ModelFamily:
  """``family`` as it trains the discriminator ``d``: with
  ``d_calls='separate'`` where ``d`` normalises over the batch (its
  ``norm`` field is ``'batch'``, from ``model.d_norm``).

  G's step applies D to the fakes alone. A D that normalises over the
  batch, trained on real and fake batches normalised together, would then
  see in G's step fakes normalised by their own statistics, which it never
  learnt to judge: G's loss saturates and G stops learning (a DCGAN at
  32×32 collapses to one texture). Applying D to each batch alone, as
  DCGAN's reference code does, shows D the same statistics in both steps.
  """
  if getattr(d, 'norm', None) == 'batch':
    return family._replace(d_calls='separate')
  return family


def hyperparameters(family: ModelFamily) -> tuple[str, ...]:
  """The dynamic hyperparameters ``family``'s D reads."""
  return tuple(n for n in family.d_inputs if n not in D_INPUTS)



def check_config(cfg: ml_collections.ConfigDict) -> None:
  """Checks the fields of ``cfg.model`` that need no data.

  Raises:
    ValueError: naming the field and its value.
  """
  if not isinstance(cfg.model.dropout, bool):
    raise ValueError(f'model.dropout={cfg.model.dropout!r} must be True or '
                     'False')
  for net in ('g', 'd'):
    config.check_choice(f'model.{net}_activation',
                        cfg.model[f'{net}_activation'], ACTIVATIONS)
    config.check_choice(f'model.{net}_norm', cfg.model[f'{net}_norm'], NORMS)
  for field in ('width', 'depth', 'latent_dim'):
    config.check_integer(f'model.{field}', cfg.model[field], 1)
  for field in ('code_dim', 'categories', 'attention'):
    config.check_integer(f'model.{field}', cfg.model[field], 0)
  if cfg.model.categories == 1:
    raise ValueError('model.categories=1 is a code that says nothing; use 0 '
                     '(none) or at least 2')


def check_fits(cfg: ml_collections.ConfigDict, kind: str,
               shape: tuple[int, ...], num_classes: Callable[[], int]
               ) -> None:
  """Checks that ``cfg.model``'s family fits data of ``kind`` and example
  ``shape`` whose labels number ``num_classes()`` (0: none; called only
  where labels matter), and builds its modules.

  Raises:
    ValueError: naming the field and its value.
  """
  family = MODELS.lookup(cfg.model.name)
  if kind not in family.kinds:
    raise ValueError(f'model.name={cfg.model.name!r} is for '
                     f'{" or ".join(family.kinds)} data but '
                     f'data.name={cfg.data.name!r} holds {kind}')
  for net, inputs in (('generator', family.g_inputs),
                      ('discriminator', family.d_inputs)):
    if 'y' in inputs and not num_classes():
      raise ValueError(f'model.name={cfg.model.name!r}: its {net} takes '
                       f'labels y, but data.name={cfg.data.name!r} has none')
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
  _check_knobs(cfg, family, shape)
  make_models(cfg.model, shape)
  if kind == 'images' and family.strided:
    h, w, _ = shape
    stride = 2 ** cfg.model.depth
    if h % stride or w % stride or h // stride < 1:
      raise ValueError(
          f'model.depth={cfg.model.depth} halves {cfg.data.name} images '
          f'({h}x{w}) {cfg.model.depth} times; pick a depth whose 2^depth '
          'divides both sides')


def _check_knobs(cfg: ml_collections.ConfigDict, family: ModelFamily,
                 shape: tuple[int, ...]) -> None:
  """Checks dropout, attention and instance norm against the family and
  the data."""
  rate = np.asarray(cfg.hparams.dropout_d, np.float64)
  if 'dropout_d' not in hyperparameters(family) and np.any(rate != 0):
    raise ValueError(f'hparams.dropout_d={cfg.hparams.dropout_d!r}: the '
                     f'discriminator of model.name={cfg.model.name!r} does '
                     'not read it')
  if (not cfg.model.dropout and np.any(rate != 0)
      and 'dropout_d' in hyperparameters(family)):
    raise ValueError(f'hparams.dropout_d={cfg.hparams.dropout_d!r} has no '
                     'effect with model.dropout=False; set it True to give '
                     'D dropout layers')
  built_in = cfg.model.name in MODELS and (
      family.generator in (MLPGenerator, ConvGenerator))
  if built_in and not family.strided:
    for net in ('g', 'd'):
      if cfg.model[f'{net}_norm'] in SPATIAL_NORMS:
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


__all__ = ['ACTIVATIONS', 'D_CALLS', 'D_INPUTS', 'EVERY_STEP', 'G_INPUTS',
           'MODELS', 'NORMS', 'OWN_STEP', 'SPATIAL_NORMS', 'ModelFamily',
           'StateUpdates', 'as_trained', 'check_config', 'check_fits',
           'hyperparameters', 'make_models', 'register_model',
           'ACGANConvDiscriminator', 'ACGANDiscriminator',
           'ConvDiscriminator', 'ConvGenerator', 'MLPDiscriminator',
           'MLPGenerator', 'ResNetDiscriminator', 'ResNetGenerator',
           'load_torch_state_dict', 'state_dict_of']
