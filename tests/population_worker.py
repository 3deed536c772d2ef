"""Trains one small population and saves what it computed (run as a script).

  python tests/population_worker.py --data=2 --out=result.npz

Run with JAX_NUM_CPU_DEVICES set for several devices, and with JAXGAN_COORDINATOR,
JAXGAN_NUM_PROCESSES and JAXGAN_PROCESS_ID for several processes. Process 0
writes the file.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from jaxgan import distributed  # noqa: E402

distributed.initialize()

import jax  # noqa: E402
import numpy as np  # noqa: E402

from conftest import tiny_config  # noqa: E402
from jaxgan import population  # noqa: E402

MEMBERS = [{'lr_d': lr, 'lr_g': lr / 2, 'seed': i}
           for i, lr in enumerate(np.geomspace(1e-4, 1e-2, 8).tolist())]


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--data', type=int, default=1)
  parser.add_argument('--out', required=True)
  args = parser.parse_args()
  cfg = tiny_config()
  mesh = population.make_mesh(data=args.data)
  hp = population.stack_hparams(cfg, MEMBERS)
  pop = population.make_population(cfg, mesh, len(MEMBERS))
  hp_dev = pop.put(hp)
  state = pop.init(jax.random.key(0), hp_dev)
  state, step_metrics = pop.train_chunk(state, hp_dev, 6)
  out = distributed.to_host(dict(
      d_loss=step_metrics['d_loss'], g_loss=step_metrics['g_loss'],
      **{f'g_{i}': leaf for i, leaf in enumerate(
          jax.tree.leaves(state.g_params))},
      **pop.evaluate(state)))
  if distributed.is_main_process():
    np.savez(args.out, devices=jax.device_count(),
             processes=jax.process_count(), **out)


if __name__ == '__main__':
  main()
