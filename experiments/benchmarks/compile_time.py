"""What the number of discriminator steps per generator step costs to
compile.

Each generator step of ``train_chunk`` takes ``train.n_disc``
discriminator steps. This script builds one member's ``train_chunk`` afresh
for each ``n_disc`` and times, medians of repeats in one process, tracing
and lowering it and XLA compiling it (JAX's compilation caches off, so every
repeat compiles). The digits DCGAN with R1 (a double backward pass in every
discriminator step) is the default config; ``--config=points`` times the
grid-25 MLP.

  python experiments/benchmarks/compile_time.py --json results.json
  python experiments/benchmarks/compile_time.py --smoke
"""

import argparse
import json
import platform
import statistics
import time

import jax

from jaxgan import config, hparams, train

CONFIGS = ('digits', 'points')


def make_config(name: str, n_disc: int, smoke: bool):
  """The benchmark's config ``name`` with ``n_disc`` discriminator steps."""
  cfg = config.get_config()
  cfg.penalty = 'r1'
  if name == 'digits':
    cfg.data.name = 'digits'
    cfg.model.update(name='dcgan', g_norm='batch')
  if smoke:
    cfg.model.update(width=16, depth=2, latent_dim=4)
    cfg.train.batch_size = 16
  cfg.train.n_disc = n_disc
  return cfg


def time_compile(cfg, chunk: int) -> tuple[float, float]:
  """Seconds to trace and lower, and to compile, ``cfg``'s ``train_chunk``
  of ``chunk`` steps, built afresh."""
  fns = train.make_program(cfg)
  hp = hparams.as_arrays(dict(cfg.hparams))
  state = jax.eval_shape(lambda k: fns.init(k, hp), jax.random.key(0))
  start = time.perf_counter()
  lowered = jax.jit(fns.train_chunk, static_argnums=2).lower(state, hp, chunk)
  lowered_at = time.perf_counter()
  lowered.compile()
  return lowered_at - start, time.perf_counter() - lowered_at


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--config', choices=CONFIGS, default='digits')
  parser.add_argument('--n_disc', default='1,2,5',
                      help='comma-separated discriminator steps to time')
  parser.add_argument('--repeats', type=int, default=5)
  parser.add_argument('--json', help='write the results here')
  parser.add_argument('--smoke', action='store_true',
                      help='a tiny network, n_disc 1 and 2, one repeat')
  args = parser.parse_args()
  n_discs = [1, 2] if args.smoke else [int(n) for n in
                                       args.n_disc.split(',')]
  repeats = 1 if args.smoke else args.repeats
  rows = []
  cached = jax.config.jax_enable_compilation_cache
  jax.config.update('jax_enable_compilation_cache', False)
  try:
    for n_disc in n_discs:
      cfg = make_config(args.config, n_disc, args.smoke)
      times = [time_compile(cfg, cfg.train.chunk_steps)
               for _ in range(repeats)]
      rows.append(dict(n_disc=n_disc,
                       lower_s=statistics.median(t[0] for t in times),
                       compile_s=statistics.median(t[1] for t in times)))
  finally:
    jax.config.update('jax_enable_compilation_cache', cached)
  device = jax.devices()[0].device_kind
  print(f'{args.config} on {device}, medians of {repeats}')
  print(f'{"n_disc":>6} {"trace+lower s":>14} {"compile s":>10}')
  for r in rows:
    print(f'{r["n_disc"]:6d} {r["lower_s"]:14.2f} {r["compile_s"]:10.2f}')
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(dict(machine=platform.processor() or platform.machine(),
                     device=device, config=args.config, repeats=repeats,
                     rows=rows), f, indent=1)


if __name__ == '__main__':
  main()
