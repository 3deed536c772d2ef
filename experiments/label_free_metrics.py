"""How the default metrics for data without known modes or labels respond
to blur and to lost coverage.

Points (the spiral of ``experiments/custom``): energy distance, precision
and recall of held-out points as they are, with Gaussian noise, and with
only part of their angle around the origin kept. Images (sklearn's digits,
labels dropped): FID, KID, precision and recall in the autoencoder's
feature space of test images as they are, with noise, blurred, and with
only some digits kept.

  python experiments/label_free_metrics.py [--samples=800]
      [--kinds=points,images]

Prints two Markdown tables (BUILD_NOTES.md, "Bring your own GAN").
"""

import argparse
import os
import tempfile

import jax.numpy as jnp
import numpy as np
from ml_collections import ConfigDict
from scipy import ndimage

from jaxgan import data, metrics
from jaxgan.metrics import autoencoder

SPIRAL = os.path.join(os.path.dirname(__file__), 'custom', 'spiral.npy')
NOISE = (0.02, 0.05, 0.1, 0.2)
KEPT = (0.75, 0.5, 0.25)
PIXEL_NOISE = (0.1, 0.2, 0.4)
BLUR = (0.5, 1.0, 1.5)
DIGITS_KEPT = (6, 3, 1)
IMAGE_NAMES = ('fid', 'kid', 'precision', 'recall')


def points(path: str, samples: int) -> list[tuple[str, dict]]:
  """``[(what was measured, its metrics)]``: the floor, noisy copies of
  training points, then arcs of them."""
  dataset = data.arrays('points', np.load(path))
  evaluator = metrics.point_evaluator(dataset, nearest_k=3,
                                      num_samples=samples)
  train = dataset.train.x
  rng = np.random.default_rng(0)
  rows = [('floor (training points)', evaluator.floor)]
  first = train[:samples]
  for sigma in NOISE:
    noisy = first + sigma * rng.standard_normal(first.shape)
    rows.append((f'noise {sigma:g}', evaluator.measure(
        jnp.asarray(noisy, jnp.float32))))
  angle = np.arctan2(train[:, 1], train[:, 0]) + np.pi
  for kept in KEPT:
    arc = train[angle <= kept * 2 * np.pi]
    rows.append((f'{kept:.0%} of the angle', evaluator.measure(
        jnp.asarray(np.resize(arc, (samples, train.shape[1]))))))
  return [(what, {k: float(v) for k, v in m.items()}) for what, m in rows]


def images(samples: int, cache_dir: str) -> list[tuple[str, dict]]:
  """The same for the digits without their labels, in the autoencoder's
  feature space: the floor, noisy, blurred and class-dropped test
  images."""
  digits = data.digits()
  dataset = data.arrays('digits_unlabelled', digits.train.x,
                        test=digits.test.x)
  net = autoencoder.autoencoder(dataset, cache_dir, None)
  evaluator = metrics.image_evaluator(
      net, dataset, ConfigDict(dict(nearest_k=3, kid_subset=100,
                                    kid_subsets=10)), samples)
  test = data.to_unit(digits.test.x)
  rng = np.random.default_rng(0)
  measure = lambda x: evaluator.measure(jnp.asarray(x, jnp.float32))
  rows = [('floor (test images)', evaluator.floor)]
  for sigma in PIXEL_NOISE:
    rows.append((f'noise {sigma:g}', measure(np.clip(
        test + sigma * rng.standard_normal(test.shape), -1, 1))))
  for radius in BLUR:
    rows.append((f'blur {radius:g} px', measure(ndimage.gaussian_filter(
        test, (0, radius, radius, 0)))))
  for kept in DIGITS_KEPT:
    some = test[digits.test.labels < kept]
    what = f'digits 0-{kept - 1} only' if kept > 1 else 'digit 0 only'
    rows.append((what, measure(np.resize(some, test.shape))))
  return [(what, {k: float(m[k]) for k in IMAGE_NAMES}) for what, m in rows]


def table(rows: list[tuple[str, dict]], names) -> list[str]:
  """Markdown lines of ``rows`` over the metrics ``names``."""
  lines = ['| given | ' + ' | '.join(names) + ' |',
           '|---' * (len(names) + 1) + '|']
  return lines + [f'| {what} | ' + ' | '.join(f'{m[k]:.4g}' for k in names)
                  + ' |' for what, m in rows]


def main(argv=None) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--data', default=SPIRAL)
  parser.add_argument('--samples', type=int, default=800)
  parser.add_argument('--kinds', default='points,images')
  args = parser.parse_args(argv)
  kinds = args.kinds.split(',')
  if 'points' in kinds:
    print('\n'.join(table(points(args.data, args.samples),
                          metrics.points.DIRECTIONS)) + '\n')
  if 'images' in kinds:
    with tempfile.TemporaryDirectory() as cache_dir:
      print('\n'.join(table(images(args.samples, cache_dir), IMAGE_NAMES)))


if __name__ == '__main__':
  main()
