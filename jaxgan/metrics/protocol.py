"""Image metrics as papers report them: FID, IS, KID and precision/recall
in the FID Inception network's space, and perceptual path length.

The search measures every member in a cheap feature space on a few hundred
samples; a paper's numbers mean something else: 50,000 generated samples
against statistics of the full training split in the TensorFlow 2015-12-05
Inception network (Heusel et al. 2017; Salimans et al. 2016; Bińkowski et
al. 2018). This module computes those, on the host, from features:

* :func:`frechet_distance`: the Fréchet distance in float64 (checked
  against pytorch-fid's ``scipy.linalg.sqrtm`` formula).
* :func:`inception_score`: the mean and standard deviation over 10
  consecutive splits of ``exp E KL(p(y|x) || p(y))``, from the ``fc`` layer's
  logits *without* its bias, as the original code (``softmax/logits/MatMul``)
  and torch-fidelity compute them.
* KID: :func:`jaxgan.metrics.images.kid` with 100 subsets of 1,000 (or of
  ``n`` when fewer), the reference's defaults.
* Precision/recall (Kynkäänniemi et al. 2019) with k = 3, here on Inception
  pool features (the paper used VGG16's), in row blocks so n = 50,000 fits.
* :func:`perceptual_path_length` (Karras et al. 2019): ε = 1e-4, latents
  interpolated by slerp, distances in a named feature space (the paper's
  LPIPS is not available offline, so the space is part of the metric's name).
* :func:`reference_statistics`: ``mu`` and ``sigma`` of a split's features
  in float64, cached as an ``.npz`` in pytorch-fid's layout (plus the
  features, for KID and precision/recall).
"""

import os
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.metrics import apply_in_batches, images
from jaxgan.types import Array, PRNGKey

PAPER_SAMPLES = 50_000
PPL_SAMPLES = 100_000
PPL_EPSILON = 1e-4
IS_SPLITS = 10
KID_SUBSET, KID_SUBSETS = 1000, 100
# Rows of a distance matrix held at once by precision/recall.
PR_BLOCK = 1000


class Reference(NamedTuple):
  """Statistics of the real images the generated ones are compared with.

  Attributes:
    mu, sigma: mean and covariance of their features (float64).
    features: the features themselves (float32), or None when only the
      statistics are known (then KID and precision/recall are not measured).
    description: what they are, stored with every number.
  """
  mu: np.ndarray
  sigma: np.ndarray
  features: np.ndarray | None
  description: str


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
  """FID between two Gaussians in float64.

  ``tr((S1 S2)^1/2)`` is the sum of the square roots of the eigenvalues of
  ``S1^1/2 S2 S1^1/2`` (similar to ``S1 S2``): two symmetric
  eigendecompositions, the formula of :func:`jaxgan.metrics.images.
  frechet_distance` in double precision. It agrees with pytorch-fid's
  ``scipy.linalg.sqrtm`` to float64 rounding on well-conditioned
  covariances, and stays accurate on singular ones (fewer samples than
  dimensions), where ``sqrtm`` warns; at 2,048 dimensions it is about 3x
  faster than ``sqrtm`` (BUILD_NOTES.md).
  """
  mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
  sigma1 = np.asarray(sigma1, np.float64)
  sigma2 = np.asarray(sigma2, np.float64)
  vals, vecs = np.linalg.eigh(sigma1)
  root = (vecs * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T
  inner = root @ sigma2 @ root
  trace_sqrt = np.sum(np.sqrt(np.maximum(
      np.linalg.eigvalsh((inner + inner.T) / 2), 0.0)))
  return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2)
               - 2.0 * trace_sqrt)


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """Mean and covariance (``np.cov``, unbiased) in float64."""
  features = np.asarray(features, np.float64)
  return features.mean(axis=0), np.cov(features, rowvar=False)


def inception_score(logits: np.ndarray, splits: int = IS_SPLITS
                    ) -> tuple[float, float]:
  """Mean and standard deviation of the Inception Score over ``splits``
  consecutive parts of ``logits`` (``(n, classes)``, without the bias)."""
  n = len(logits)
  log_p = jax.nn.log_softmax(jnp.asarray(logits, jnp.float32))
  scores = [float(images.log_prob_score(log_p[i * n // splits:
                                              (i + 1) * n // splits]))
            for i in range(splits)]
  return float(np.mean(scores)), float(np.std(scores))


def kid(fake: np.ndarray, real: np.ndarray) -> tuple[float, float]:
  """KID's mean and standard deviation over :data:`KID_SUBSETS` subsets of
  :data:`KID_SUBSET` (or fewer, when a set is smaller)."""
  subset = min(KID_SUBSET, len(fake), len(real))
  mean, std = jax.jit(images.kid, static_argnums=(3, 4))(
      jax.random.key(images.KID_KEY), fake, real, subset, KID_SUBSETS)
  return float(mean), float(std)


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int
                     ) -> tuple[float, float]:
  """Improved precision and recall, in blocks of :data:`PR_BLOCK` rows."""
  p, r = jax.jit(images.precision_recall, static_argnums=(2, 3))(
      real, fake, k, PR_BLOCK)
  return float(p), float(r)


def reference_statistics(apply: Callable[[Array], tuple[Array, Array]],
                         real: np.ndarray, cache_path: str,
                         description: str, batch: int) -> Reference:
  """The features' statistics of real images, computed once and cached.

  Args:
    apply: the feature network (``images in [-1, 1] -> (features, logits)``).
    real: uint8 NHWC images (a whole split).
    cache_path: an ``.npz`` with ``mu``, ``sigma`` (pytorch-fid's layout) and
      ``features``; read when it exists, written (atomically) otherwise.
    description: what ``real`` is, stored with every number.
    batch: images per call of ``apply``.
  """
  if os.path.exists(cache_path):
    return load_reference(cache_path, description)
  # A thousand images' features at a time reach the host, so that a large
  # split's logits never pile up on the device.
  step = max(1000 // batch, 1) * batch
  features = np.concatenate([
      np.asarray(apply_in_batches(apply, real[i:i + step], batch)[0])
      for i in range(0, len(real), step)])
  mu, sigma = gaussian_stats(features)
  os.makedirs(os.path.dirname(os.path.abspath(cache_path)), exist_ok=True)
  tmp = cache_path + '.tmp.npz'
  np.savez(tmp, mu=mu, sigma=sigma, features=features)
  os.replace(tmp, cache_path)
  return Reference(mu, sigma, features, description)


def load_reference(path: str, description: str | None = None,
                   dim: int | None = None) -> Reference:
  """Statistics from an ``.npz`` with ``mu`` and ``sigma`` (pytorch-fid's
  layout; ``features`` too when present).

  Raises:
    ValueError: naming the file and what is missing or wrong.
  """
  with np.load(path) as f:
    missing = [k for k in ('mu', 'sigma') if k not in f.files]
    if missing:
      raise ValueError(f'reference statistics {path!r} lack {missing}: '
                       "expected pytorch-fid's .npz layout (mu, sigma)")
    mu, sigma = f['mu'].astype(np.float64), f['sigma'].astype(np.float64)
    features = f['features'] if 'features' in f.files else None
  d = dim or mu.shape[0]
  if mu.shape != (d,) or sigma.shape != (d, d):
    raise ValueError(f'reference statistics {path!r}: mu {mu.shape} and '
                     f'sigma {sigma.shape} do not fit {d}-d features')
  if features is not None and (features.ndim != 2 or features.shape[1] != d):
    raise ValueError(f'reference statistics {path!r}: features '
                     f'{features.shape} are not (n, {d})')
  if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
    raise ValueError(f'reference statistics {path!r} are not finite')
  return Reference(mu, sigma, features,
                   description or f'statistics from {path}')


def slerp(a: Array, b: Array, t: Array) -> Array:
  """Spherical interpolation between the directions of ``a`` and ``b``
  (StyleGAN's ``slerp``): unit vectors, ``t`` of shape ``(n, 1)``."""
  unit = lambda v: v / jnp.linalg.norm(v, axis=-1, keepdims=True)
  a, b = unit(a), unit(b)
  d = jnp.clip(jnp.sum(a * b, axis=-1, keepdims=True), -1.0, 1.0)
  p = t * jnp.arccos(d)
  c = unit(b - d * a)
  return unit(a * jnp.cos(p) + c * jnp.sin(p))


def path_distances(key: PRNGKey, decode: Callable[[Array], Array],
                   features: Callable[[Array], Array], latent_dim: int,
                   n: int, epsilon: float = PPL_EPSILON) -> Array:
  """``n`` draws of ``d(G(slerp(z0, z1; t)), G(slerp(z0, z1; t + ε))) / ε²``.

  Latents are drawn from N(0, I) and interpolated on the sphere of radius
  ``sqrt(latent_dim)``, where a Gaussian latent's length concentrates (and
  where StyleGAN's normalised z lives); ``d`` is the squared distance of the
  unit-normalised features (LPIPS normalises its features the same way).

  Args:
    key: draws ``z0``, ``z1`` and ``t``.
    decode: ``z (n, latent_dim) -> images``.
    features: ``images -> (n, dim)`` features.
    latent_dim: the generator's latent size.
    n: pairs (static).
    epsilon: the step in ``t``.
  """
  k0, k1, kt = jax.random.split(key, 3)
  z0 = jax.random.normal(k0, (n, latent_dim))
  z1 = jax.random.normal(k1, (n, latent_dim))
  t = jax.random.uniform(kt, (n, 1))
  radius = jnp.sqrt(jnp.float32(latent_dim))
  za, zb = slerp(z0, z1, t) * radius, slerp(z0, z1, t + epsilon) * radius
  fa, fb = features(decode(za)), features(decode(zb))
  unit = lambda f: f / jnp.maximum(jnp.linalg.norm(f, axis=-1, keepdims=True),
                                   1e-12)
  return jnp.sum((unit(fa) - unit(fb)) ** 2, axis=-1) / epsilon ** 2


def perceptual_path_length(distances: np.ndarray) -> float:
  """The mean of path ``distances`` between their 1st and 99th percentiles
  (StyleGAN's filter against outliers)."""
  lo = np.percentile(distances, 1, method='lower')
  hi = np.percentile(distances, 99, method='higher')
  kept = distances[(distances >= lo) & (distances <= hi)]
  return float(np.mean(kept))
