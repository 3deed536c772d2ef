"""Sample quality for points without known modes (a user's own data).

Measured against held-out real points, with no mixture to refer to:

* *energy distance* (Székely & Rizzo 2013), ``2 E|X - Y| - E|X - X'| -
  E|Y - Y'|``: zero exactly when the two distributions are equal, sensitive
  to both location and spread, with no kernel bandwidth to choose. It is
  the default objective for such data. jaxgan takes the means over all
  pairs (the V-statistic, as ``scipy.stats.energy_distance`` does), which is
  never negative, so a search can model its log; its bias, about
  ``(E|X - X'| + E|Y - Y'|) / n``, is what the floor shows;
* improved *precision* and *recall* (Kynkäänniemi et al. 2019) on the raw
  coordinates: the share of generated points inside the real points'
  k-nearest-neighbour balls, and the reverse.

Example:
  >>> m = point_metrics(samples, held_out, nearest_k=3)
  >>> m['energy_distance'], m['precision'], m['recall']
"""

import jax.numpy as jnp

from jaxgan.metrics import images
from jaxgan.types import Array, Metrics

# Every output of point_metrics and the way it is better.
DIRECTIONS = {'energy_distance': 'min', 'precision': 'max', 'recall': 'max'}


def _mean_distance(a: Array, b: Array) -> Array:
  return jnp.mean(jnp.sqrt(images.sq_distances(a, b)))


def energy_distance(x: Array, y: Array) -> Array:
  """The energy distance between samples ``x`` ``(n, d)`` and ``y``
  ``(m, d)``, every mean over all pairs (>= 0).

  Example:
    >>> float(energy_distance(jnp.array([[0.], [1.]]), jnp.array([[0.], [1.]])))
    0.0
  """
  return jnp.maximum(2 * _mean_distance(x, y) - _mean_distance(x, x)
                     - _mean_distance(y, y), 0.0)


def point_metrics(samples: Array, reference: Array, nearest_k: int
                  ) -> Metrics:
  """Energy distance, precision and recall of ``samples`` against the
  held-out ``reference`` (both ``(n, d)``)."""
  samples = samples.reshape(samples.shape[0], -1)
  reference = reference.reshape(reference.shape[0], -1)
  precision, recall = images.precision_recall(reference, samples, nearest_k)
  return dict(energy_distance=energy_distance(samples, reference),
              precision=precision, recall=recall)
