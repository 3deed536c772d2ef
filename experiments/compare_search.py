"""Compares the search methods at equal budgets on grid-25.

Every method gets the same budget in member-steps (trials x steps per
trial), over several seeds (each seed changes both the method's choices and
the GANs' initialisation):

* bayes, random, grid: ``--trials`` trials of ``--steps`` steps, in rounds of
  ``--population``;
* halving (eta 2, 3 rungs): as many settings at the first rung as the budget
  allows;
* pbt: ``--trials`` members for ``--steps`` steps, with an exploit/explore
  step after every quarter of them.

No method gets the config's own hyperparameters as a baseline trial. Writes,
under ``--out``, one search workdir per (method, seed) (rerunning the script
resumes them), ``compare.json`` (best objective so far against member-steps
for every run), ``compare.csv`` (one row per method, seed and budget
fraction: the best objective by then), ``compare.md`` (a table: best objective at a quarter, half
and all of the budget, median and range over seeds, '—' where no trial had
finished yet, with the best trial's modes and high-quality fraction) and
``compare.png``.

  JAX_NUM_CPU_DEVICES=2 python experiments/compare_search.py --out=/tmp/compare

``--smoke`` runs every method once on a tiny model for a few steps.
"""

import argparse
import csv
import json
import os
import time

import numpy as np

from jaxgan import config, files, plotting, search

METHODS = ('bayes', 'random', 'grid', 'halving', 'pbt')
FRACTIONS = (0.25, 0.5, 1.0)


def method_config(method: str, seed: int, trials: int, steps: int,
                  population: int, smoke: bool = False):
  """The grid-25 config for one run, with ``trials x steps`` member-steps
  (on a tiny model that trains in seconds with ``smoke``)."""
  cfg = config.get_config()
  if smoke:
    cfg.model.update(width=16, depth=2)
    cfg.train.update(batch_size=16, chunk_steps=10, eval_samples=200)
  cfg.hparams.seed = seed
  cfg.train.num_steps = steps
  # The comparison is of the searches' own curves, at equal member-steps:
  # no confirmation round after them.
  cfg.search.update(method=method, seed=seed, baseline=False,
                    num_trials=trials, population=population,
                    initial_points=population, eta=2, rungs=3, confirm_top=0)
  if method == 'halving':
    rungs = search.rung_steps(steps, cfg.train.chunk_steps, 2, 3)
    cfg.search.num_trials = max(
        n for n in range(1, 8 * trials)
        if halving_budget(n, rungs, 2) <= trials * steps)
  if method == 'pbt':
    cfg.search.population = trials
    chunk = cfg.train.chunk_steps
    cfg.search.pbt_interval = max(chunk, steps // 4 // chunk * chunk)
  return cfg


def halving_budget(n: int, rungs: list[int], eta: int) -> int:
  """Member-steps successive halving spends on ``n`` settings."""
  total, done = 0, 0
  for k, steps in enumerate(rungs):
    total += n * (steps - done)
    done = steps
    if k < len(rungs) - 1:
      n = max(1, n // eta)
  return total


def curve(trials: list[dict]) -> tuple[list[int], list[float]]:
  """Best objective so far against member-steps spent."""
  budgets, best, current = [], [], np.inf
  for t in sorted(trials, key=lambda t: (t['budget'], t['id'])):
    if t['objective'] is not None:
      current = min(current, t['objective'])
    budgets.append(t['budget'])
    best.append(current)
  return budgets, best


def at(budgets, best, budget) -> float:
  """The best objective reached within ``budget`` member-steps."""
  values = [b for s, b in zip(budgets, best) if s <= budget]
  return values[-1] if values else np.inf


def _number(value: float) -> str:
  """Three decimals, or '—' where no trial had finished yet."""
  return f'{value:.3f}' if np.isfinite(value) else '—'


def table(results: dict, budget: int) -> str:
  """Markdown: per method, best objective at fractions of the budget."""
  header = ('| method | ' + ' | '.join(f'best at {f:.0%} of budget'
                                        for f in FRACTIONS)
            + ' | modes | high quality | runs |')
  lines = [header, '|' + '---|' * (len(FRACTIONS) + 4)]
  for method, runs in results.items():
    cells = []
    for f in FRACTIONS:
      values = [at(r['budgets'], r['best'], f * budget) for r in runs]
      cells.append(f'{_number(np.median(values))} ({_number(min(values))}–'
                   f'{_number(max(values))})' if np.isfinite(min(values))
                   else '—')
    modes = [r['best_trial']['metrics']['modes'] for r in runs]
    hq = [r['best_trial']['metrics']['high_quality'] for r in runs]
    lines.append(f'| {method} | ' + ' | '.join(cells)
                 + f' | {np.median(modes):.0f} ({min(modes):.0f}–'
                 f'{max(modes):.0f}) | {np.median(hq):.1%} ({min(hq):.1%}–'
                 f'{max(hq):.1%}) | {len(runs)} |')
  return '\n'.join(lines)


def write_csv(path: str, results: dict, budget: int) -> None:
  """One row per method, seed and budget fraction: the best objective by
  then (empty where no trial had finished)."""
  with open(path, 'w', newline='') as f:
    writer = csv.writer(f)
    writer.writerow(['method', 'seed', 'budget_fraction', 'member_steps',
                     'best_objective'])
    for method, runs in results.items():
      for r in runs:
        for fraction in FRACTIONS:
          value = at(r['budgets'], r['best'], fraction * budget)
          writer.writerow([method, r['seed'], fraction, int(fraction * budget),
                           value if np.isfinite(value) else ''])


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--out', required=True)
  parser.add_argument('--methods', default=','.join(METHODS))
  parser.add_argument('--seeds', type=int, default=3)
  parser.add_argument('--trials', type=int, default=16)
  parser.add_argument('--steps', type=int, default=6000)
  parser.add_argument('--population', type=int, default=8)
  parser.add_argument('--smoke', action='store_true',
                      help='one seed of 2 trials of 40 steps, tiny model')
  args = parser.parse_args(argv)
  if args.smoke:
    args.seeds, args.trials, args.steps, args.population = 1, 2, 40, 2
  budget = args.trials * args.steps
  results = {}
  for method in args.methods.split(','):
    for seed in range(args.seeds):
      cfg = method_config(method, seed, args.trials, args.steps,
                          args.population, args.smoke)
      workdir = os.path.join(args.out, 'runs', f'{method}-{seed}')
      start = time.perf_counter()
      best = search.tune(cfg, workdir, log=lambda line: print(
          f'[{method} seed {seed}] {line}', flush=True),
          tracker=() if args.smoke else ('tensorboard',))
      with open(os.path.join(workdir, 'trials.jsonl')) as f:
        trials = [json.loads(line) for line in f]
      budgets, best_so_far = curve(trials)
      results.setdefault(method, []).append(dict(
          seed=seed, budgets=budgets, best=best_so_far,
          best_trial=best.to_json(),
          seconds=time.perf_counter() - start))
  files.write_json(os.path.join(args.out, 'compare.json'),
                 dict(budget=budget, results=results))
  write_csv(os.path.join(args.out, 'compare.csv'), results, budget)
  text = table(results, budget)
  with open(os.path.join(args.out, 'compare.md'), 'w') as f:
    f.write(text + '\n')
  plotting.curves_png(
      os.path.join(args.out, 'compare.png'),
      {m: [(r['budgets'], r['best']) for r in runs]
       for m, runs in results.items()},
      xlabel='member-steps', ylabel='best objective so far',
      title=f'grid-25, {args.seeds} seeds, budget {budget} member-steps')
  print(text)


if __name__ == '__main__':
  main()
