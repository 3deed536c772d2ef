"""Metrics of generators told what to make: a class label (conditional
GANs) or a categorical code (InfoGAN).

Every function takes one member's samples (as features, classifier
predictions or nearest modes) with the labels or codes they were generated
with, and is jittable.

* **Classification accuracy**: the fraction of samples the feature
  network's classifier (or, for the 2-D mixtures, the nearest mode within 3
  standard deviations) puts in the class they were asked for.
* **Per-class recall** (Kynkäänniemi et al. 2019, within each class): the
  fraction of a class's real examples inside the k-nearest-neighbour
  manifold of the samples asked for that class, averaged over classes; a
  generator that makes one good example per class scores low.
* **Intra-class FID** (Miyato & Koyama 2018): FID between the samples asked
  for a class and that class's real images, averaged over classes. About 50
  samples per class make small-sample covariances, so compare it with its
  floor (held-out real images measured the same way), class by class.
* **Code alignment**: normalised mutual information between a categorical
  code and the class its samples are predicted to be (arithmetic
  normalisation, as ``sklearn.metrics.normalized_mutual_info_score``): 1
  when the code decides the class one-to-one, 0 when they are independent.
"""

import jax
import jax.numpy as jnp

from jaxgan.metrics import images
from jaxgan.types import Array

# Every metric here and the way it is better.
DIRECTIONS = {'class_accuracy': 'max', 'class_recall': 'max',
              'intra_fid': 'min', 'code_nmi': 'max'}


def class_accuracy(predicted: Array, asked: Array) -> Array:
  """Fraction of samples predicted to be the class they were asked for."""
  return jnp.mean((predicted == asked).astype(jnp.float32))


def per_class_recall(real: Array, real_labels: Array, fake: Array,
                     fake_labels: Array, k: int, num_classes: int) -> Array:
  """Recall of every class, shape ``(num_classes,)``: the fraction of its
  real features within ``k``-NN balls of the fakes asked for it (a class
  with no fakes or no real examples scores 0)."""
  same = fake_labels[:, None] == fake_labels[None, :]
  d_ff = jnp.where(same, images.sq_distances(fake, fake), jnp.inf)
  radii = -jax.lax.top_k(-d_ff, k + 1)[0][:, k]
  radii = jnp.where(jnp.isfinite(radii), radii, 0.0)
  match = real_labels[:, None] == fake_labels[None, :]
  inside = jnp.any(match & (images.sq_distances(real, fake)
                            <= radii[None, :]), axis=1)
  classes = jnp.arange(num_classes)
  of_class = real_labels[None, :] == classes[:, None]
  count = jnp.sum(of_class, axis=1)
  return jnp.sum(of_class & inside[None, :], axis=1) / jnp.maximum(count, 1)


def _class_stats(features: Array, labels: Array, c: Array
                 ) -> tuple[Array, Array]:
  mask = (labels == c).astype(features.dtype)[:, None]
  n = jnp.sum(mask)
  mu = jnp.sum(mask * features, axis=0) / jnp.maximum(n, 1.0)
  centred = mask * (features - mu)
  return mu, centred.T @ centred / jnp.maximum(n - 1.0, 1.0)


def per_class_fid(real: Array, real_labels: Array, fake: Array,
                  fake_labels: Array, num_classes: int) -> Array:
  """FID of every class, shape ``(num_classes,)``, between the fakes asked
  for it and its real features (classes one after another: batched
  eigendecompositions are avoided on CPU)."""
  def one(c):
    return images.frechet_distance(*_class_stats(fake, fake_labels, c),
                                   *_class_stats(real, real_labels, c))
  return jax.lax.map(one, jnp.arange(num_classes))


def nmi(a: Array, b: Array, num_a: int, num_b: int) -> Array:
  """Normalised mutual information of two label arrays with ``num_a`` and
  ``num_b`` values: ``I(a; b) / mean(H(a), H(b))`` (0 when either is
  constant)."""
  joint = jnp.mean(jax.nn.one_hot(a, num_a)[:, :, None]
                   * jax.nn.one_hot(b, num_b)[:, None, :], axis=0)
  p_a, p_b = jnp.sum(joint, 1), jnp.sum(joint, 0)
  xlogx = lambda p: jnp.where(p > 0, p * jnp.log(jnp.where(p > 0, p, 1.0)),
                              0.0)
  h_a, h_b = -jnp.sum(xlogx(p_a)), -jnp.sum(xlogx(p_b))
  outer = p_a[:, None] * p_b[None, :]
  mi = jnp.sum(jnp.where(joint > 0, joint * jnp.log(
      jnp.where(joint > 0, joint, 1.0) / jnp.where(outer > 0, outer, 1.0)),
                         0.0))
  mean_h = 0.5 * (h_a + h_b)
  return jnp.where(mean_h > 0, mi / jnp.where(mean_h > 0, mean_h, 1.0), 0.0)
