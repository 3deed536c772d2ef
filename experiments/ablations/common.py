"""What every ablation script shares: flags, the sweep, the outputs.

An ablation varies one thing over a list of values and trains every value
with several seeds, all as one population (one compiled program per static
bucket) through :func:`jaxgan.run.train_population`. It writes, under
``--out``:

* ``NAME.csv``: one row per member (the value, the seed, every metric);
* ``NAME.md``: per value, the median and range over seeds of each metric;
* ``NAME.png``: each metric against the value (seeds as points, the median
  as a line).

``--smoke`` runs the same code on a tiny model for a few steps (one seed,
the first and last values), to check the script, not the science.

  python experiments/ablations/ttur.py --out=experiments/results/ablations
"""

import argparse
import csv
import os
from typing import Callable, Sequence

import ml_collections
import numpy as np

from jaxgan import run, validation

# Metrics reported on the 2-D mixtures: partition KL is the objective.
METRICS = ('partition_kl', 'modes', 'high_quality')


def flags(description: str, argv: Sequence[str] | None = None,
          seeds: int = 3) -> argparse.Namespace:
  """Parses ``--out``, ``--smoke``, ``--seeds`` and ``--steps`` from ``argv``
  (default: the command line)."""
  parser = argparse.ArgumentParser(description=description)
  parser.add_argument('--out', required=True, help='output directory')
  parser.add_argument('--smoke', action='store_true',
                      help='a tiny model, few steps, one seed')
  parser.add_argument('--seeds', type=int, default=seeds)
  parser.add_argument('--steps', type=int, default=0,
                      help="training steps (default: the config's)")
  return parser.parse_args(argv)


def smoke(cfg: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """``cfg`` shrunk to compile and train in seconds."""
  cfg.model.update(width=16, depth=2)
  cfg.train.update(batch_size=16, num_steps=20, chunk_steps=10,
                   eval_samples=200)
  return cfg


def sweep(name: str, cfg: ml_collections.ConfigDict, values: Sequence,
          setting: Callable[[object], dict], args: argparse.Namespace,
          label: str, log_x: bool = False,
          metrics: Sequence[str] = METRICS) -> list[dict]:
  """Trains ``setting(value)`` for every value and seed, writes the outputs.

  Args:
    name: the outputs' file stem.
    cfg: the base config (the tuned grid-25 defaults, say).
    values: the values of the ablated quantity.
    setting: a value's population setting (dynamic names and static paths).
    args: the flags; ``--smoke`` shrinks ``cfg`` and the sweep.
    label: the value's axis label.
    log_x: plot the values on a log axis.
    metrics: what the outputs report (the 2-D mixtures' by default).

  Returns:
    One row per member: ``value``, ``seed`` and the metrics.
  """
  if args.smoke:
    cfg, values, seeds = smoke(cfg), [values[0], values[-1]], [0]
  else:
    seeds = list(range(args.seeds))
  if args.steps:
    cfg.train.num_steps = args.steps
  validation.validate(cfg)
  settings = [dict(setting(v), seed=s) for v in values for s in seeds]
  trained = run.train_population(cfg, settings,
                                 os.path.join(args.out, f'{name}_population'))
  rows = [dict(value=v, seed=s, **{m: r.get(m) for m in metrics},
               diverged=r['diverged'])
          for (v, s), r in zip([(v, s) for v in values for s in seeds],
                               trained)]
  os.makedirs(args.out, exist_ok=True)
  write_csv(os.path.join(args.out, f'{name}.csv'), rows)
  text = table(rows, values, label, metrics)
  with open(os.path.join(args.out, f'{name}.md'), 'w') as f:
    f.write(text + '\n')
  plot(os.path.join(args.out, f'{name}.png'), rows, values, label, log_x,
       metrics)
  print(text)
  return rows


def write_csv(path: str, rows: list[dict]) -> None:
  with open(path, 'w', newline='') as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)


def table(rows: list[dict], values: Sequence, label: str,
          metrics: Sequence[str] = METRICS) -> str:
  """Markdown: per value, each metric's median (range) over seeds."""
  lines = [f'| {label} | ' + ' | '.join(metrics) + ' | diverged |',
           '|' + '---|' * (len(metrics) + 2)]
  for v in values:
    mine = [r for r in rows if r['value'] == v]
    cells = []
    for m in metrics:
      x = np.asarray([r[m] for r in mine], np.float64)
      cells.append(f'{np.median(x):.3g} ({x.min():.3g}–{x.max():.3g})'
                   if len(x) > 1 else f'{x[0]:.3g}')
    lines.append(f'| {v} | ' + ' | '.join(cells)
                 + f' | {sum(r["diverged"] for r in mine)}/{len(mine)} |')
  return '\n'.join(lines)


def plot(path: str, rows: list[dict], values: Sequence, label: str,
         log_x: bool, metrics: Sequence[str] = METRICS) -> None:
  """Each metric against the value: seeds as points, medians as a line."""
  import matplotlib
  matplotlib.use('Agg')
  import matplotlib.pyplot as plt
  numeric = all(isinstance(v, (int, float)) for v in values)
  where = {v: (v if numeric else i) for i, v in enumerate(values)}
  fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.4))
  for ax, m in zip(axes, metrics):
    x = [where[r['value']] for r in rows]
    ax.scatter(x, [r[m] for r in rows], s=12, alpha=0.6)
    ax.plot([where[v] for v in values],
            [np.median([r[m] for r in rows if r['value'] == v])
             for v in values], color='C3')
    ax.set(xlabel=label, title=m, xscale='log' if log_x else 'linear')
    ax.set_xticks([where[v] for v in values], [f'{v:g}' if numeric else v
                                                for v in values],
                  rotation=0 if numeric else 20)
    ax.minorticks_off()
  fig.tight_layout()
  fig.savefig(path, dpi=90)
  plt.close(fig)
