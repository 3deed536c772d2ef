"""The population on convolutional networks: member-steps per second of P
members trained in one program against the same members one after
another, on 32×32 images at batch 64.

For each network (the DCGAN preset's 3-stage DCGAN and SNGAN's ResNets,
at the widths given) and each population size P it prints, medians of
repeats in one process:

* compile: seconds to compile the population's ``train_chunk``;
* population: member-steps/s of ``Population.train_chunk`` (P members on
  min(P, devices) devices of the 'pop' axis);
* one after another: member-steps/s of the single-member jitted
  ``train_chunk`` run for each member in turn (one device);
* ratio: population / one after another (1.0 or more is the target);
* memory: XLA's memory analysis of the compiled population (arguments,
  outputs and temporaries, MB): its peak on the device;
* convolutions: the compiled population's convolutions (its HLO), how
  many are in the layout XLA:CPU's Eigen kernels take (``b01f_01io->b01f``)
  and how many are grouped (``feature_group_count`` or
  ``batch_group_count``): see ``jaxgan/models/conv.py``.

On a CPU host the script exposes one JAX device per core
(``--cpu_devices``, read before JAX starts).

  python experiments/benchmarks/networks.py --json results.json
  python experiments/benchmarks/networks.py --smoke
"""

import argparse
import json
import os
import re
import sys
import time

import timing



if __name__ == '__main__':
  os.environ.setdefault('JAX_NUM_CPU_DEVICES',
                        timing.cpu_devices_from_argv(sys.argv))

import jax  # noqa: E402
import numpy as np  # noqa: E402

from jaxgan import config, population, train  # noqa: E402

NETWORKS = ('dcgan', 'sngan')
POPULATIONS = (1, 2, 4, 8)


def network_config(name: str, width: int, batch: int):
  """``name``'s networks on the 32×32 digits, trained with the hinge loss
  at ``width`` channels and ``batch`` images."""
  cfg = config.get_config()
  cfg.data.name = 'digits32'
  cfg.model.name = name
  cfg.model.width = width
  if name == 'dcgan':
    cfg.model.update(depth=3, g_norm='batch')
  cfg.train.batch_size = batch
  cfg.hparams.loss = 'hinge'
  return cfg



def member_hparams(cfg, count: int) -> dict[str, np.ndarray]:
  return population.stack_hparams(cfg, [
      {'lr_d': lr, 'lr_g': lr, 'seed': i}
      for i, lr in enumerate(np.geomspace(1e-4, 4e-4, count).tolist())])


def megabytes(compiled) -> float:
  """XLA's estimate of a compiled program's peak memory on its device."""
  m = compiled.memory_analysis()
  return (m.argument_size_in_bytes + m.output_size_in_bytes
          + m.temp_size_in_bytes) / 2 ** 20


def convolutions(compiled) -> dict[str, int]:
  """The compiled program's convolutions: in all, in Eigen's layout, and
  grouped."""
  convs = [line for line in compiled.as_text().split('\n')
           if ' convolution(' in line]
  eigen = sum('dim_labels=b01f_01io->b01f' in line for line in convs)
  grouped = sum(bool(re.search(r'(feature|batch)_group_count=', line))
                for line in convs)
  return dict(convolutions=len(convs), eigen_layout=eigen, grouped=grouped)


def measure(name: str, width: int, batch: int, sizes, steps: int,
            repeats: int, log) -> list[dict]:
  """One row per population size for one network."""
  cfg = network_config(name, width, batch)
  fns = train.make_train(cfg)
  hp_all = member_hparams(cfg, max(sizes))
  member = lambda i: {k: v[i] for k, v in hp_all.items()}
  init = jax.jit(fns.init)
  single = jax.jit(fns.train_chunk, static_argnums=2)
  start = time.perf_counter()
  single.lower(init(jax.random.key(0), member(0)), member(0),
               steps).compile()
  single_compile = time.perf_counter() - start

  rows = []
  for p in sizes:
    states = [init(jax.random.key(0), member(i)) for i in range(p)]
    for i, s in enumerate(states):
      jax.block_until_ready(single(s, member(i), steps))

    def one_after_another():
      for i, s in enumerate(states):
        jax.block_until_ready(single(s, member(i), steps))

    sequential = p * steps / timing.median_seconds(one_after_another, repeats)

    mesh = population.make_mesh(devices=jax.devices()[:min(
        p, jax.device_count())])
    pop = population.make_population(cfg, mesh, p)
    hp = pop.put({k: v[:p] for k, v in hp_all.items()})
    state = pop.init(jax.random.key(0), hp)
    start = time.perf_counter()
    compiled = pop.train_chunk.lower(state, hp, steps).compile()
    compile_s = time.perf_counter() - start
    state, m = pop.train_chunk(state, hp, steps)
    jax.block_until_ready(m)
    holder = [state]

    def run_population():
      holder[0], out = pop.train_chunk(holder[0], hp, steps)
      jax.block_until_ready(out)

    rate = p * steps / timing.median_seconds(run_population, repeats)
    row = dict(network=name, width=width, batch=batch, P=p,
               devices=mesh.shape[population.POP], compile_s=compile_s,
               single_compile_s=single_compile, population=rate,
               one_after_another=sequential, ratio=rate / sequential,
               memory_mb=megabytes(compiled), steps=steps,
               **convolutions(compiled))
    log(f'{name:6s} width {width:4d}  P {p:2d} on {row["devices"]} '
        f'device(s): compile {compile_s:6.1f} s (one member '
        f'{single_compile:5.1f} s)  population {rate:7.2f}  one after '
        f'another {sequential:7.2f} member-steps/s  ratio {row["ratio"]:.2f}'
        f'  memory {row["memory_mb"]:7.1f} MB  convolutions '
        f'{row["eigen_layout"]}/{row["convolutions"]} in Eigen\'s layout, '
        f'{row["grouped"]} grouped')
    rows.append(row)
  return rows


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--json', help='write the results here')
  parser.add_argument('--smoke', action='store_true',
                      help='width 8, batch 8, P 2, two repeats')
  parser.add_argument('--networks', default=','.join(NETWORKS))
  parser.add_argument('--dcgan_width', type=int, default=64)
  parser.add_argument('--sngan_width', type=int, default=32,
                      help="SNGAN's channels (Mimicry's G uses 256, D 128)")
  parser.add_argument('--batch', type=int, default=64)
  parser.add_argument('--sizes', default=','.join(map(str, POPULATIONS)))
  parser.add_argument('--steps', type=int, default=5,
                      help='steps per timed call')
  parser.add_argument('--repeats', type=int, default=3)
  timing.add_cpu_devices_flag(parser)
  args = parser.parse_args()
  log = lambda line: print(line, flush=True)
  sizes = tuple(int(p) for p in args.sizes.split(','))
  widths = dict(dcgan=args.dcgan_width, sngan=args.sngan_width)
  batch, steps, repeats = args.batch, args.steps, args.repeats
  if args.smoke:
    widths, batch, steps, repeats, sizes = (dict(dcgan=8, sngan=8), 8, 2, 2,
                                            (2,))
  device = jax.devices()[0]
  log(f'{device.device_kind} ({device.platform}) x{jax.device_count()}, '
      f'batch {batch}, {steps} steps per call, medians of {repeats}')
  rows = []
  for name in args.networks.split(','):
    rows += measure(name, widths[name], batch, sizes, steps, repeats, log)
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(dict(device=device.device_kind, platform=device.platform,
                     device_count=jax.device_count(), rows=rows), f, indent=2)


if __name__ == '__main__':
  main()
