"""``W/report.md`` and ``W/report.html``: what a search found, and why.

The report holds:

* the time spent, the member-steps trained and their rate;
* the best trial's metrics beside their floor (held-out real data) and
  ceiling (the untrained generator) where the data has them, its
  hyperparameters ready to paste into a config file, its samples and its
  training curves;
* a leaderboard of the top trials with their metrics and flags;
* the samples and curves of the top trials;
* the search plots: convergence, the objective's partial dependence and the
  evaluations (:mod:`jaxgan.search.plots`), and hyperparameter importance;
* every trial that diverged, exploded, collapsed or oscillated
  (:mod:`jaxgan.search.diagnostics`), with the reason.

Pictures go to ``W/report/`` as PNG (:mod:`~jaxgan.search.report.figures`);
``report.md`` links them and ``report.html`` inlines them, so it is one
self-contained file. This module builds the report's
:class:`~jaxgan.search.report.document.Document` from a search's files;
:mod:`~jaxgan.search.report.to_markdown` and
:mod:`~jaxgan.search.report.to_html` render it. ``jaxgan
tune`` writes both after every round; ``jaxgan report --workdir=W`` rebuilds
them from the workdir's files alone (config, trial store, reference and kept
samples), also while a search is still running there.
"""

import json
import os
from typing import NamedTuple

import ml_collections
import numpy as np

from jaxgan import config, metrics, validation
from jaxgan.files import atomic_write, read_json
from jaxgan.run import Reference
from jaxgan.search import confirm, decision, pareto, plots, stages, store
from jaxgan.search.shared import FILE as SHARED
from jaxgan.search.report import figures, to_html, to_markdown
from jaxgan.search.report.document import FIGURES, Document, number
from jaxgan.search.confirmed import Confirmation
from jaxgan.search.method import METHODS
from jaxgan.search.schedulers import outcomes
from jaxgan.search.monitor import duration
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# Trials shown in the leaderboard.
LEADERBOARD = 10


class Extras(NamedTuple):
  """What a workdir holds beside its trials, for the report.

  Attributes:
    paper: the best trial's paper-protocol record (``protocol`` in
      ``W/best/metrics.json``, :func:`jaxgan.evaluate.evaluate_best`).
    confirmed: ``W/confirm.json``
      (:class:`jaxgan.search.confirmed.Confirmation`).
    shared: a shared study's ``W/study.json``
      (:data:`jaxgan.search.shared.FILE`): its name, storage, workers and
      retrained trials.
  """
  paper: dict | None = None
  confirmed: Confirmation | None = None
  shared: dict | None = None


def _ranked(trials: list[Trial]) -> list[Trial]:
  """The trials with a finite objective, best first."""
  return sorted((t for t in trials if t.objective is not None),
                key=lambda t: (t.value, t.id))


def _document(cfg: ml_collections.ConfigDict, trials: list[Trial],
              reference: Reference | None, drawn: dict, more: Extras,
              space: Space | None) -> Document:
  s = cfg.search
  doc = Document()
  ranked = _ranked(trials)
  flagged = [t for t in trials if _flags(t)]
  diverged = [t.id for t in trials if t.diverged]
  seconds = sum(plots.round_seconds(trials).values())
  member_steps = max((t.budget for t in trials), default=0)
  doc.heading(1, f'Search report: {s.method} on {cfg.data.name}')
  better = ('lower' if metrics.direction(cfg, s.objective) == 'min'
            else 'higher')
  doc.text(f'Objective `{s.objective}` ({better} is better); {len(trials)} of '
           f'{s.num_trials} trials stored; {len(diverged)} diverged'
           + (f' ({", ".join(map(str, diverged))})' if diverged else '')
           + f'; {len(flagged)} flagged. Training took '
           f'{duration(seconds)} for {member_steps:,} member-steps '
           f'({member_steps / max(seconds, 1e-9):,.0f} member-steps/s).')
  _method(doc, cfg, space, more.shared)
  if s.get('budget'):
    elapsed = max((t.elapsed for t in trials), default=0.0)
    doc.text(f'Budget `{s.budget}`: {member_steps:,} member-steps and '
             f'{duration(elapsed)} of rounds spent.')
  if not ranked:
    doc.text('No trial has a finite objective yet.')
    _problems(doc, flagged)
    return doc
  best = ranked[0]
  done = more.confirmed
  fresh = done.chosen if done is not None else None
  if fresh is not None:
    best = next((t for t in trials if t.id == fresh.trial), best)
    doc.heading(2, f'Best: the setting of trial {best.id}')
    doc.text(f'The answer: {confirm.summary(done, s.objective)}. Trained '
             f'again with {len(fresh.seeds)} fresh seeds to step '
             f'{fresh.steps}: {s.objective} mean {number(fresh.mean)} ± '
             f'{number(fresh.std)} at their final evaluation '
             f'({number(fresh.search)} in the search, the best of its '
             'evaluations). The numbers below are the fresh seeds\' means; '
             '`best/` holds the networks and samples of its typical seed '
             f'({done.answer.seed}: the median of its first '
             f'{done.answer.rule.first}).')
    shown = fresh.metrics
  else:
    doc.heading(2, f'Best: trial {best.id}')
    doc.text(f'Evaluated at step {best.best_step} of {best.steps}.')
    shown = best.metrics
  if reference is not None:
    doc.table(['metric', 'floor (held-out real data)', 'tuned',
               'untrained G'],
              [[k, reference.floor[k], v, reference.untrained[k]]
               for k, v in sorted(shown.items())])
    doc.text(f'Floor and tuned values use {reference.samples} samples '
             'each.')
    if reference.protocol:
      p = reference.protocol
      space = (f'in the `{p["network"]}` feature space'
               + (f' (resize `{p["resize"]}`)' if 'resize' in p else '')
               + ' ') if 'network' in p else ''
      doc.text(f'Measured {space}against the {p["reference"]}; the floor is '
               f'the {p["floor"]}.'
               + (' Only the paper protocol below is comparable with '
                  'published numbers.' if 'network' in p else ''))
  else:
    doc.table(['metric', 'tuned'], [[k, v] for k, v in sorted(shown.items())])
  paper = more.paper
  _paper_protocol(doc, paper if paper and paper['trial'] == best.id
                  else None, images=reference is not None)
  pasted = ', '.join(f'{k}={float(f"{v:.6g}")!r}' if isinstance(v, float)
                     else f'{k}={v!r}'
                     for k, v in sorted(best.hparams.items()))
  doc.text('Its hyperparameters, for a config file:')
  doc.code('\n'.join([f'cfg.hparams.update({pasted})']
                     + [f'cfg.{k} = {v!r}'
                        for k, v in sorted(best.bucket.items())]))
  doc.heading(2, 'Leaderboard')
  names = list(best.setting)
  metric_names = sorted(set(best.metrics) - {s.objective})
  doc.text(f'Every trial with a finite objective, best first: report.md '
           f'shows the top {LEADERBOARD}, report.html all of them, sortable '
           'by any column.')
  doc.table(['rank', 'trial', s.objective] + metric_names + names
            + ['steps', 'flags'],
            [[i + 1, t.id, t.objective]
             + [t.metrics.get(k) for k in metric_names]
             + [t.setting.get(k) for k in names]
             + [t.steps, ', '.join(_flags(t))]
             for i, t in enumerate(ranked)], limit=LEADERBOARD)
  _seeds(doc, cfg, trials)
  _pareto(doc, cfg, trials, drawn)
  _confirmed(doc, cfg, more.confirmed)
  doc.heading(2, f'Samples and training curves of the top {figures.PICTURED}')
  doc.pictures([(name, f'trial {i}') for i, name in
                drawn.get('samples', {}).items()], small=True)
  if 'codes' in drawn:
    doc.pictures([(drawn['codes'], 'the best trial\'s categorical code: one '
                   'row per code value, one column per latent shared by '
                   'every row')])
  if 'curves' in drawn:
    doc.pictures([(drawn['curves'], 'losses and gradient norms (window '
                   f'means), and {s.objective} at every evaluation')])
  doc.heading(2, 'The search')
  doc.pictures([(drawn[k], caption) for k, caption in (
      ('convergence', 'best objective against trials and wall time'),
      ('parallel', 'parallel coordinates: every trial\'s setting, coloured '
       'by its objective'),
      ('partial_dependence', 'partial dependence (GP fitted to every trial)'),
      ('evaluations', 'evaluations: where the search sampled'))
                if k in drawn])
  if 'importance' in drawn:
    weights = drawn['importance']
    doc.text('Importance: the increase of a random forest\'s error (fitted '
             'to every trial\'s objective) when one hyperparameter\'s values '
             'are shuffled across trials, normalised to sum to 1.')
    doc.table(['hyperparameter', 'importance'],
              [[k, weights[k]] for k in sorted(weights, key=weights.get,
                                               reverse=True)])
    doc.pictures([(drawn['importance_png'], 'hyperparameter importance')])
  elif 'partial_dependence' not in drawn:
    doc.text('Too few trials for the search plots yet.')
  _problems(doc, flagged)
  return doc


# What each paper-protocol number is computed from (path lengths: the
# feature space in their name).
_PAPER_SPACES = {
    **dict.fromkeys(('fid', 'kid', 'kid_std'), 'Inception pool features'),
    **dict.fromkeys(('precision', 'recall'),
                    'Inception pool features (the paper: VGG16)'),
    **dict.fromkeys(('inception_score', 'inception_score_std'),
                    'Inception logits without fc bias, 10 splits'),
}


def _paper_protocol(doc: Document, paper: dict | None, images: bool) -> None:
  """The best trial's numbers from ``jaxgan evaluate``, with what they were
  measured with."""
  if paper is None:
    if images:
      doc.text('`jaxgan evaluate --workdir=W` measures this trial by the '
               'paper protocol (Inception FID, IS, KID on 50,000 samples).')
    return
  doc.heading(3, 'Paper protocol')
  doc.text(f'`{paper["network"]}` ({paper["weights"]}), resize '
           f'`{paper["resize"]}`, {paper["n"]:,} generated images against the '
           f'{paper["reference"]}; took {duration(paper["seconds"])}. FID, IS '
           'and KID compare with papers that use the same network, resize, '
           'sample count and reference; precision/recall and path length do '
           'not (other feature spaces than the papers\' VGG16 and LPIPS).')
  doc.table(['metric', 'value', 'measured on'],
            [[k, v, _PAPER_SPACES.get(k, f'{k[4:]} features')]
             for k, v in sorted(paper['metrics'].items())])
  if 'ppl' in paper:
    q = paper['ppl']
    doc.text(f'Path length: {q["n"]:,} pairs, ε = {q["epsilon"]:g}, '
             f'{q["latent"]}, squared distance of unit-normalised '
             f'{q["space"]} features / ε², between the 1st and 99th '
             'percentiles.')


def _method(doc: Document, cfg: ml_collections.ConfigDict,
            space: Space | None, shared: dict | None) -> None:
  """What the method is made of, where it has parts worth naming, and
  the workers that shared it."""
  method = METHODS.lookup(cfg.search.method)
  doc.text(f'`{cfg.search.method}`: {method.summary}.')
  if shared is None:
    for line in method.details(cfg):
      doc.text(line)
  else:
    retried, n = shared['retried'], shared['workers']
    doc.text(f'Study `{shared["study"]}` in `{shared["storage"]}`, its trials '
             f'trained by {n} worker{"s" if n != 1 else ""}; '
             + (f'trials {", ".join(map(str, retried))} were trained again '
                'after their worker was lost.' if retried else
                'no trial was lost with its worker.'))
  conditional = [d for d in space.dimensions if d.condition] if space else []
  if conditional:
    doc.text('Searched only under a choice (blank where inactive): '
             + ', '.join(f'`{d.name}` where {d.condition[0]} is '
                         + ' or '.join(map(str, d.condition[1]))
                         for d in conditional) + '.')


def _seeds(doc: Document, cfg: ml_collections.ConfigDict,
           trials: list[Trial]) -> None:
  """The seed spread of the best settings, when they train several."""
  s = cfg.search
  if s.seeds < 2:
    return
  ranked = sorted(outcomes(trials, s.seed_statistic),
                  key=lambda o: (o.value, o.ids[0]))[:LEADERBOARD]
  doc.heading(2, f'Seeds: {s.seeds} per setting, told the '
              f'{s.seed_statistic}')
  rows = []
  for o in ranked:
    v = np.asarray([t.value for t in o.trials])
    finite = v[np.isfinite(v)]
    rows.append([o.ids[0], o.value, float(finite.std()) if len(finite)
                 else None, ', '.join(number(x) for x in v)])
  doc.table(['setting (first trial)', s.seed_statistic, 'std over seeds',
             'each seed'], rows)


def _pareto(doc: Document, cfg: ml_collections.ConfigDict, trials: list[Trial],
            drawn: dict) -> None:
  study = pareto.study(cfg, trials)
  if len(study['objectives']) < 2:
    return
  names = [n for n, _ in study['objectives']]
  doc.heading(2, 'Pareto front')
  doc.text('Trials that no other trial beats in every objective ('
           + ', '.join(f'`{n}` {d}imised' for n, d in study['objectives'])
           + '), each judged at the best evaluation of the first.')
  doc.table(['trial'] + names, [[r['trial']] + [r[n] for n in names]
                                for r in study['front']])
  if 'pareto' in drawn:
    doc.pictures([(drawn['pareto'], 'the first two objectives of every '
                   'trial; the front joined')])


def _confirmed(doc: Document, cfg: ml_collections.ConfigDict,
               done: Confirmation | None) -> None:
  if done is None or done.answer is None:
    return
  s, a = cfg.search, done.answer
  r = a.rule
  doc.heading(2, 'Confirmed with fresh seeds')
  doc.text(
      f'The incumbent ({a.incumbent_name}) and the top settings trained '
      f'again with seeds the search did not use ({r.first} each, up to '
      f'{r.most} where a contender\'s order with the incumbent was still '
      'open), each to the step its best trial was judged at, and judged by '
      'that final evaluation. Each contender is compared with the incumbent '
      f'on the same seeds by an {decision.TEST}, with a false-switch rate '
      f'of at most {r.alpha:g} over both looks; the incumbent is kept '
      'unless a contender is shown better. A seed fails when it diverges or '
      'has no finite objective'
      + ('' if r.threshold is None else
         f', or is worse than {s.objective} {a.sign * r.threshold:g}')
      + '.')
  failures = [a.failures(row) for row in done.rows]
  rows = []
  for k, (row, failed) in enumerate(zip(done.rows, failures)):
    c = row.comparison
    rows.append([
        f'{row.trial} (incumbent)' if k == a.incumbent else row.trial,
        row.search, a.median(row), row.mean, row.std,
        f'{sum(failed)}/{len(failed)}',
        '' if c is None else f'{c.wins}/{c.seeds}',
        None if c is None else c.superiority,
        None if c is None else c.p, None if c is None else c.level,
        'answer' if k == a.chosen else (
            '' if c is None else 'not shown better')])
  doc.table(['trial', f'{s.objective} in the search', 'fresh median',
             'mean', 'std', 'failed', 'seeds better than the incumbent',
             "pairs of seeds better than the incumbent's", 'p', 'Holm level',
             ''], rows)
  seeds = max(done.rows, key=lambda row: len(row.seeds)).seeds
  doc.table(['seed'] + [f'trial {row.trial}' for row in done.rows],
            [[seed] + [
                ('failed' if failed[i] else row.values[i])
                if i < len(row.values) else ''
                for row, failed in zip(done.rows, failures)]
             for i, seed in enumerate(seeds)])


def _flags(trial: Trial) -> list[str]:
  return sorted(trial.flags)


def _problems(doc: Document, flagged: list[Trial]) -> None:
  doc.heading(2, 'Diverged, exploding, collapsed or oscillating')
  if not flagged:
    doc.text('No trial was flagged.')
    return
  doc.table(['trial', 'objective', 'flag', 'reason'],
            [[t.id, t.objective, flag, t.flags[flag]]
             for t in flagged for flag in _flags(t)])


def markdown(cfg: ml_collections.ConfigDict, trials: list[Trial],
             reference: Reference | None, drawn: dict | None = None,
             more: Extras = Extras(), space: Space | None = None) -> str:
  """The report of a search of ``cfg`` whose stored trials are ``trials``.

  Args:
    cfg: the search's config.
    trials: the trial store's records.
    reference: :func:`jaxgan.run.reference_metrics` of ``cfg`` (None for
      the 2-D mixtures).
    drawn: the pictures drawn into ``W/report/`` (none by default).
    more: what the workdir holds beside its trials.
    space: the search space (for the search plots and conditional names).
  """
  cfg = validation.with_objective(cfg)
  return to_markdown.render(_document(cfg, trials, reference, drawn or {},
                                     more, space))


def write(workdir: str, cfg: ml_collections.ConfigDict, trials: list[Trial],
          reference: Reference | None, space: Space | None) -> None:
  """Draws the pictures and writes ``report.md`` and ``report.html`` into
  ``workdir``, each atomically; ``space`` is the search's (validated
  once, by the caller)."""
  cfg = validation.with_objective(cfg)
  ranked = _ranked(trials)
  drawn = figures.draw(workdir, cfg, trials, ranked, space)
  doc = _document(cfg, trials, reference, drawn, extras(workdir), space)
  _save(workdir, doc, f'jaxgan: {cfg.search.method} on {cfg.data.name}')


def _save(workdir: str, doc: Document, title: str) -> None:
  """Writes ``doc`` as ``W/report.md`` and ``W/report.html``, each
  atomically."""
  for name, text in (
      ('report.md', to_markdown.render(doc)),
      ('report.html', to_html.render(doc, os.path.join(workdir, FIGURES),
                                     title))):
    def save(tmp, text=text):
      with open(tmp, 'w') as f:
        f.write(text)
    atomic_write(os.path.join(workdir, name), save)


def extras(workdir: str) -> Extras:
  """The :class:`Extras` of ``workdir`` (None where a file is missing)."""
  best = os.path.join(workdir, 'best', 'metrics.json')
  confirmed = os.path.join(workdir, confirm.FILE)
  shared = os.path.join(workdir, SHARED)
  return Extras(
      paper=read_json(best).get('protocol') if os.path.exists(best) else None,
      confirmed=(Confirmation.from_json(read_json(confirmed))
                 if os.path.exists(confirmed) else None),
      shared=read_json(shared) if os.path.exists(shared) else None)


def write_stages(workdir: str, cfg: ml_collections.ConfigDict,
                 rows: list[stages.Result]) -> None:
  """Writes ``W/report.md`` and ``W/report.html`` of a staged search: each
  stage's best, with a link to the stage's own report."""
  cfg = validation.with_objective(cfg)
  doc = Document()
  doc.heading(1, f'Staged search on {cfg.data.name}')
  better = ('lower' if metrics.direction(cfg, cfg.search.objective) == 'min'
            else 'higher')
  doc.text(f'Objective `{cfg.search.objective}` ({better} is better). Each '
           'stage fixes what it does not search at the best trial of the '
           'stage before it.')
  doc.table(['stage', 'trials', 'best trial', cfg.search.objective,
             'its setting', 'report'],
            [[r.stage, r.trials, r.trial, r.objective,
              ', '.join(f'{k}={number(v)}' for k, v in sorted(
                  r.setting.items())),
              os.path.relpath(os.path.join(r.workdir, 'report.md'),
                              workdir)] for r in rows])
  os.makedirs(os.path.join(workdir, FIGURES), exist_ok=True)
  _save(workdir, doc, f'jaxgan: stages on {cfg.data.name}')


def rebuild(workdir: str) -> str:
  """Rewrites ``workdir``'s report from ``config.json``, ``trials.jsonl``,
  ``reference.json`` and ``samples/`` (a staged search's from
  ``stages.json``), changing nothing else.

  Returns:
    The HTML report's path.

  Raises:
    FileNotFoundError: ``workdir`` holds no search.
  """
  config_path = os.path.join(workdir, 'config.json')
  if not os.path.exists(config_path):
    raise FileNotFoundError(f'--workdir={workdir!r} holds no search: it has '
                            'no config.json')
  cfg = ml_collections.ConfigDict(config.with_defaults(read_json(config_path)))
  reference_path = os.path.join(workdir, 'reference.json')
  reference = None
  if os.path.exists(reference_path):
    with open(reference_path) as f:
      reference = Reference.from_json(json.load(f))
  stages_path = os.path.join(workdir, 'stages.json')
  if cfg.search.stages:
    if os.path.exists(stages_path):
      write_stages(workdir, cfg, [stages.Result.from_json(row)
                                  for row in read_json(stages_path)])
  else:
    write(workdir, cfg, store.read(workdir), reference,
          Space.from_config(cfg))
  return os.path.join(workdir, 'report.html')
