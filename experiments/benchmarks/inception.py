"""The FID Inception network: agreement with pytorch-fid and images per
second.

With the stand-in weights of ``tests/metrics/fixtures`` (drawn from a fixed
seed, with the batch-norm statistics pytorch-fid's own modules calibrated),
it compares jaxgan's pool features and logits with the outputs pytorch-fid
computed for the same weights and inputs (``inception_reference.npz``), at
299x299 and at 16x16 through the resize, and the three resize protocols
with the reference resizers. Then it times the network under jit (resize
and scaling included) at several batch sizes, medians of repeats, on
whatever device JAX has: the numbers behind ``inception.batch_size`` and the
cost of ``jaxgan evaluate``.

  python experiments/benchmarks/inception.py --json results.json
  python experiments/benchmarks/inception.py --smoke     # a smoke run
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.metrics import inception, resize, weight_files

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'tests',
                        'metrics', 'fixtures')
sys.path.insert(0, FIXTURES)
import random_inception  # noqa: E402

# Rows and columns of the 299x299 resizes kept in the fixtures.
KEPT = np.r_[0:10, 145:155, 289:299]


def stand_in_params() -> dict:
  """The stand-in weights, through an .npz of the state dict (so the loader
  is part of what is compared)."""
  reference = os.path.join(FIXTURES, 'inception_reference.npz')
  tensors = random_inception.calibrated_state_dict(
      weight_files.state_dict_shapes(inception.param_shapes()), reference)
  with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, 'stand_in.npz')
    np.savez(path, **tensors)
    return inception.load_params(path)


def agreement(params: dict) -> dict:
  """Max |jaxgan - reference| / max |reference| of the pool features and
  logits, and max absolute error of each resize."""
  ref = np.load(os.path.join(FIXTURES, 'inception_reference.npz'))
  images = random_inception.images()
  sizes = ('large', 'small')
  x = jnp.concatenate([resize.preprocess(images[s], 'pytorch') for s in sizes])
  pool, logits = jax.jit(inception.FIDInceptionV3().apply)({'params': params},
                                                           x)
  out = {}
  for i, size in enumerate(sizes):
    for name, got in (('pool', pool), ('logits', logits)):
      want = ref[f'{name}_{size}']
      part = got[i * len(want):(i + 1) * len(want)]
      out[f'{name}_{size}'] = float(np.max(np.abs(part - want))
                                    / np.max(np.abs(want)))
  image = random_inception.resize_image()[None]
  tf1 = np.load(os.path.join(FIXTURES, 'resize_tf1.npz'))['resize_tf1']
  for protocol, want in (('pytorch', ref['resize_pytorch']), ('tf1', tf1)):
    got = np.asarray(resize.resize(image, protocol))[0][KEPT][:, KEPT]
    out[f'resize_{protocol}'] = float(np.max(np.abs(got - want)))
  return out


def images_per_second(params: dict, batches, repeats: int) -> dict:
  """Images per second of 8x8 grey images through resize and network."""
  apply = jax.jit(inception.make_apply(params, 'pytorch'))
  out = {}
  for b in batches:
    x = jnp.zeros((b, 8, 8, 1))
    apply(x)[0].block_until_ready()
    times = []
    for _ in range(repeats):
      start = time.perf_counter()
      apply(x)[0].block_until_ready()
      times.append(time.perf_counter() - start)
    out[b] = b / statistics.median(times)
  return out


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--json', help='write the results here')
  parser.add_argument('--smoke', action='store_true',
                      help='one small batch, one repeat')
  args = parser.parse_args()
  params = stand_in_params()
  results = dict(device=str(jax.devices()[0].device_kind),
                 backend=jax.default_backend(),
                 batch_size=inception.batch_size(),
                 agreement=agreement(params))
  batches, repeats = ((2,), 1) if args.smoke else ((1, 10, 25, 50, 100), 5)
  results['images_per_second'] = images_per_second(params, batches, repeats)
  for k, v in results['agreement'].items():
    print(f'{k}: {v:.3g}')
  for b, rate in results['images_per_second'].items():
    print(f'batch {b}: {rate:.1f} images/s')
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(results, f, indent=2)


if __name__ == '__main__':
  main()
