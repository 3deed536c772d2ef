"""Population-based training's exploit/explore step, as a pure function.

``exploit_explore`` runs on the device over a whole population (jit it, or
call it inside a jitted loop): the worst ``fraction`` of members copy the
weights, optimiser state and hyperparameters of randomly chosen members of the
best ``fraction`` (exploit), then perturb the copied hyperparameters (explore).
What a perturbation does follows each hyperparameter's declared kind
(:mod:`jaxgan.hparams`): scales (learning rates, weight decays, penalty and
loss-term weights, hinge margin) are multiplied by 0.8 or 1.2; rates (betas,
the EMA decay) have ``1 - value`` multiplied instead, so they stay in [0, 1).
Choices (the loss family) and integers (the seed) are inherited as they are;
each child gets a fresh PRNG stream.

Jaderberg et al. 2017, "Population Based Training of Neural Networks".
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxgan import hparams
from jaxgan.train import GANState
from jaxgan.types import Array, HParams, PRNGKey

# Largest value a rate may reach after a perturbation.
MAX_RATE = 0.9999


class Perturbation(NamedTuple):
  """Which members are replaced and how their copies move (hashable: a
  static argument under jit).

  Attributes:
    fraction: share of members replaced (and share eligible as parents);
      at least one member each way.
    factors: the two multipliers a perturbation picks from.
    perturb: groups of hyperparameter names to perturb, each group by one
      shared factor (``(('b1_g', 'b1_d'), ('lr_d',))``); names must be
      scales or rates (:func:`jaxgan.hparams.perturbable`). None: every one
      of them, each by itself.
  """
  fraction: float = 0.25
  factors: tuple[float, float] = (0.8, 1.2)
  perturb: tuple[tuple[str, ...], ...] | None = None


def exploit_explore(key: PRNGKey, state: GANState, hp: HParams, scores: Array,
                    rule: Perturbation = Perturbation()
                    ) -> tuple[GANState, HParams, Array]:
  """Replaces the worst members by perturbed copies of the best.

  Args:
    key: PRNG key for the choice of parents and perturbations.
    state: population state, leading axis = members.
    hp: population hyperparameters, leading axis = members.
    scores: one score per member, lower is better; NaN counts as worst
      (give diverged members ``inf``).
    rule: the share replaced and the perturbation.

  Returns:
    ``(state, hp, parents)``: ``parents[i]`` is the member that member ``i``
    copied, or ``i`` itself when it was kept.
  """
  size = scores.shape[0]
  n = max(1, int(size * rule.fraction))
  order = jnp.argsort(jnp.where(jnp.isnan(scores), jnp.inf, scores))
  top, bottom = order[:n], order[size - n:]
  k_parent, k_factor, k_stream = jax.random.split(key, 3)
  chosen = top[jax.random.randint(k_parent, (n,), 0, n)]
  parents = jnp.arange(size).at[bottom].set(chosen)
  replaced = parents != jnp.arange(size)

  state = jax.tree.map(lambda x: x[parents], state)
  state = state.replace(key=jnp.where(
      replaced, jax.random.split(k_stream, size), state.key))
  hp = {k: v[parents] for k, v in hp.items()}

  perturbable = hparams.perturbable()
  groups = ([(n,) for n in perturbable] if rule.perturb is None
            else [tuple(g) for g in rule.perturb])
  unknown = sorted({n for g in groups for n in g} - set(perturbable))
  if unknown:
    raise ValueError(f'cannot perturb {unknown}; PBT perturbs '
                     f'{list(perturbable)}')
  picks = jax.random.bernoulli(k_factor, 0.5, (len(groups), size))
  for group, pick in zip(groups, picks):
    for name in group:
      factor = jnp.where(pick, rule.factors[1],
                         rule.factors[0]).astype(hp[name].dtype)
      if hparams.is_scale(name):
        new = hp[name] * factor
      else:
        new = jnp.clip(1.0 - (1.0 - hp[name]) * factor, 0.0, MAX_RATE)
      hp[name] = jnp.where(replaced, new, hp[name])
  return state, hp, parents
