"""A config file whose module runs JAX when it is imported (a constant made
with ``jnp``), as researchers' plug-in modules often do."""

import jax.numpy as jnp

from jaxgan import config

HALF = jnp.float32(0.5)


def get_config():
  return config.get_config()
