"""Trains one small population on each of several meshes and saves what it
computed (run as a script).

  python tests/population_worker.py --mesh=8x1 --mesh=4x2 --out=DIR

``--mesh=PxD`` puts the first P x D devices on a ('pop'=P, 'data'=D) mesh and
writes ``DIR/PxD.npz``; without it, every device goes on 'pop'.
``--program=NAME`` (repeatable) trains the GAN program NAME too (``dual``:
the registered two-discriminator program of ``plugins.py``; ``families``: a
conditional GAN and a CycleGAN as two static buckets of one round, on the
mesh of every device only; ``sngan``: SNGAN's ResNets at width 8 on the
32×32 digits, on 'pop'-only meshes, since batch norm normalises each
'data' shard alone), written as ``DIR/PxD-NAME.npz``. Run with
JAX_NUM_CPU_DEVICES set for several devices, and with JAXGAN_COORDINATOR,
JAXGAN_NUM_PROCESSES and JAXGAN_PROCESS_ID for several processes. Process 0
writes the files.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from jaxgan import distributed  # noqa: E402

distributed.initialize()

import jax  # noqa: E402
import numpy as np  # noqa: E402

import plugins  # noqa: E402
from conftest import tiny_config, tiny_sngan_config  # noqa: E402
from jaxgan import population  # noqa: E402

MEMBERS = [{'lr_d': lr, 'lr_g': lr / 2, 'seed': i}
           for i, lr in enumerate(np.geomspace(1e-4, 1e-2, 8).tolist())]


def train(mesh, program: str = 'gan') -> dict:
  """The population's losses, final G parameters and evaluation."""
  if program == 'sngan':
    cfg = tiny_sngan_config()
  else:
    cfg = tiny_config()
    cfg.program = program
  hp = population.stack_hparams(cfg, MEMBERS)
  pop = population.make_population(cfg, mesh, len(MEMBERS))
  hp_dev = pop.put(hp)
  state = pop.init(jax.random.key(0), hp_dev)
  state, step_metrics = pop.train_chunk(state, hp_dev, 6)
  if program == 'sngan':
    # G's convolution biases that batch norm reads have a zero gradient in
    # exact arithmetic, which Adam turns into steps of the learning rate
    # that differ with the program's rounding; through batch norm's running
    # mean they reach G's evaluation-mode samples. The losses and D do not
    # depend on them.
    return distributed.to_host(dict(
        d_loss=step_metrics['d_loss'], g_loss=step_metrics['g_loss'],
        **{f'd_{i}': leaf for i, leaf in enumerate(
            jax.tree.leaves(state.d_params))}))
  return distributed.to_host(dict(
      d_loss=step_metrics['d_loss'], g_loss=step_metrics['g_loss'],
      **{f'g_{i}': leaf for i, leaf in enumerate(
          jax.tree.leaves(state.g_params))},
      **pop.evaluate(state)))


# A conditional GAN and a CycleGAN: two static buckets of one round.
FAMILIES = ([{'model.name': 'cond_mlp', 'lr_d': lr, 'seed': i}
             for i, lr in enumerate((1e-3, 3e-3, 1e-2))]
            + [{'program': 'cyclegan', 'data.name': 'ring8_turned',
                'data.source': 'ring8', 'cycle_weight': w, 'seed': i}
               for i, w in enumerate((0.0, 1.0, 10.0))])


def train_families(mesh) -> dict:
  """Each bucket's losses and evaluation, keys prefixed by its index."""
  out = {}
  buckets = population.buckets(tiny_config('ring8'), FAMILIES)
  assert len(buckets) == 2
  for b, bucket in enumerate(buckets):
    n = len(bucket.indices)
    size = population.padded_size(n, mesh)
    pop = population.make_population(bucket.cfg, mesh, size)
    hp = pop.put(population.pad(bucket.hparams, size))
    state, step_metrics = pop.train_chunk(pop.init(jax.random.key(0), hp),
                                          hp, 6)
    found = distributed.to_host(dict(d_loss=step_metrics['d_loss'],
                                     g_loss=step_metrics['g_loss'],
                                     **pop.evaluate(state)))
    out.update({f'{b}_{k}': v[:n] for k, v in found.items()})
  return out


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--mesh', action='append',
                      default=[], help="'PxD' ('pop' x 'data' devices)")
  parser.add_argument('--program', action='append', default=[])
  parser.add_argument('--out', required=True)
  args = parser.parse_args()
  plugins.register()
  for shape in args.mesh or [f'{jax.device_count()}x1']:
    pop, data = (int(n) for n in shape.split('x'))
    mesh = population.make_mesh(data=data, devices=jax.devices()[:pop * data])
    for program in args.program or ['gan']:
      if program == 'families' and shape != f'{jax.device_count()}x1':
        continue
      if program == 'sngan' and data > 1:
        continue
      out = (train_families(mesh) if program == 'families'
             else train(mesh, program))
      name = shape if program == 'gan' else f'{shape}-{program}'
      if distributed.is_main_process():
        np.savez(os.path.join(args.out, f'{name}.npz'),
                 devices=mesh.devices.size, processes=jax.process_count(),
                 **out)


if __name__ == '__main__':
  main()
