"""Whether a search's answer holds on seeds nobody saw: the rule that
decides it (:mod:`jaxgan.search.decision`) against the one before it, on the
same runs.

Arms, each run once per search seed ``S`` (``search.seed = hparams.seed =
S``), one after another:

* ``default``: the README's first command (jaxgan's defaults on grid-25:
  40 trials of TPE from the hand-tuned setting, then the confirmation);
* ``cold``: the cold start (``experiments/configs/cold_start.py``) with
  ``search.baseline=True``: the newcomer's recipe is the incumbent;
* ``cold-nobaseline``: the cold start as committed (no baseline trial: the
  search's best-ranked setting is the incumbent).

Each run's answer is judged on ``--held_out`` seeds
(:mod:`jaxgan.search.held_out`: neither the search nor the confirmation
trains them),
retrained from scratch to the step it was confirmed at, beside the
incumbent, the answer the old rule would have given from the same
confirmation (the best mean over the first :data:`OLD_SEEDS` fresh seeds,
the baseline included), and the best setting known (the defaults with a
generator EMA of 0.998, BUILD_NOTES). Per setting: the median objective
with failed seeds counted worst (a seed fails when it diverges or has no
finite objective), the failure rate and the median high-quality fraction.
The within-seed correlation of the confirmation (Spearman, incumbent
against each contender over the shared seeds) says whether pairing seeds
helps.

Writes, under ``--out``: one workdir per run under ``runs/`` (rerunning
resumes: finished searches and held-out populations are read back),
``answer_quality.json`` and ``answer_quality.md`` (the table).

  python experiments/answer_quality.py --out=/tmp/answers --seeds=5 \\
      --arms=default
  python experiments/answer_quality.py --out=/tmp/answers --seeds=3 \\
      --arms=cold,cold-nobaseline

``--simulate`` trains nothing: it reports the rule's false-switch rate and
power (:func:`jaxgan.search.decision.simulate`) for several seed budgets,
with each seed's objective drawn log-normal around its setting's median
(:func:`jaxgan.search.decision.lognormal`: σ = 0.45 in log, the spread of
partition KL over the defaults' seeds) and failing with a stated
probability, over ``--runs`` seeded runs
of two contenders: both equal to the incumbent (a switch is a false
switch), or one with half its median (choosing it is power).

``--smoke`` runs the default arm once on a tiny model with 2 held-out
seeds (under a minute).
"""

import argparse
import math
import os

import ml_collections
import numpy as np
from scipy import stats

from jaxgan import cli, config, files, search, validation
from jaxgan.search import confirm, decision, held_out, store
from jaxgan.search.confirmed import Confirmation

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLD_START = os.path.join(ROOT, 'experiments', 'configs', 'cold_start.py')
ARMS = ('default', 'cold', 'cold-nobaseline')
# The old rule's seeds: the best fresh mean over the first 4 was the answer.
OLD_SEEDS = 4
# The best setting known on grid-25 (BUILD_NOTES, "The best settings
# known"): the defaults with this EMA decay.
KNOWN = dict(ema_decay=0.998)
# The simulation's seed budgets (first look, at most) and failure
# probabilities.
DESIGNS = ((4, 4), (8, 8), (6, 12), (8, 12), (8, 16))
FAILURES = (0.0, 0.15)


def arm_config(arm: str, seed: int, smoke: bool) -> ml_collections.ConfigDict:
  """The config of one run."""
  cfg = (config.get_config() if arm == 'default'
         else config.load(COLD_START))
  cfg.data.name = 'grid25'
  if arm == 'cold':
    cfg.search.baseline = True
  if smoke:
    cfg.model.width = 16
    cfg.train.update(batch_size=32, num_steps=40, chunk_steps=20,
                     eval_samples=200)
    cfg.search.update(num_trials=4, population=2, initial_points=2,
                      budget='', seeds=1, confirm_top=1, confirm_seeds=2,
                      confirm_max_seeds=2)
  cfg.hparams.seed = seed
  cfg.search.seed = seed
  return validation.with_objective(cfg)


def old_answer(done: Confirmation, sign: float) -> int:
  """The row the rule before this one chose: the best mean over its first
  :data:`OLD_SEEDS` fresh seeds (finite values only), the first of
  equals."""
  def mean(row):
    finite = [v for v in row.values[:OLD_SEEDS] if v is not None]
    return sign * np.mean(finite) if finite else math.inf
  return min(range(len(done.rows)), key=lambda k: (mean(done.rows[k]), k))


def correlations(done: Confirmation, sign: float) -> list[float]:
  """Spearman's rho of the incumbent's seeds against each contender's, over
  the seeds both finished."""
  inc = done.incumbent
  out = []
  for row in done.rows:
    if row is inc:
      continue
    pairs = [(a, b) for a, b, fa, fb in zip(inc.values, row.values,
                                            inc.failed, row.failed)
             if not (fa or fb)]
    if len(pairs) >= 3:
      out.append(float(stats.spearmanr(*zip(*pairs)).statistic))
  return out


def one_run(arm: str, seed: int, args) -> dict:
  """Searches, then judges its answers on held-out seeds."""
  cfg = arm_config(arm, seed, args.smoke)
  workdir = os.path.join(args.out, 'runs', f'{arm}-{seed}')
  log = lambda line: print(f'[{arm} seed {seed}] {line}', flush=True)
  search.tune(cfg, workdir, output=search.Output(log, (), quiet=True))
  done = Confirmation.from_json(
      files.read_json(os.path.join(workdir, confirm.FILE)))
  answer = done.answer
  sign = answer.sign
  space = search.Space.from_config(cfg)
  point = lambda row: space.setting(space.point(row.setting))
  old = old_answer(done, sign)
  named = {
      'answer': (point(done.chosen), done.chosen.steps),
      'old rule': (point(done.rows[old]), done.rows[old].steps),
      'incumbent': (point(done.incumbent), done.incumbent.steps),
      'best known': (dict(config.get_config().hparams, **KNOWN),
                     cfg.train.num_steps),
  }
  if not cfg.search.baseline:
    # The newcomer's recipe, which this search did not train.
    named['recipe'] = (dict(cfg.hparams), cfg.train.num_steps)
  trained = held_out.train(cfg, named, args.held_out,
                           os.path.join(workdir, 'held_out'))
  objective = cfg.search.objective
  trials = store.read(workdir)
  return dict(
      arm=arm, seed=seed, switched=answer.switched,
      answer_trial=done.chosen.trial, old_trial=done.rows[old].trial,
      incumbent_trial=done.incumbent.trial,
      confirm_seeds=[len(r.values) for r in done.rows],
      # What the confirmation trained, against the search's training.
      confirm_member_steps=sum(len(r.values) * r.steps for r in done.rows),
      search_member_steps=max(t.budget for t in trials),
      correlation=correlations(done, sign),
      judged={n: held_out.judge(rows, objective, sign)
              for n, rows in trained.items()})


def _cell(j: dict) -> str:
  median = '—' if j['median'] is None else f'{j["median"]:.3f}'
  quality = ('—' if j['high_quality'] is None
             else f'{100 * j["high_quality"]:.1f}%')
  return (f'{median}, {sum(j["failed"])}/{len(j["failed"])} failed, '
          f'{quality}')


def table(results: list[dict], objective: str) -> str:
  """Markdown: per run, the answers and each setting's held-out median
  (failed seeds), failures and median high quality."""
  names = ['answer', 'old rule', 'incumbent', 'best known']
  if any('recipe' in r['judged'] for r in results):
    names.append('recipe')
  lines = ["| arm | seed | answer (old rule's) | switched | confirm seeds "
           '(confirmation / search member-steps) | '
           + ' | '.join(f'{n}: held-out {objective}, failures, high '
                        'quality' for n in names) + ' |',
           '|' + '---|' * (5 + len(names))]
  for r in results:
    lines.append(
        f'| {r["arm"]} | {r["seed"]} | trial {r["answer_trial"]} (trial '
        f'{r["old_trial"]}) | {"yes" if r["switched"] else "no"} | '
        f'{"/".join(map(str, r["confirm_seeds"]))} '
        f'({r["confirm_member_steps"] / r["search_member_steps"]:.0%}) | '
        + ' | '.join(_cell(r['judged'][n]) if n in r['judged'] else '—'
                     for n in names) + ' |')
  rho = [c for r in results for c in r['correlation']]
  if rho:
    lines += ['', f'Within-seed correlation of the confirmation (Spearman, '
              f'incumbent against each contender): median {np.median(rho):.2f}'
              f' over {len(rho)} pairs (min {min(rho):.2f}, max '
              f'{max(rho):.2f}).']
  return '\n'.join(lines) + '\n'


def simulated(runs: int) -> str:
  """Markdown: per seed budget and failure probability, the false-switch
  rate, the power to find a contender with half the median, and the mean
  seeds a setting trains."""
  lines = ['| seeds (first look, at most) | failed seeds | false switches | '
           'power (half the median) | seeds per setting |',
           '|---|---|---|---|---|']
  for first, most in DESIGNS:
    rule = decision.Rule(first=first, most=most)
    for fail in FAILURES:
      rng = np.random.default_rng([first, most, int(100 * fail)])
      same = decision.simulate(rng, runs, decision.lognormal(0.1, fail),
                               [decision.lognormal(0.1, fail)] * 2, rule)
      better = decision.simulate(rng, runs, decision.lognormal(0.1, fail),
                                 [decision.lognormal(0.05, fail),
                                  decision.lognormal(0.1, fail)], rule)
      lines.append(f'| {first}, {most} | {fail:.0%} | '
                   f'{same["switched"]:.1%} | {better["chosen"][0]:.1%} | '
                   f'{better["seeds"]:.1f} |')
  return '\n'.join(lines) + '\n'


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--out', required=True)
  parser.add_argument('--arms', default='default')
  parser.add_argument('--seeds', type=int, default=5)
  parser.add_argument('--held_out', type=int, default=8)
  parser.add_argument('--smoke', action='store_true',
                      help='the default arm once, tiny model, 2 held-out '
                      'seeds')
  parser.add_argument('--simulate', action='store_true',
                      help="the rule's false switches and power, without "
                      'training')
  parser.add_argument('--runs', type=int, default=4000,
                      help='simulated runs per case')
  args = parser.parse_args(argv)
  if args.simulate:
    text = simulated(args.runs)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'simulation.md'), 'w') as f:
      f.write(text)
    print(text)
    return text
  arms = args.arms.split(',')
  for arm in arms:
    if arm not in ARMS:
      raise ValueError(f'--arms: {arm!r} is not one of {list(ARMS)}')
  if args.smoke:
    arms, args.seeds, args.held_out = ['default'], 1, 2
  results = []
  path = os.path.join(args.out, 'answer_quality.json')
  for seed in range(args.seeds):
    for arm in arms:
      results.append(one_run(arm, seed, args))
      files.write_json(path, results)
  objective = arm_config(arms[0], 0, args.smoke).search.objective
  text = table(results, objective)
  with open(os.path.join(args.out, 'answer_quality.md'), 'w') as f:
    f.write(text)
  print(text)
  return results


if __name__ == '__main__':
  # As `jaxgan tune` does, before JAX starts: a population's members run on
  # every core.
  cli.one_device_per_core()
  main()
