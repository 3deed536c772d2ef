"""Type aliases shared across jaxgan.

Kept in one place so that signatures read the same in every module.
"""

from typing import Any, Callable, Mapping

import jax

PRNGKey = jax.Array
Array = jax.Array
PyTree = Any
Params = PyTree
Variables = Mapping[str, PyTree]
# One value per dynamic hyperparameter name (a scalar for one member, a
# leading population axis for many).
HParams = Mapping[str, Array]
Metrics = Mapping[str, Array]
# A discriminator restricted to its input: x -> logits of shape (batch,).
DiscriminatorFn = Callable[[Array], Array]
