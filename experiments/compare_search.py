"""Compares jaxgan's searches with Optuna's TPE run one trial at a time, at
equal wall time (or at equal member-steps).

Every arm searches the space of ``--config`` (by default the cold start,
``experiments/configs/cold_start.py``: a newcomer's recipe, no baseline
trial) for the same ``--budget``, once per search seed; the seeds are
interleaved (seed 0 of every arm, then seed 1, ...), so a machine's slow
spell falls on every arm. A seed changes both the arm's choices and the
GANs' initialisation. The budget is ``seconds:S`` (the default, ``S``
seconds of wall time: what a user waits for) or ``member_steps:N``
(``N`` training steps summed over members, which ignores how fast each arm
trains but comes out the same on any machine, however busy). The arms:

* a jaxgan method (``optuna-tpe``, ``bayes``, ``random``, ``grid``,
  ``hyperband``, ``halving``, ``pbt``), ``METHOD@P`` with a population of
  ``P`` a round (without ``@P``, the config's: by default ``'auto'``, one
  member per device on CPU): :func:`jaxgan.search.tune` with
  ``search.budget`` set to the budget, then the config's confirmation (outside the budget, as a
  user runs it), whose choice is the arm's answer (a method without one:
  its best setting within the budget).
  ``halving`` (one bracket) and ``pbt`` (one population) are sized to fill
  it: from the member-steps per second the seed's earlier jaxgan arms
  trained for ``seconds:S``, directly for ``member_steps:N``; the others ask
  round after round until the budget is spent;
* ``sequential-tpe``: what a user would write without jaxgan, an Optuna
  study with its default TPE sampler asking one trial at a time, each
  trained by jaxgan's single-run trainer (compiled once; the clock includes
  the compilation), judged like a population's member by its best
  evaluation. With ``member_steps:N`` it starts a trial only while the
  trial fits in what is left.

Each arm's search is shown by the settings it tried, as it saw them: a
trial, or with ``search.seeds`` a setting's seeds as one whose objective is
their mean (the sequential arm trains one seed per trial, as a user would).
A setting counts if it was stored within the budget (a round that ends
after ``S`` seconds is wasted). Selection among many noisy settings flatters
the arm that tries more, so each arm is judged by its answer trained again
with ``--held_out`` seeds that neither the search nor the confirmation saw
(:mod:`jaxgan.search.held_out`, the judgement of
``experiments/answer_quality.py``): the median objective over them (a
failed seed counted worst), failures, and the median high quality and
modes.

Writes, under ``--out``: one workdir per (arm, seed) under ``runs/``,
``compare.json`` (per run: best objective against the budget spent, its
best setting, settings tried and budget per setting, its answer and the
held-out judgement), ``compare.csv`` (one row per arm, seed and fraction of
the budget), ``compare.md`` (the table) and ``compare.png``. Rerunning the script resumes the jaxgan arms and reads
back finished sequential arms, so ``--seeds`` can grow.

  python experiments/compare_search.py --out=/tmp/compare --budget=seconds:450 \
      --seeds=5 --methods=optuna-tpe@2,optuna-tpe@8,sequential-tpe,random

Like ``jaxgan tune``, it exposes every CPU core as a JAX device (unless
``JAX_NUM_CPU_DEVICES`` is set): the population runs on all of them, a single
run on one, as it would for a user.

``--smoke`` runs every arm once on a tiny model, for a budget of
:data:`SMOKE_MEMBER_STEPS` member-steps each.
"""

import argparse
import csv
import json
import math
import os
import time
from typing import NamedTuple

import jax
import ml_collections
import numpy as np

from jaxgan import (cli, config, files, hparams, metrics, plotting, run,
                    search, train, validation)
from jaxgan.search import confirm, held_out, sizing
from jaxgan.search.confirmed import Confirmation
from jaxgan.search.methods import optuna_samplers, population_based

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLD_START = os.path.join(ROOT, 'experiments', 'configs', 'cold_start.py')
METHODS = ('optuna-tpe', 'bayes', 'random', 'grid', 'hyperband', 'halving',
           'pbt', 'sequential-tpe')
SEQUENTIAL = 'sequential-tpe'
FRACTIONS = (0.25, 0.5, 1.0)
# Trials a budgeted search may ask for: more than any budget here reaches,
# so the budget is what stops it.
UNBOUNDED = 100_000
# The smoke run's budget per arm: a few rounds of its tiny model, whatever
# the machine's speed.
SMOKE_MEMBER_STEPS = 480


class Clock(NamedTuple):
  """What the arms' budget counts (``--budget``), and how much each gets.

  Attributes:
    unit: ``'seconds'`` (wall time since the arm's start) or
      ``'member_steps'`` (training steps summed over members).
    limit: the budget per arm, in ``unit``.
  """
  unit: str
  limit: float

  @classmethod
  def parse(cls, text: str) -> 'Clock':
    """Reads ``'seconds:S'`` or ``'member_steps:N'`` (as
    ``search.budget`` reads them).

    Raises:
      ValueError: naming ``--budget`` and the value.
    """
    try:
      budget = search.Budget.parse(text)
    except ValueError:
      budget = search.Budget()
    if budget == search.Budget():
      raise ValueError(f"--budget={text!r} is not valid; use 'seconds:S' or "
                       "'member_steps:N' with S, N > 0")
    if budget.seconds is not None:
      return cls('seconds', budget.seconds)
    return cls('member_steps', float(budget.member_steps))

  def __str__(self) -> str:
    if self.unit == 'seconds':
      return f'seconds:{self.limit:g}'
    return f'member_steps:{int(self.limit)}'

  @property
  def key(self) -> str:
    """The field of a stored setting that reads this clock: when it was
    stored, since the arm's start."""
    return 'elapsed' if self.unit == 'seconds' else 'budget'

  @property
  def noun(self) -> str:
    """What the budget is of, in the table's header."""
    return 'time' if self.unit == 'seconds' else 'member-steps'

  def counts(self, setting: dict) -> bool:
    """Whether ``setting`` was stored within the budget."""
    return setting[self.key] <= self.limit

  def allows(self, seconds: float, member_steps: int, cost: int) -> bool:
    """Whether an arm that has spent ``seconds`` and ``member_steps`` may
    start a trial of ``cost`` member-steps."""
    if self.unit == 'seconds':
      return seconds < self.limit
    return member_steps + cost <= self.limit


def base_config(path: str, smoke: bool = False):
  """The config at ``path`` (a tiny model that trains in seconds with
  ``smoke``), with its objective filled in."""
  cfg = config.load(path)
  if smoke:
    cfg.model.update(width=16, depth=2)
    cfg.train.update(num_steps=40, batch_size=16, chunk_steps=10,
                     eval_samples=200)
    cfg.search.update(population=2, initial_points=2, min_steps=10,
                      confirm_top=1, confirm_seeds=2, confirm_max_seeds=2)
  return validation.with_objective(cfg)


def arm_method(arm: str) -> tuple[str, int | None]:
  """An arm's method and population (``METHOD@P``; None: the config's).

  Raises:
    ValueError: naming ``--methods`` and the arm.
  """
  method, _, size = arm.partition('@')
  if method not in METHODS or (size and not (
      size.isdigit() and int(size) > 0 and method != SEQUENTIAL)):
    raise ValueError(f'--methods: {arm!r} is not one of {list(METHODS)}, '
                     'or a jaxgan method with @P, a population of P > 0')
  return method, int(size) if size else None


def method_config(cfg, method: str, seed: int, clock: Clock,
                  budget: float, size: int | None = None):
  """``cfg`` for one jaxgan arm: a search within ``clock``'s budget, then
  the config's confirmation.

  Args:
    cfg: the base config.
    method: a jaxgan search method.
    seed: the search seed (and the GANs' first seed).
    clock: the arm's budget.
    budget: the member-steps it trains, to size ``halving``'s bracket and
      ``pbt``'s training length.
    size: the population a round (None: the config's).
  """
  fields = cfg.to_dict()
  if size is not None:   # an integer, where the config may say 'auto'
    fields['search']['population'] = size
  cfg = ml_collections.ConfigDict(fields)
  cfg.hparams.seed = seed
  cfg.search.update(method=method, seed=seed, baseline=False,
                    num_trials=UNBOUNDED, budget=str(clock))
  s, steps = cfg.search, cfg.train.num_steps
  if method in ('halving', 'pbt') and s.population == sizing.AUTO:
    # Sized by the budget below, from PBT's least population.
    s.population = population_based.LINEAGES
  if method == 'halving':
    rungs = search.rung_steps(steps, cfg.train.chunk_steps, s.eta, s.rungs)
    s.num_trials = max([n for n in range(s.population, 64 * s.population,
                                         s.seeds)
                        if halving_budget(n, rungs, s.eta) <= budget]
                       or [s.population])
  if method == 'pbt':
    # A PBT member is a lineage, not a seed of a setting.
    s.seeds = 1
    chunk = cfg.train.chunk_steps
    cfg.train.num_steps = max(2 * chunk, int(budget / s.population)
                              // chunk * chunk)
    s.pbt_interval = max(chunk, steps // 4 // chunk * chunk)
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


def jaxgan_arm(cfg, workdir: str, log) -> tuple[list[dict], tuple | None]:
  """Runs (or resumes) a jaxgan search and its confirmation; its settings
  (see :func:`settings`) and its confirmed answer, ``(setting, steps)``
  (None without a confirmation)."""
  search.tune(cfg, workdir, output=search.Output(log, (), quiet=True))
  with open(os.path.join(workdir, 'trials.jsonl')) as f:
    tried = settings([json.loads(line) for line in f])
  path = os.path.join(workdir, confirm.FILE)
  if not os.path.exists(path):
    return tried, None
  chosen = Confirmation.from_json(files.read_json(path)).chosen
  space = search.Space.from_config(cfg)
  return tried, (space.setting(space.point(chosen.setting)), chosen.steps)


def settings(trials: list[dict]) -> list[dict]:
  """Stored trials as settings, the way the search saw them: the seeds of
  a setting (``search.seeds``, one ``group``) as one record whose objective
  and metrics are their means (None if any seed has no objective), stored
  when its last seed was, with the group's id and ``budget``."""
  groups = {}
  for t in trials:
    groups.setdefault(t['id'] if t['group'] is None else t['group'],
                      []).append(t)
  out = []
  for ident, seeds in sorted(groups.items()):
    values = [t['objective'] for t in seeds]
    finite = all(v is not None and math.isfinite(v) for v in values)
    out.append(dict(
        id=ident, setting=seeds[0]['setting'],
        objective=float(np.mean(values)) if finite else None,
        metrics={k: float(np.mean([t['metrics'][k] for t in seeds]))
                 for k in seeds[0]['metrics']} if finite else None,
        elapsed=max(t['elapsed'] for t in seeds),
        budget=max(t['budget'] for t in seeds)))
  return out


def sequential_tpe(cfg, seed: int, clock: Clock, log) -> list[dict]:
  """Optuna's default TPE, one trial at a time, within ``clock``'s budget.

  Each trial trains ``cfg.train.num_steps`` steps with jaxgan's single-run
  trainer (jitted once; hyperparameters are arrays), evaluating after every
  ``cfg.train.chunk_steps`` and keeping its best evaluation, as a
  population's member does.

  Raises:
    ValueError: the space searches a static field, which a single compiled
      trainer cannot change.
  """
  import optuna
  space = search.Space.from_config(cfg)
  if space.static_names():
    raise ValueError(f'{SEQUENTIAL} trains one compiled program; the space '
                     f'searches static fields {space.static_names()}')
  objective = cfg.search.objective
  sign = metrics.sign(cfg, objective)
  init, chunk, evaluate = run.jitted(train.make_program(cfg))
  optuna.logging.set_verbosity(optuna.logging.WARNING)
  study = optuna.create_study(
      sampler=optuna.samplers.TPESampler(seed=seed))
  trials, start, spent = [], time.perf_counter(), 0
  while clock.allows(time.perf_counter() - start, spent,
                     cfg.train.num_steps):
    ask = study.ask()
    point = optuna_samplers.suggest(space, ask)
    values = {**dict(cfg.hparams), **space.setting(point),
              'seed': seed + len(trials)}
    hp = hparams.as_arrays(values)
    began = time.perf_counter()
    state = init(jax.random.key(0), hp)
    best, best_value, done = None, math.inf, 0
    while done < cfg.train.num_steps:
      n = min(cfg.train.chunk_steps, cfg.train.num_steps - done)
      state, _ = chunk(state, hp, n)
      done += n
      spent += n
      quality = {k: float(v) for k, v in
                 evaluate(state, cfg.train.eval_samples)[1].items()}
      value = sign * quality[objective]
      if bool(state.diverged):
        break
      if math.isfinite(value) and value < best_value:
        best, best_value = quality, value
    if best is None:
      study.tell(ask, state=optuna.trial.TrialState.FAIL)
    else:
      study.tell(ask, sign * best_value)
    trials.append(dict(
        id=len(trials), setting=space.labelled(point), metrics=best,
        objective=None if best is None else sign * best_value,
        seconds=time.perf_counter() - began,
        elapsed=time.perf_counter() - start, budget=spent))
    log(f'trial {len(trials) - 1}: {objective} '
        f'{trials[-1]["objective"]} in {trials[-1]["seconds"]:.1f}s')
  return trials


def curve(trials: list[dict], sign: float,
          key: str) -> tuple[list[float], list[float]]:
  """Best objective so far against the budget spent (the settings' ``key``,
  a :attr:`Clock.key`)."""
  spent, best, current = [], [], math.inf
  for t in sorted(trials, key=lambda t: (t[key], t['id'])):
    if t['objective'] is not None and math.isfinite(t['objective']):
      current = min(current, sign * t['objective'])
    spent.append(t[key])
    best.append(sign * current)
  return spent, best


def within(spent, best, limit) -> tuple[list[float], list[float]]:
  """The points of a best-so-far curve up to ``limit`` spent."""
  kept = [(s, b) for s, b in zip(spent, best) if s <= limit]
  return [s for s, _ in kept], [b for _, b in kept]


def at(spent, best, limit) -> float:
  """The best objective reached within ``limit`` spent (inf before any)."""
  values = within(spent, best, limit)[1]
  return values[-1] if values else math.inf


def best_setting(trials: list[dict], clock: Clock, sign: float) -> dict:
  """The setting with the best objective among those stored within the
  budget."""
  done = [t for t in trials if clock.counts(t)
          and t['objective'] is not None and math.isfinite(t['objective'])]
  if not done:
    raise RuntimeError(f'no setting finished within {clock}; give the arms '
                       'more --budget')
  return min(done, key=lambda t: sign * t['objective'])


def _number(value: float) -> str:
  """Three decimals, or '—' where no trial had finished yet."""
  return f'{value:.3f}' if math.isfinite(value) else '—'


def _spread(values) -> str:
  """Median (min–max)."""
  if not all(math.isfinite(v) for v in values):
    return '—'
  return (f'{_number(float(np.median(values)))} ({_number(min(values))}–'
          f'{_number(max(values))})')


def table(results: dict, clock: Clock, objective: str) -> str:
  """Markdown: per arm, the best objective at fractions of the budget, the
  best trial's modes and high quality, settings tried, the budget per
  setting, and its answer on held-out seeds (the median objective, failed
  seeds, the median high quality and modes), each median (min–max) over
  search seeds."""
  per = 's' if clock.unit == 'seconds' else 'member-steps'
  header = (['arm'] + [f'best at {f:.0%} of the {clock.noun}'
                       for f in FRACTIONS]
            + ['modes', 'high quality', 'settings', f'{per} per setting',
               f'held-out {objective}', 'held-out failures',
               'held-out high quality', 'held-out modes', 'seeds'])
  lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
  for arm, runs in results.items():
    cells = [_spread([at(r['spent'], r['best'], f * clock.limit)
                      for r in runs]) for f in FRACTIONS]
    best = [r['best_setting']['metrics'] for r in runs]
    modes = [b['modes'] for b in best]
    hq = [b['high_quality'] for b in best]
    cells += [f'{np.median(modes):.0f} ({min(modes):.0f}–{max(modes):.0f})',
              f'{np.median(hq):.1%} ({min(hq):.1%}–{max(hq):.1%})',
              _spread([float(r['settings']) for r in runs]).replace('.000', ''),
              _spread([r['per_setting'] for r in runs])]
    judged = [r['held_out'] for r in runs]
    middle = lambda name: _spread([math.inf if j[name] is None else j[name]
                                   for j in judged])
    cells += [middle('median'),
              ', '.join(f'{sum(j["failed"])}/{len(j["failed"])}'
                        for j in judged),
              middle('high_quality'), middle('modes')]
    lines.append(f'| {arm} | ' + ' | '.join(cells) + f' | {len(runs)} |')
  return '\n'.join(lines)


def write_csv(path: str, results: dict, clock: Clock) -> None:
  """One row per arm, seed and fraction of the budget: the best objective
  by then (empty where no trial had finished)."""
  with open(path, 'w', newline='') as f:
    writer = csv.writer(f)
    writer.writerow(['arm', 'seed', 'fraction', clock.unit,
                     'best_objective'])
    for arm, runs in results.items():
      for r in runs:
        for fraction in FRACTIONS:
          value = at(r['spent'], r['best'], fraction * clock.limit)
          writer.writerow([arm, r['seed'], fraction, fraction * clock.limit,
                           value if math.isfinite(value) else ''])


def throughput(runs: list[list[dict]]) -> float:
  """Member-steps per second over the trials of earlier jaxgan arms."""
  steps = sum(max(t['budget'] for t in trials) for trials in runs)
  seconds = sum(max(t['elapsed'] for t in trials) for trials in runs)
  return steps / seconds


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--out', required=True)
  parser.add_argument('--config', default=COLD_START)
  parser.add_argument('--methods', default=','.join(METHODS))
  parser.add_argument('--seeds', type=int, default=3)
  parser.add_argument('--budget', default='seconds:300',
                      help="each arm's budget: 'seconds:S' of wall time or "
                      "'member_steps:N' of training")
  parser.add_argument('--held_out', type=int, default=8,
                      help="held-out seeds that judge each arm's answer")
  parser.add_argument('--smoke', action='store_true',
                      help='one seed of a few rounds each, tiny model')
  args = parser.parse_args(argv)
  if args.smoke:
    args.seeds, args.held_out = 1, 2
    args.budget = f'member_steps:{SMOKE_MEMBER_STEPS}'
  clock = Clock.parse(args.budget)
  base = base_config(args.config, args.smoke)
  objective = base.search.objective
  sign = metrics.sign(base, objective)
  methods = args.methods.split(',')
  kinds = {m: arm_method(m) for m in methods}
  jaxgan_methods = [kinds[m][0] for m in methods if m != SEQUENTIAL]
  if clock.unit == 'seconds' and {'halving', 'pbt'} & set(jaxgan_methods) \
      and not set(jaxgan_methods) - {'halving', 'pbt'}:
    raise ValueError('--methods: with a budget in seconds, halving and pbt '
                     'are sized from an earlier jaxgan arm; name one (e.g. '
                     'optuna-tpe) before them')
  space = search.Space.from_config(base)
  results = {m: [] for m in methods}
  for seed in range(args.seeds):
    seeded = ml_collections.ConfigDict(base.to_dict())
    seeded.hparams.seed = seed
    earlier = []
    for arm in methods:
      method, size = kinds[arm]
      workdir = os.path.join(args.out, 'runs', f'{arm}-{seed}')
      log = lambda line, m=arm: print(f'[{m} seed {seed}] {line}',
                                       flush=True)
      start = time.perf_counter()
      answer = None
      if method == SEQUENTIAL:
        done = os.path.join(workdir, 'trials.json')
        if os.path.exists(done):   # a finished arm, read back
          trials = files.read_json(done)
        else:
          trials = sequential_tpe(seeded, seed, clock, log)
          os.makedirs(workdir, exist_ok=True)
          files.write_json(done, trials)
      else:
        if clock.unit == 'member_steps':
          budget = clock.limit
        elif method in ('halving', 'pbt'):
          budget = throughput(earlier) * clock.limit
        else:
          budget = 0.0
        trials, answer = jaxgan_arm(
            method_config(base, method, seed, clock, budget, size), workdir,
            log)
        if method not in ('halving', 'pbt'):
          earlier.append(trials)
      wall = time.perf_counter() - start
      counted = [t for t in trials if clock.counts(t)]
      best = best_setting(trials, clock, sign)
      if answer is None:
        answer = (space.setting(space.point(best['setting'])),
                  base.train.num_steps)
      rows = held_out.train(seeded, {'answer': answer}, args.held_out,
                            os.path.join(workdir, 'held_out'))['answer']
      judged = held_out.judge(rows, objective, sign)
      spent, best_so_far = curve(trials, sign, clock.key)
      results[arm].append(dict(
          seed=seed, spent=spent, best=best_so_far, best_setting=best,
          settings=len(counted), wall_seconds=wall,
          per_setting=clock.limit / max(len(counted), 1),
          answer=dict(setting=answer[0], steps=answer[1]),
          held_out=judged))
      median = judged['median']
      log(f'best {objective} {best["objective"]:.4g} (setting {best["id"]}, '
          f'{len(counted)} settings within {clock}); the answer on '
          f'{args.held_out} held-out seeds: median '
          + ('failed' if median is None else f'{median:.4g}')
          + f', {sum(judged["failed"])} failed')
  files.write_json(os.path.join(args.out, 'compare.json'),
                   dict(budget=str(clock), objective=objective,
                        results=results))
  write_csv(os.path.join(args.out, 'compare.csv'), results, clock)
  text = table(results, clock, objective)
  with open(os.path.join(args.out, 'compare.md'), 'w') as f:
    f.write(text + '\n')
  plotting.curves_png(
      os.path.join(args.out, 'compare.png'),
      {m: [within(r['spent'], r['best'], clock.limit) for r in runs]
       for m, runs in results.items()},
      xlabel=clock.unit.replace('_', '-'),
      ylabel=f'best {objective} so far',
      title=f'{os.path.basename(args.config)}, {args.seeds} seeds, '
            f'{clock} each')
  print(text)
  return results


if __name__ == '__main__':
  # As `jaxgan tune` does, before JAX starts: a population's members run on
  # every core; one run, on one device, runs on one.
  cli.one_device_per_core()
  main()
