"""Sample quality on the 2-D mixtures.

The metrics use the definitions of PacGAN (Lin et al. 2018) and VEEGAN
(Srivastava et al. 2017):

* a sample is *high quality* if it lies within 3 standard deviations of its
  nearest mode;
* a mode is *captured* if it is the nearest mode of at least one
  high-quality sample;
* *reverse KL* is KL(p_gen || uniform) over modes, where p_gen is the
  distribution induced on modes by assigning every sample to its nearest mode.

Reverse KL is blind to sample quality: a generator that smears its samples
evenly between the modes scores as well as one that hits them. jaxgan adds
*partition KL*, the same reverse KL over a partition of the plane that also
has a cell for the low-quality region: KL(p_gen || p_data) over the cells
"within 3 std of mode k" (k = 1..K) and "elsewhere", with p_data the true
mixture's mass in each cell. It is 0 only for a generator that matches both
the mode weights and the sharpness of the data, and it is the default search
objective for the 2-D mixtures.

Every metric is jittable and takes one member's samples; vmap it for many.
"""

import jax.numpy as jnp
from jax.scipy.special import gammainc

from jaxgan.types import Array, Metrics

# Every output of mixture_metrics and the way it is better.
DIRECTIONS = {'modes': 'max', 'high_quality': 'max', 'reverse_kl': 'min',
              'partition_kl': 'min'}


def mixture_metrics(samples: Array, modes: Array, std: float) -> Metrics:
  """Modes captured, high-quality fraction and reverse KL of 2-D samples.

  Args:
    samples: generated points, shape ``(n, dim)``.
    modes: mixture means, shape ``(num_modes, dim)``.
    std: the components' standard deviation.

  Returns:
    ``modes`` (float count of captured modes), ``high_quality`` (fraction in
    [0, 1]), ``reverse_kl`` (nats, 0 for a uniform mode histogram, at most
    log(num_modes)) and ``partition_kl`` (nats; see the module docstring).

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
  # Cells: the 3-std disk of each mode, then everything else. A component's
  # mass within 3 std is the chi-square CDF with ``dim`` degrees of freedom.
  num_modes, dim = modes.shape
  inside = gammainc(dim / 2.0, 4.5).astype(samples.dtype)
  cell = jnp.where(high_quality, nearest, num_modes)
  p_gen = jnp.mean((cell[:, None] == jnp.arange(num_modes + 1)[None, :])
                   .astype(samples.dtype), axis=0)
  p_data = jnp.append(jnp.full((num_modes,), inside / num_modes), 1 - inside)
  partition_kl = jnp.sum(jnp.where(
      p_gen > 0, p_gen * jnp.log(p_gen / p_data + (p_gen == 0)), 0.0))
  return dict(modes=jnp.sum(captured.astype(samples.dtype)),
              high_quality=jnp.mean(high_quality.astype(samples.dtype)),
              reverse_kl=reverse_kl, partition_kl=partition_kl)

