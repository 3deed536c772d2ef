"""Optax chains for G and D whose hyperparameters are arrays.

Each network gets ``inject_hyperparams(chain)`` so its learning rate, β1, β2
and weight decay live in the optimiser state as arrays. The train step writes
the member's current values (from ``hparams``) into that state before every
update, so changing a value, or giving every population member its own,
compiles nothing.

What β1 and β2 mean per optimiser:
  * adam, adamw: Adam's β1 and β2.
  * rmsprop: β1 is the momentum, β2 the decay of the squared-gradient average.
  * sgd: β1 is the momentum; β2 is unused.
Weight decay is decoupled and only adamw uses it.

A new optimiser is ``register_optimizer(name, factory)`` with
``factory(learning_rate, b1, b2, weight_decay) -> GradientTransformation``
(every argument may be an array: ``inject_hyperparams`` feeds them). A
learning-rate schedule (``optim.schedule``: ``constant``, ``cosine``,
``linear``) scales both learning rates by ``schedule(step,
train.num_steps)``; add one with ``register_schedule``.

Example:
  >>> tx = make_optimizer('adam', clip_norm=0.0)
  >>> state = set_hyperparams(tx.init(params), Hyperparams.of_g(hp))
"""

import math
import numbers
from typing import Callable, NamedTuple

import jax.numpy as jnp
import numpy as np
import optax

from jaxgan import registry
from jaxgan.types import Array


def _adam(learning_rate, b1, b2, weight_decay):
  del weight_decay
  return optax.adam(learning_rate, b1=b1, b2=b2)


def _adamw(learning_rate, b1, b2, weight_decay):
  return optax.adamw(learning_rate, b1=b1, b2=b2, weight_decay=weight_decay)


def _rmsprop(learning_rate, b1, b2, weight_decay):
  del weight_decay
  return optax.rmsprop(learning_rate, decay=b2, momentum=b1)


def _sgd(learning_rate, b1, b2, weight_decay):
  del b2, weight_decay
  return optax.sgd(learning_rate, momentum=b1)


OPTIMIZERS = registry.Registry(
    'optimiser', 'optim.g', {'adam': _adam, 'adamw': _adamw,
                             'rmsprop': _rmsprop, 'sgd': _sgd})
register_optimizer = OPTIMIZERS.register
# Built-in optimisers that ignore the weight decay hyperparameter.
IGNORE_WEIGHT_DECAY = ('adam', 'rmsprop', 'sgd')


def _constant(step: Array, num_steps: int) -> Array:
  """The learning rate as it is."""
  del num_steps
  return jnp.ones_like(step, jnp.float32)


def _cosine(step: Array, num_steps: int) -> Array:
  """Cosine decay to 0 at ``train.num_steps`` (Loshchilov & Hutter 2017)."""
  t = jnp.clip(step / num_steps, 0.0, 1.0)
  return 0.5 * (1.0 + jnp.cos(jnp.pi * t))


def _linear(step: Array, num_steps: int) -> Array:
  """Linear decay to 0 at ``train.num_steps`` (BigGAN-style annealing)."""
  return jnp.clip(1.0 - step / num_steps, 0.0, 1.0)


# optim.schedule -> (step, num_steps) -> the factor both networks' learning
# rates are multiplied by at G step ``step`` (an optax schedule of one
# argument fits as lambda step, n: schedule(step)).
SCHEDULES = registry.Registry('learning-rate schedule', 'optim.schedule', {
    'constant': _constant, 'cosine': _cosine, 'linear': _linear},
    registry.callable_check('(step, num_steps) -> factor'))
register_schedule = SCHEDULES.register


def make_schedule(name: str, num_steps: int
                  ) -> Callable[[Array], Array] | None:
  """``step -> factor`` of the schedule ``name`` (:data:`SCHEDULES`) over
  ``num_steps`` G steps; None for ``'constant'``."""
  if name == 'constant':
    return None
  fn = SCHEDULES.lookup(name)
  return lambda step: fn(step, num_steps)


class Hyperparams(NamedTuple):
  """One network's optimiser hyperparameters for one member (arrays):
  learning rate, β1, β2 and weight decay."""
  lr: Array
  b1: Array
  b2: Array
  wd: Array

  @classmethod
  def of_g(cls, hp) -> 'Hyperparams':
    """G's, from a member's hyperparameters ``hp``."""
    return cls(hp['lr_g'], hp['b1_g'], hp['b2_g'], hp['wd_g'])

  @classmethod
  def of_d(cls, hp) -> 'Hyperparams':
    """D's, from a member's hyperparameters ``hp``."""
    return cls(hp['lr_d'], hp['b1_d'], hp['b2_d'], hp['wd_d'])

  def at(self, schedule: Callable[[Array], Array] | None,
         step: Array) -> 'Hyperparams':
    """These, the learning rate times ``schedule(step)`` (as they are
    without a schedule)."""
    if schedule is None:
      return self
    return self._replace(lr=self.lr * schedule(step))


def make_optimizer(name: str, clip_norm: float) -> optax.GradientTransformation:
  """The optimiser ``name`` with injectable hyperparameters.

  Args:
    name: one of :data:`OPTIMIZERS`.
    clip_norm: clip gradients to this global norm first; 0 turns it off.

  Returns:
    A transformation whose state carries ``hyperparams`` with keys
    ``learning_rate``, ``b1``, ``b2`` and ``weight_decay``.
  """
  factory = OPTIMIZERS[name]

  def chain(learning_rate, b1, b2, weight_decay):
    tx = factory(learning_rate, b1, b2, weight_decay)
    if clip_norm > 0:
      return optax.chain(optax.clip_by_global_norm(clip_norm), tx)
    return tx

  return optax.inject_hyperparams(chain)(
      learning_rate=0.0, b1=0.0, b2=0.0, weight_decay=0.0)


def set_hyperparams(opt_state: optax.InjectHyperparamsState,
                    opt_hp: Hyperparams):
  """Returns ``opt_state`` with its hyperparameters replaced by
  ``opt_hp``'s."""
  return opt_state._replace(hyperparams=dict(
      learning_rate=opt_hp.lr, b1=opt_hp.b1, b2=opt_hp.b2,
      weight_decay=opt_hp.wd))



def check_config(cfg) -> None:
  """Checks ``cfg.optim``: the optimisers, the schedule and the clipping.

  Raises:
    ValueError: naming the field and its value.
  """
  for net in ('g', 'd'):
    OPTIMIZERS.lookup(cfg.optim[net], f'optim.{net}')
  SCHEDULES.lookup(cfg.optim.schedule)
  clip = cfg.optim.clip_norm
  if not (isinstance(clip, numbers.Real) and math.isfinite(clip) and clip >= 0):
    raise ValueError(f'optim.clip_norm={clip!r} must be >= 0 (0 turns it off)')


def check_weight_decay(hp, cfg) -> None:
  """Refuses a weight decay (scalars or per-member arrays in ``hp``) that
  ``cfg``'s optimiser of that network ignores.

  Raises:
    ValueError: naming ``hparams.wd_g`` or ``hparams.wd_d`` and a value.
  """
  for net, opt_hp in (('g', Hyperparams.of_g(hp)), ('d', Hyperparams.of_d(hp))):
    wd = np.asarray(opt_hp.wd, np.float64)
    name = cfg.optim[net]
    if name in IGNORE_WEIGHT_DECAY and np.any(wd != 0):
      raise ValueError(
          f'hparams.wd_{net}={wd.flat[np.argmax(wd != 0)].item()!r} has no '
          f'effect with optim.{net}={name!r}; use adamw or an optimiser '
          'that reads it')
