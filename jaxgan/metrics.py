"""Sample-quality metrics.

2-D mixtures use the definitions of PacGAN (Lin et al. 2018) and VEEGAN
(Srivastava et al. 2017):

* a sample is *high quality* if it lies within 3 standard deviations of its
  nearest mode;
* a mode is *captured* if it is the nearest mode of at least one
  high-quality sample;
* *reverse KL* is KL(p_gen || uniform) over modes, where p_gen is the
  distribution induced on modes by assigning every sample to its nearest mode.

Every metric is jittable and takes one member's samples; vmap it for many.
"""

import jax.numpy as jnp

from jaxgan.data import Dataset
from jaxgan.types import Array, Metrics


def mixture_metrics(samples: Array, modes: Array, std: float) -> Metrics:
  """Modes captured, high-quality fraction and reverse KL of 2-D samples.

  Args:
    samples: generated points, shape ``(n, dim)``.
    modes: mixture means, shape ``(num_modes, dim)``.
    std: the components' standard deviation.

  Returns:
    ``modes`` (float count of captured modes), ``high_quality`` (fraction in
    [0, 1]) and ``reverse_kl`` (nats, 0 for a uniform mode histogram, at most
    log(num_modes)).

  Example:
    >>> m = mixture_metrics(jnp.array([[0., 0.], [2., 2.]]),
    ...                     jnp.array([[0., 0.], [2., 0.]]), 0.1)
    >>> m['modes'], m['high_quality']      # (1.0, 0.5)
  """
  modes = jnp.asarray(modes, samples.dtype)
  sq_dist = jnp.sum((samples[:, None, :] - modes[None, :, :]) ** 2, axis=-1)
  nearest = jnp.argmin(sq_dist, axis=1)
  high_quality = jnp.min(sq_dist, axis=1) <= (3.0 * std) ** 2
  one_hot = nearest[:, None] == jnp.arange(modes.shape[0])[None, :]
  captured = jnp.any(one_hot & high_quality[:, None], axis=0)
  p = jnp.mean(one_hot.astype(samples.dtype), axis=0)
  reverse_kl = jnp.sum(jnp.where(p > 0, p * jnp.log(p * modes.shape[0]
                                                    + (p == 0)), 0.0))
  return dict(modes=jnp.sum(captured.astype(samples.dtype)),
              high_quality=jnp.mean(high_quality.astype(samples.dtype)),
              reverse_kl=reverse_kl)



def sample_metrics(dataset: Dataset, samples: Array) -> Metrics:
  """The quality metrics that apply to ``dataset`` (2-D mixtures for now)."""
  if dataset.kind == 'points':
    return mixture_metrics(samples, dataset.modes, dataset.std)
  return {}
