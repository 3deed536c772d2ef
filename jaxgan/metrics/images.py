"""Image quality and diversity in the feature space of a feature network.

Every function here takes features (or logits) of one member's samples and of
real images and is jittable; vmap it over population members.

* **FID** (Heusel et al. 2017): the Fréchet distance between Gaussians fitted
  to the two feature sets, ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^1/2)``.
  The trace of the matrix square root is the sum of the square roots of the
  eigenvalues of ``S_a^1/2 S_b S_a^1/2`` (similar to ``S_a S_b``), so two
  symmetric eigendecompositions compute it, with no ``sqrtm``.
* **KID** (Bińkowski et al. 2018): the unbiased estimator of MMD^2 with the
  cubic polynomial kernel ``k(x, y) = (x.y / d + 1)^3``, averaged over random
  subsets; its standard deviation over the subsets comes with it.
* **Precision and recall** (Kynkäänniemi et al. 2019): each set's manifold is
  the union of balls around its points reaching their k-th nearest neighbour;
  precision is the fraction of generated points inside the real manifold,
  recall the fraction of real points inside the generated one.
* **Class statistics** from the feature network's classifier: the number of
  classes covered, KL of the predicted-class histogram against the real one,
  and an Inception-Score analogue ``exp(E_x KL(p(y|x) || p(y)))``.

:func:`measure` gives them all, :data:`DIRECTIONS` the way each is better.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxgan.types import Array, Metrics, PRNGKey

# Every output of measure and the way it is better (kid_std describes KID's
# spread over subsets, so it has none).
DIRECTIONS = {'fid': 'min', 'kid': 'min', 'kid_std': None,
              'precision': 'max', 'recall': 'max', 'classes': 'max',
              'class_kl': 'min', 'inception_score': 'max'}
# KID's subsets are drawn from this fixed key: every member is measured on
# the same ones.
KID_KEY = 0x41D

# A class is covered when it receives at least this fraction of its share
# under a uniform histogram (a tenth of 1/num_classes).
COVERAGE_FRACTION = 0.1


def gaussian_stats(features: Array) -> tuple[Array, Array]:
  """Mean and (unbiased) covariance of ``features``, shape ``(n, d)``."""
  mu = jnp.mean(features, axis=0)
  centred = features - mu
  return mu, centred.T @ centred / (features.shape[0] - 1)


def frechet_distance(mu_a: Array, cov_a: Array, mu_b: Array, cov_b: Array
                     ) -> Array:
  """The Fréchet distance between N(mu_a, cov_a) and N(mu_b, cov_b).

  Example:
    >>> frechet_distance(jnp.zeros(2), jnp.eye(2), jnp.ones(2), jnp.eye(2))
    Array(2., dtype=float32)
  """
  vals, vecs = jnp.linalg.eigh(cov_a)
  root_a = (vecs * jnp.sqrt(jnp.maximum(vals, 0.0))) @ vecs.T
  inner = root_a @ cov_b @ root_a
  trace_sqrt = jnp.sum(jnp.sqrt(jnp.maximum(
      jnp.linalg.eigvalsh((inner + inner.T) / 2), 0.0)))
  return (jnp.sum((mu_a - mu_b) ** 2) + jnp.trace(cov_a) + jnp.trace(cov_b)
          - 2.0 * trace_sqrt)


def fid(features_a: Array, features_b: Array) -> Array:
  """FID between two feature sets of shape ``(n, d)`` and ``(m, d)``."""
  return frechet_distance(*gaussian_stats(features_a),
                          *gaussian_stats(features_b))


def _unbiased_mmd2(x: Array, y: Array) -> Array:
  m, d = x.shape
  kernel = lambda a, b: (a @ b.T / d + 1.0) ** 3
  k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
  off_diagonal = lambda k: (jnp.sum(k) - jnp.trace(k)) / (m * (m - 1))
  return off_diagonal(k_xx) + off_diagonal(k_yy) - 2.0 * jnp.mean(k_xy)


def kid(key: PRNGKey, features_a: Array, features_b: Array, subset_size: int,
        num_subsets: int) -> tuple[Array, Array]:
  """KID: mean and standard deviation over ``num_subsets`` random subsets.

  Args:
    key: draws the subsets (without replacement within a subset).
    features_a, features_b: feature sets with at least ``subset_size`` rows.
    subset_size: rows per subset (static).
    num_subsets: number of subsets (static).

  Returns:
    ``(mean, std)`` of the unbiased MMD^2 estimates.
  """
  features_a, features_b = jnp.asarray(features_a), jnp.asarray(features_b)
  def one(k):
    k_a, k_b = jax.random.split(k)
    pick = lambda kk, f: f[jax.random.permutation(kk, f.shape[0])[:subset_size]]
    return _unbiased_mmd2(pick(k_a, features_a), pick(k_b, features_b))

  estimates = jax.lax.map(one, jax.random.split(key, num_subsets))
  return jnp.mean(estimates), jnp.std(estimates)


def sq_distances(a: Array, b: Array) -> Array:
  """Squared Euclidean distances between the rows of ``a`` and ``b``."""
  sq = (jnp.sum(a ** 2, 1)[:, None] + jnp.sum(b ** 2, 1)[None, :]
        - 2.0 * a @ b.T)
  return jnp.maximum(sq, 0.0)


def _by_rows(fn, x: Array, block: int | None) -> Array:
  """``fn`` over row blocks of ``x`` (the last one padded), concatenated;
  all rows at once when ``block`` is None."""
  n = x.shape[0]
  if block is None or block >= n:
    return fn(x)
  padded = jnp.concatenate([x, jnp.zeros((-n % block,) + x.shape[1:],
                                         x.dtype)])
  out = jax.lax.map(fn, padded.reshape((-1, block) + x.shape[1:]))
  return out.reshape((-1,) + out.shape[2:])[:n]


def _coverage(points: Array, centres: Array, k: int,
              block: int | None = None) -> Array:
  """Fraction of ``points`` inside some ball around ``centres`` whose radius
  reaches the centre's k-th nearest other centre."""
  # The k+1-th smallest distance of a centre to the centres skips itself.
  radii = _by_rows(
      lambda c: -jax.lax.top_k(-sq_distances(c, centres), k + 1)[0][:, k],
      centres, block)
  inside = _by_rows(
      lambda p: jnp.any(sq_distances(p, centres) <= radii[None, :], axis=1),
      points, block)
  return jnp.mean(inside.astype(points.dtype))


def precision_recall(real: Array, fake: Array, k: int,
                     block: int | None = None) -> tuple[Array, Array]:
  """Improved precision and recall with ``k``-nearest-neighbour manifolds.

  Args:
    real, fake: feature sets, shape ``(n, d)``.
    k: the neighbour that sets each ball's radius (static; 3 in the paper).
    block: rows of a distance matrix held at once (static); None holds the
      whole ``n x n`` matrix, a block of 1,000 lets n = 50,000 fit in memory.

  Returns:
    ``(precision, recall)``, fractions in [0, 1].
  """
  return (_coverage(fake, real, k, block), _coverage(real, fake, k, block))


def log_prob_score(log_p: Array) -> Array:
  """``exp(E_x KL(p(y|x) || p(y)))`` of log-probabilities ``(n, classes)``:
  the Inception Score of one split."""
  log_marginal = jnp.log(jnp.mean(jnp.exp(log_p), axis=0))
  return jnp.exp(jnp.mean(jnp.sum(jnp.exp(log_p) * (log_p - log_marginal),
                                  axis=1)))


def class_stats(logits: Array, real_histogram: Array) -> dict[str, Array]:
  """Class coverage, class-histogram KL and an Inception-Score analogue.

  Args:
    logits: classifier logits of generated samples, ``(n, num_classes)``.
    real_histogram: the predicted-class frequencies of real images.

  Returns:
    ``classes`` (classes with at least :data:`COVERAGE_FRACTION` of a uniform
    share of the predictions), ``class_kl`` (KL of the generated histogram
    from ``real_histogram``, nats) and ``inception_score``.
  """
  num_classes = logits.shape[1]
  predicted = jax.nn.one_hot(jnp.argmax(logits, 1), num_classes)
  histogram = jnp.mean(predicted, axis=0)
  classes = jnp.sum(histogram >= COVERAGE_FRACTION / num_classes)
  class_kl = jnp.sum(jnp.where(
      histogram > 0,
      histogram * jnp.log(histogram / jnp.maximum(real_histogram, 1e-6)
                   + (histogram == 0)), 0.0))
  return dict(classes=classes.astype(logits.dtype), class_kl=class_kl,
              inception_score=log_prob_score(jax.nn.log_softmax(logits)))


class Reference(NamedTuple):
  """The real images samples are measured against, in feature space.

  Attributes:
    features: ``n`` real images' features, as many as the samples measured.
    mu, cov: the Gaussian fitted to the whole reference split (FID).
    histogram: the classifier's predicted-class frequencies of the real
      images; None when the feature network has no classifier.
  """
  features: Array
  mu: Array
  cov: Array
  histogram: Array | None


def measure(features: Array, logits: Array, reference: Reference,
            nearest_k: int, kid_subset: int, kid_subsets: int) -> Metrics:
  """Every metric of :data:`DIRECTIONS` of one member's sample features
  (and logits; the class statistics only with ``reference.histogram``).

  Args:
    features, logits: the samples' features and classifier logits.
    reference: what they are compared with.
    nearest_k: precision and recall's k.
    kid_subset, kid_subsets: KID's subset size (at most the sample count)
      and number of subsets.
  """
  kid_mean, kid_std = kid(jax.random.key(KID_KEY), features,
                          reference.features,
                          min(kid_subset, features.shape[0]), kid_subsets)
  precision, recall = precision_recall(reference.features, features,
                                       nearest_k)
  out = dict(fid=frechet_distance(*gaussian_stats(features), reference.mu,
                                  reference.cov),
             kid=kid_mean, kid_std=kid_std, precision=precision,
             recall=recall)
  if reference.histogram is not None:
    out.update(class_stats(logits, reference.histogram))
  return out
