"""Confirming a search's answer: the incumbent and the top settings
trained again with fresh seeds, and the answer decided from them.

A search's best trial is the best of many noisy draws, judged at the best of
many evaluations: its number is biased upward, and a GAN's quality moves
with its seed almost as much as with its settings. :func:`confirm` retrains
the incumbent (the config's own setting when the search trained it, with
``search.baseline``; else the warm start's answer, which such a search
trains first; else the search's best-ranked setting) and the
``search.confirm_top`` best settings (by their seeds' robust objective)
with the same seeds, none of which the search used, each to the step its
best trial was judged at, judged by the *final* evaluation. The rule of
:mod:`jaxgan.search.decision` compares each contender with the incumbent
seed by seed, adds seeds (``search.confirm_seeds`` first, up to
``search.confirm_max_seeds``) where the order is still open, and keeps the
incumbent unless a contender is shown better (``W/confirm.json``, the
report, the last lines of ``jaxgan tune``). ``W/best/`` then holds the
answer: its fresh numbers and the networks and samples of its typical seed
(the median of its first ``search.confirm_seeds``,
:meth:`jaxgan.search.results.Best.fresh`). Every confirmation's seeds are
observations of their settings: ``W/learned.json`` keeps them
(:func:`learn`), and a search extended later (``search.num_trials`` or its
budget raised) tells them to a method that learns from earlier trials,
after the trials they followed, on every resume. PBT's trials are points
of hyperparameter schedules, not settings to retrain, so a PBT search is
not confirmed.

Example:
  >>> done = confirm(context, store.trials, best.fresh)
  >>> done.chosen.values, done.answer.switched, done.rows[1].comparison.p
"""

import dataclasses
import os
from typing import Callable

import ml_collections
import numpy as np

from jaxgan import distributed, files, metrics, population
from jaxgan.search import members, results
from jaxgan.search.confirmed import (Answer, Confirmation, Confirmed,
                                     Fresh)
from jaxgan.search.decision import TEST, Rule, Sample, race
from jaxgan.search.history import History
from jaxgan.search.rounds import Context
from jaxgan.search.schedulers import Outcome, outcomes, warm_answer
from jaxgan.search.trial import Trial

# Where the confirmation goes, in the workdir, and what every confirmation
# learned (:func:`learn`).
FILE = 'confirm.json'
LEARNED = 'learned.json'
# Fresh seeds start here: far from the seeds a search trains (hparams.seed
# and the next search.seeds - 1) and from held-out checks' seeds.
SEED_OFFSET = 10_000


def rule(cfg: ml_collections.ConfigDict) -> Rule:
  """The decision rule of ``cfg.search``, its failure threshold
  minimised."""
  s = cfg.search
  threshold = None
  if str(s.failure).strip():
    threshold = metrics.sign(cfg, s.objective) * float(s.failure)
  return Rule(alpha=s.confirm_alpha, threshold=threshold,
              first=s.confirm_seeds,
              most=max(s.confirm_seeds, s.confirm_max_seeds))


def check(cfg: ml_collections.ConfigDict) -> None:
  """Checks the confirmation's fields of ``cfg.search``.

  Raises:
    ValueError: naming the field and its value.
  """
  s = cfg.search
  if not 0 < s.confirm_alpha <= 0.5:
    raise ValueError(f'search.confirm_alpha={s.confirm_alpha!r} must be in '
                     '(0, 0.5]')
  if s.confirm_top and s.confirm_max_seeds < s.confirm_seeds:
    raise ValueError(f'search.confirm_max_seeds={s.confirm_max_seeds} must '
                     f'be at least search.confirm_seeds={s.confirm_seeds}')
  if str(s.failure).strip():
    try:
      float(s.failure)
    except ValueError:
      raise ValueError(f'search.failure={s.failure!r} is not a number: give '
                       'the objective past which a seed counts as failed, '
                       "or '' for none") from None


def _incumbent(context: Context, ranked: list[Outcome]
               ) -> tuple[Outcome, str]:
  """The incumbent among the ranked settings, and what it is: the
  config's own setting, else the warm start's answer, when the search
  trained it; else the best-ranked."""
  cfg, space = context.cfg, context.space
  # Only the main process may see the workdir.
  warm = distributed.broadcast_json(
      warm_answer(context.workdir) if context.main else None)
  for point, kind in (
      (space.baseline(cfg) if cfg.search.baseline else None, 'baseline'),
      (None if warm is None else space.point(warm), 'warm start')):
    for o in ranked:
      if point is not None and space.point(o.setting) == point:
        return o, kind
  return ranked[0], 'search'


def confirm(context: Context, trials: list[Trial],
            offer: Callable[[Fresh], None]) -> Confirmation | None:
  """Decides the search's answer with fresh seeds (see the module
  docstring).

  Args:
    context: the search's config, space, mesh and population builder.
    trials: the stored trials.
    offer: called with the answer's typical seed
      (:meth:`results.Best.fresh`).

  Returns:
    The rows (the incumbent first, then the contenders in the search's
    order) and the answer; None when no setting has a finite objective.
  """
  cfg, space = context.cfg, context.space
  s = cfg.search
  ranked = sorted((o for o in outcomes(trials, s.seed_statistic)
                   if np.isfinite(o.value) and space.contains(o.setting)),
                  key=lambda o: (o.value, o.ids[0]))
  if not ranked or not s.confirm_top:
    return None
  incumbent, kind = _incumbent(context, ranked)
  chosen = [incumbent] + [o for o in ranked if o is not incumbent][
      :s.confirm_top]
  best = [min(o.trials, key=lambda t: t.value) for o in chosen]
  sign = -1.0 if best[0].direction == 'max' else 1.0
  rows = [Confirmed(setting=o.setting, trial=t.id, search=sign * o.value,
                    baseline=kind == 'baseline' and k == 0,
                    steps=max(t.best_step, 1), seeds=())
          for k, (o, t) in enumerate(zip(chosen, best))]
  the_rule = rule(cfg)
  first = {}

  def draw(settings, start, stop):
    seeds = tuple(SEED_OFFSET + cfg.hparams.seed + i
                  for i in range(start, stop))
    for r in settings:
      rows[r] = dataclasses.replace(rows[r], seeds=rows[r].seeds + seeds)
    trained = _train(context, [rows[r] for r in settings])
    for r, (row, finals) in zip(settings, trained):
      rows[r] = row
      if start == 0:
        first[r] = finals
    fresh = [rows[r].sample(sign) for r in settings]
    return [Sample(f.values[start:], f.failed[start:]) for f in fresh]

  decision, _ = race(draw, len(rows) - 1, the_rule)
  rows = [rows[0]] + [dataclasses.replace(row, comparison=c)
                      for row, c in zip(rows[1:], decision.comparisons)]
  answer_row = 0 if decision.chosen is None else decision.chosen + 1
  typical = rows[answer_row].typical(the_rule.first)
  answer = Answer(incumbent=0, chosen=answer_row, rule=the_rule,
                  seed=(None if typical is None
                        else rows[answer_row].seeds[typical]),
                  incumbent_kind=kind, direction=best[0].direction)
  done = Confirmation(len(trials), tuple(rows), answer)
  if typical is not None:
    m, j, samples = first[answer_row][typical]
    offer(Fresh(best[answer_row], done, m, j, samples))
  return done


def observations(done: Confirmation, trials: list[Trial]) -> list[Trial]:
  """The confirmation's seeds as trials of their settings: each the
  setting's best trial with that seed, trained to the row's step, its final
  evaluation as its metrics and objective (None where it failed), and
  none of the best trial's curves, in row and seed order, with negative
  ids that keep it."""
  by_id = {t.id: t for t in trials}
  seeds = [(row, k) for row in done.rows for k in range(len(row.values))]
  out = []
  for n, (row, k) in enumerate(seeds):
    out.append(dataclasses.replace(
        by_id[row.trial], id=n - len(seeds), group=None,
        objective=None if row.failed[k] else row.values[k],
        metrics=dict(row.seed_metrics[k]) if k < len(row.seed_metrics)
        else {}, best_step=row.steps, steps=row.steps, curves={},
        evaluations={}, flags={},
        hparams=dict(by_id[row.trial].hparams, seed=row.seeds[k])))
  return out


def learn(workdir: str, done: Confirmation, trials: list[Trial]) -> None:
  """Adds ``done``'s seeds to ``W/learned.json`` (once per confirmation),
  where a search extended later reads them (:func:`learned`)."""
  path = os.path.join(workdir, LEARNED)
  blocks = files.read_json(path) if os.path.exists(path) else []
  if any(b['stored'] == done.trials for b in blocks):
    return
  blocks.append(dict(stored=done.trials, trials=[
      t.to_json() for t in observations(done, trials)]))
  files.write_json(path, blocks)


def learned(workdir: str) -> list[tuple[int, list[Trial]]]:
  """What the confirmations of the search in ``workdir`` learned:
  ``(trials stored, their seeds as trials)`` per confirmation (see
  :meth:`jaxgan.search.schedulers.Scheduler.resume`)."""
  path = os.path.join(workdir, LEARNED)
  if not os.path.exists(path):
    return []
  return [(b['stored'], [Trial.from_json(t) for t in b['trials']])
          for b in files.read_json(path)]


def _train(context: Context, rows: list[Confirmed]
           ) -> list[tuple[Confirmed, list]]:
  """Trains the seeds of ``rows`` not yet measured.

  Returns:
    Per row, the row with their results and, per seed trained, ``(members
    at their final state, the seed's position among them, its
    samples)``.
  """
  cfg, space, mesh = context.cfg, context.space, context.mesh
  jobs = [(r, seed, row.steps) for r, row in enumerate(rows)
          for seed in row.seeds[len(row.values):]]
  objective = cfg.search.objective
  trained = [[] for _ in rows]
  for steps in sorted({steps for _, _, steps in jobs}):
    here = [(r, seed) for r, seed, s in jobs if s == steps]
    settings = [dict(space.setting(space.point(rows[r].setting)), seed=seed)
                for r, seed in here]
    for bucket in population.buckets(cfg, settings):
      n = len(bucket.indices)
      m = members.start(bucket, population.padded_size(n, mesh), mesh,
                        context.make_population)
      h = History.new(np.arange(n), [None] * n)
      m, h = members.train_to(m, h, steps, objective)
      # Judged by the final evaluation: the final state is the one kept.
      final = m._replace(best_state=m.state)
      diverged = members.diverged(m, n)
      samples = members.best_samples(final, results.sample_count(cfg), n)
      for j, i in enumerate(bucket.indices):
        last = {k: float(v[j, -1]) for k, v in h.evaluations.items()
                if k != 'step'}
        trained[here[i][0]].append((here[i][1], last, bool(diverged[j]),
                                    (final, j, samples[j])))
  out = []
  for row, seeds in zip(rows, trained):
    seeds = sorted(seeds, key=lambda x: row.seeds.index(x[0]))
    out.append((row.measured([q for _, q, _, _ in seeds],
                             [d for _, _, d, _ in seeds], objective),
                [f for _, _, _, f in seeds]))
  return out


def summary(done: Confirmation, objective: str) -> str:
  """The answer in one sentence: what was chosen, why, the statistic and
  its confidence, and the failure rates."""
  answer, inc, row = done.answer, done.incumbent, done.chosen
  r = answer.rule
  number = lambda v: 'none finite' if v is None else f'{v:.4g}'
  failures = lambda c: f'{sum(answer.failures(c))}/{len(c.values)} failed'
  test = f'{TEST}, alpha {r.alpha:g}'
  if answer.switched:
    c = row.comparison
    return (f'the setting of trial {row.trial}, shown better than the '
            f'incumbent ({answer.incumbent_name}, trial {inc.trial}) on the '
            f'same {c.seeds} fresh seeds: better on {c.wins} and in '
            f'{c.superiority:.0%} of seed pairs, p = {c.p:.2g} '
            f'≤ {c.level:.2g} ({test}); {objective} median '
            f'{number(answer.median(row))} against '
            f'{number(answer.median(inc))}; {failures(row)} against '
            f'{failures(inc)}')
  closest = min((c for c in done.rows[1:]), default=None,
                key=lambda c: c.comparison.p)
  return (f'the incumbent ({answer.incumbent_name}, trial {inc.trial}), '
          'kept: no contender was shown better on the same fresh seeds '
          f'({test}); '
          f'{objective} median {number(answer.median(inc))} over '
          f'{len(inc.values)} seeds, {failures(inc)}'
          + ('' if closest is None else
             f'; the closest, trial {closest.trial}: better on '
             f'{closest.comparison.wins} of {closest.comparison.seeds}, '
             f'p = {closest.comparison.p:.2g}'))
