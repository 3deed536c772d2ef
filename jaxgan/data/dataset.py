"""The record every dataset is (:class:`Dataset`) and the pieces the
sources share: sampling rows of arrays inside jit, an image set from its
splits, and what generated points are drawn against."""

import functools
from typing import Callable, NamedTuple, Optional

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.types import Array, PRNGKey


class Split(NamedTuple):
  """Real examples of one split: uint8 NHWC pixels (images) or float32
  points, and int32 labels (None when the data has none)."""
  x: np.ndarray
  labels: np.ndarray | None


class Dataset(NamedTuple):
  """A dataset that can be sampled inside jit.

  Attributes:
    name: registry name.
    kind: ``'points'`` (vectors) or ``'images'`` (NHWC in [-1, 1]).
    shape: shape of one example.
    sample: ``(key, batch_size) -> array of shape (batch_size, *shape)``.
    modes: mixture means, shape ``(num_modes, 2)``; None for other data.
    std: standard deviation of every mixture component; None for other data.
    train, test: real examples of the training and held-out splits (None
      for the mixtures, whose distribution is known): the feature network
      learns from ``train``, and ``test`` sets the metrics' floor.
    num_classes: number of label values (0 without labels; the mixtures'
      labels are their modes).
    sample_labelled: ``(key, batch_size) -> (examples, int32 labels)``,
      the examples ``sample`` draws with that key; None without labels.
  """
  name: str
  kind: str
  shape: tuple[int, ...]
  sample: Callable[[PRNGKey, int], Array]
  modes: Optional[np.ndarray] = None
  std: Optional[float] = None
  train: Optional[Split] = None
  test: Optional[Split] = None
  num_classes: int = 0
  sample_labelled: Optional[Callable[[PRNGKey, int], tuple[Array, Array]]] = (
      None)


def unlabelled(sample_labelled: Callable) -> Callable:
  return lambda key, batch_size: sample_labelled(key, batch_size)[0]


def sample_rows(key: PRNGKey, batch_size: int, x: Array, labels: Array
                 ) -> tuple[Array, Array]:
  idx = jax.random.randint(key, (batch_size,), 0, x.shape[0])
  return x[idx], labels[idx]


def sample_images(key: PRNGKey, batch_size: int, x: Array, labels: Array
                   ) -> tuple[Array, Array]:
  pixels, y = sample_rows(key, batch_size, x, labels)
  return to_unit(pixels), y


def from_splits(name: str, kind: str, train: Split, test: Split,
                 num_classes: int, sample: Callable) -> Dataset:
  """A dataset whose training split is held on device and gathered from
  inside jit by ``sample(key, batch_size, x, labels)``."""
  labels = (np.zeros(len(train.x), np.int32) if train.labels is None
            else train.labels)
  labelled = functools.partial(sample, x=jnp.asarray(train.x),
                               labels=jnp.asarray(labels))
  return Dataset(name, kind, tuple(train.x.shape[1:]), unlabelled(labelled),
                 train=train, test=test, num_classes=num_classes,
                 sample_labelled=labelled if num_classes else None)


def images(name: str, train: Split, test: Split, num_classes: int) -> Dataset:
  """An image set whose training split is held on device as uint8; batches
  are gathered and scaled to [-1, 1] inside jit.

  Args:
    name: registry name.
    train: the split the GAN (and the feature network) learns from.
    test: the held-out split that sets the metrics' floor.
    num_classes: number of label values.
  """
  return from_splits(name, 'images', train, test, num_classes,
                      sample_images)


# Held-out points drawn beside a user's generated points.
LANDMARKS = 300


def landmarks(dataset: Dataset) -> tuple[np.ndarray, str] | None:
  """What generated points are drawn against: the mixture's modes, or up
  to :data:`LANDMARKS` held-out points, with a label; None for images."""
  if dataset.kind != 'points':
    return None
  if dataset.modes is not None:
    return dataset.modes, 'modes'
  return dataset.test.x[:LANDMARKS], 'held-out data'


def to_unit(x):
  """uint8 pixels (numpy or jax) to float32 in [-1, 1], the range G
  produces."""
  return x.astype(np.float32) / 127.5 - 1.0
