"""Member-steps per second of the population trainer against two baselines.

For each model size and population size P it measures, side by side in one
process (medians of repeats):

* population: ``Population.train_chunk``: P members in one jit(shard_map(vmap(scan)));
* one_after_another: the same members trained one after another with the
  jitted, scanned single-member ``train_chunk``;
* python_loop: a Python loop over a jitted single step (``train_chunk`` with one
  step) for each member.

It also measures the machine's float32 matmul rate (a large square matmul) and
reports the population's achieved FLOP/s as a fraction of it, counting FLOPs
with XLA's cost analysis of one compiled train step. A second rate, that of the
model's own layer matmuls (a group of members' batch x width x width products,
as the population runs them), bounds what the population can reach: the
``gemm_bound`` column is the member-steps per second if a whole step ran at that
rate and nothing else cost any time.

On a CPU host the script exposes one JAX device per core (``--cpu_devices``,
set before JAX starts), so that the population's 'pop' mesh axis runs members
on every core; the single-member baselines run on one device, as a single run
does.

  python experiments/benchmarks/population_throughput.py --json results.json
  python experiments/benchmarks/population_throughput.py --smoke     # a smoke run
"""

import argparse
import json
import os
import sys

import timing



if __name__ == '__main__':
  os.environ.setdefault('JAX_NUM_CPU_DEVICES',
                        timing.cpu_devices_from_argv(sys.argv))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from jaxgan import config, population, train  # noqa: E402

# (width, batch, member-steps per timed call); the budgets keep each timed
# call near a second on a 2-core CPU.
SIZES = ((64, 64, 6400), (128, 256, 1000))
POPULATIONS = (1, 8, 16, 32, 64, 128)



def matmul_gflops(n: int = 2048, repeats: int = 7) -> float:
  """The machine's float32 GFLOP/s: one n x n matmul on every device at once."""
  mesh = population.make_mesh()
  devices = mesh.shape[population.POP]
  split = jax.sharding.NamedSharding(mesh, jax.P(population.POP))
  a = jax.device_put(
      jax.random.normal(jax.random.key(0), (devices, n, n), jnp.float32), split)
  f = jax.jit(jax.shard_map(lambda x: x @ x, mesh=mesh,
                            in_specs=jax.P(population.POP),
                            out_specs=jax.P(population.POP)))
  f(a).block_until_ready()
  return devices * 2 * n ** 3 / timing.median_seconds(
      lambda: f(a).block_until_ready(), repeats) / 1e9


def layer_gemm_gflops(width: int, batch: int, group: int,
                     steps: int = 1000, repeats: int = 7) -> float:
  """GFLOP/s of a group's batched (batch x width) @ (width x width) matmuls.

  Every device runs ``steps`` of them in a scan at once, the shape a device's
  group of ``group`` members computes in each dense layer.
  """
  mesh = population.make_mesh()
  devices = mesh.shape[population.POP]
  split = jax.sharding.NamedSharding(mesh, jax.P(population.POP))
  x = jax.device_put(jnp.ones((devices * group, batch, width)), split)
  w = jax.device_put(jnp.full((devices * group, width, width), 1 / width),
                     split)

  def chain(x, w):
    layer = lambda h, _: (jnp.einsum('gbi,gio->gbo', h, w), None)
    return jax.lax.scan(layer, x, None, length=steps)[0]

  f = jax.jit(jax.shard_map(chain, mesh=mesh,
                            in_specs=(jax.P(population.POP),) * 2,
                            out_specs=jax.P(population.POP)))
  f(x, w).block_until_ready()
  seconds = timing.median_seconds(lambda: f(x, w).block_until_ready(), repeats)
  return devices * group * steps * 2 * batch * width ** 2 / seconds / 1e9


def bench_config(width: int, batch: int, penalty: str):
  cfg = config.get_config()
  cfg.model.update(width=width, depth=3, latent_dim=16)
  cfg.train.batch_size = batch
  cfg.penalty = penalty
  return cfg


def member_hparams(cfg, count: int) -> dict[str, np.ndarray]:
  return population.stack_hparams(cfg, [
      {'lr_d': lr, 'lr_g': lr, 'seed': i}
      for i, lr in enumerate(np.geomspace(1e-4, 1e-3, count).tolist())])


def measure(width: int, batch: int, penalty: str, sizes, steps_budget: int,
            repeats: int, gflops: float, group: int, log) -> list[dict]:
  """One row per population size for one model size."""
  cfg = bench_config(width, batch, penalty)
  fns = train.make_train(cfg)
  single_chunk = jax.jit(fns.train_chunk, static_argnums=2)
  init = jax.jit(fns.init)
  hp_all = member_hparams(cfg, max(max(sizes), 4))  # the baselines time 4
  member = lambda i: {k: v[i] for k, v in hp_all.items()}
  state0 = init(jax.random.key(0), member(0))
  flops_per_step = single_chunk.lower(state0, member(0), 1).compile(
      ).cost_analysis()['flops']
  gemm = layer_gemm_gflops(width, batch, group)
  gemm_bound = gemm * 1e9 / flops_per_step
  log(f"width {width:4d} batch {batch:4d}: layer matmuls {gemm:.1f} GFLOP/s, "
      f"a bound of {gemm_bound:.0f} member-steps/s")

  # Baselines cost the same per member whatever P is: time them on a few
  # members and reuse the rate for every row.
  k_seq = max(steps_budget // 8, 50)
  states = [init(jax.random.key(0), member(i)) for i in range(4)]
  single_chunk(states[0], member(0), k_seq)[1]['d_loss'].block_until_ready()

  def one_after_another():
    for i, s in enumerate(states):
      single_chunk(s, member(i), k_seq)[1]['d_loss'].block_until_ready()

  seq_rate = 4 * k_seq / timing.median_seconds(one_after_another, repeats)
  k_loop = max(k_seq // 4, 20)
  single_chunk(states[0], member(0), 1)[1]['d_loss'].block_until_ready()

  def python_loop():
    for i, s in enumerate(states):
      hp = member(i)
      for _ in range(k_loop):
        s, m = single_chunk(s, hp, 1)
      m['d_loss'].block_until_ready()

  loop_rate = 4 * k_loop / timing.median_seconds(python_loop, repeats)

  rows = []
  mesh = population.make_mesh()
  for p in sizes:
    size = population.padded_size(p, mesh)
    pop = population.make_population(cfg, mesh, size, group_size=group)
    hp = pop.put(population.pad({k: v[:p] for k, v in hp_all.items()}, size))
    k = max(steps_budget // p, 10)
    state = pop.init(jax.random.key(0), hp)
    state, m = pop.train_chunk(state, hp, k)
    jax.block_until_ready(m)
    holder = [state]

    def run_population():
      holder[0], out = pop.train_chunk(holder[0], hp, k)
      jax.block_until_ready(out)

    rate = p * k / timing.median_seconds(run_population, repeats)
    row = dict(width=width, batch=batch, P=p, population=rate,
               one_after_another=seq_rate, python_loop=loop_rate,
               flops_fraction=rate * flops_per_step / (gflops * 1e9),
               mflops_per_member_step=flops_per_step / 1e6, scan_steps=k,
               gemm_gflops=gemm, gemm_bound=gemm_bound)
    log(f"width {width:4d} batch {batch:4d} P {p:4d}: population "
        f"{rate:9.0f}  one-after-another {seq_rate:7.0f}  python loop "
        f"{loop_rate:7.0f} member-steps/s  ({rate / seq_rate:.1f}x, "
        f"{rate / loop_rate:.1f}x; {100 * row['flops_fraction']:.0f}% of "
        f"matmul FLOP/s)")
    rows.append(row)
  return rows


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--json', help='write the results here')
  parser.add_argument('--smoke', action='store_true',
                      help='small sizes and budgets, for a smoke run')
  parser.add_argument('--repeats', type=int, default=5)
  timing.add_cpu_devices_flag(parser)
  parser.add_argument('--penalty', default='none',
                      help="D penalty of the benchmarked GAN ('none', 'r1', 'gp')")
  parser.add_argument('--group', type=int, default=population.GROUP_SIZE,
                      help='members a device trains together')
  parser.add_argument('--sizes', default=None,
                      help='comma-separated population sizes to measure')
  args = parser.parse_args()
  log = lambda line: print(line, flush=True)
  sizes = (1, 8) if args.smoke else POPULATIONS
  if args.sizes:
    sizes = tuple(int(p) for p in args.sizes.split(','))
  models = ((64, 64, 400),) if args.smoke else SIZES
  repeats = 2 if args.smoke else args.repeats
  gflops = matmul_gflops(512 if args.smoke else 2048)
  log(f'{jax.devices()[0].device_kind} x{jax.device_count()}: float32 matmul '
      f'{gflops:.1f} GFLOP/s')
  rows = []
  for width, batch, budget in models:
    rows += measure(width, batch, args.penalty, sizes, budget, repeats, gflops,
                    args.group, log)
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(dict(matmul_gflops=gflops, device=jax.devices()[0].device_kind,
                     device_count=jax.device_count(), penalty=args.penalty,
                     rows=rows), f, indent=2)


if __name__ == '__main__':
  main()
