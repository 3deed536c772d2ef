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

Pictures go to ``W/report/`` as PNG; ``report.md`` links them and
``report.html`` inlines them, so it is one self-contained file. ``jaxgan
tune`` writes both after every round; ``jaxgan report --workdir=W`` rebuilds
them from the workdir's files alone (config, trial store, reference and kept
samples), also while a search is still running there.
"""

import base64
import html
import json
import math
import os
import re
import shutil
from typing import NamedTuple

import ml_collections
import numpy as np

from jaxgan import config, data, metrics, validation
from jaxgan.run import Reference
from jaxgan.files import atomic_write, load_samples, read_json, samples_path
from jaxgan.search import confirm, pareto, plots, store
from jaxgan.search.confirmed import Confirmed
from jaxgan.search.method import METHODS
from jaxgan.search.schedulers import outcomes
from jaxgan.search.monitor import duration
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# Trials shown in the leaderboard, and those whose samples and curves are
# drawn.
LEADERBOARD = 10
PICTURED = 4
FIGURES = 'report'


class Extras(NamedTuple):
  """What a workdir holds beside its trials, for the report.

  Attributes:
    paper: the best trial's paper-protocol record (``protocol`` in
      ``W/best/metrics.json``, :func:`jaxgan.evaluate.evaluate_best`).
    confirmed: the rows of ``W/confirm.json``
      (:class:`jaxgan.search.confirmed.Confirmed`).
  """
  paper: dict | None = None
  confirmed: list | None = None


def _num(value) -> str:
  if isinstance(value, (bool, int)) or not isinstance(value, float):
    return '' if value is None else str(value)
  return f'{value:.4g}' if math.isfinite(value) else str(value)


class _Doc:
  """A report as blocks, rendered to markdown or HTML."""

  def __init__(self):
    self.blocks = []

  def heading(self, level: int, text: str):
    self.blocks.append(('heading', level, text))

  def text(self, text: str):
    self.blocks.append(('text', text))

  def table(self, header: list[str], rows: list[list],
            limit: int | None = None):
    """A table; markdown shows its first ``limit`` rows, HTML all of them,
    sortable by any column."""
    self.blocks.append(('table', header, rows, limit))

  def code(self, text: str):
    self.blocks.append(('code', text))

  def pictures(self, items: list[tuple[str, str]], small: bool = False):
    """``items``: ``(file name in W/report/, caption)``; ``small`` pictures
    sit four to a row in HTML."""
    if items:
      self.blocks.append(('pictures', items, small))

  def markdown(self) -> str:
    out = []
    for kind, *args in self.blocks:
      if kind == 'heading':
        out += ['#' * args[0] + ' ' + args[1], '']
      elif kind == 'text':
        out += [args[0], '']
      elif kind == 'table':
        header, rows, limit = args
        out += ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
        out += ['| ' + ' | '.join(map(_num, r)) + ' |'
                for r in rows[:limit]]
        if limit is not None and len(rows) > limit:
          out.append(f'\n{len(rows) - limit} more rows in report.html.')
        out.append('')
      elif kind == 'code':
        out += ['```python', args[0], '```', '']
      else:
        out += [f'![{caption}]({FIGURES}/{name})'
                for name, caption in args[0]]
        out.append('')
    return '\n'.join(out)

  def html(self, directory: str, title: str) -> str:
    """The page (:data:`TEMPLATES`: ``report.html`` with its stylesheet and
    script inlined), its pictures read from ``directory`` and inlined."""
    import jinja2
    import markupsafe
    inline = lambda text: markupsafe.Markup(_inline(text))
    blocks, toc, anchors = [], [], set()
    for kind, *args in self.blocks:
      if kind == 'heading':
        anchor = re.sub(r'[^a-z0-9]+', '-', args[1].lower()).strip('-')
        if anchor in anchors:
          anchor = f'{anchor}-{len(anchors)}'
        anchors.add(anchor)
        blocks.append(dict(kind=kind, level=args[0], id=anchor,
                           html=inline(args[1])))
        if args[0] == 2:
          toc.append(dict(id=anchor, text=args[1].split(':')[0]))
      elif kind == 'text':
        blocks.append(dict(kind=kind, html=inline(args[0])))
      elif kind == 'table':
        header, rows, _ = args
        blocks.append(dict(kind=kind, header=header, rows=[
            [dict(html=inline(_num(v)), number=_sort_key(v)) for v in r]
            for r in rows]))
      elif kind == 'code':
        blocks.append(dict(kind=kind, text=args[0]))
      else:
        items = []
        for name, caption in args[0]:
          with open(os.path.join(directory, name), 'rb') as f:
            encoded = base64.b64encode(f.read()).decode('ascii')
          items.append(dict(data=encoded, caption=caption,
                            html=inline(caption)))
        blocks.append(dict(kind='pictures', figures=items, small=args[1]))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        trim_blocks=True, lstrip_blocks=True)
    read = lambda name: markupsafe.Markup(env.loader.get_source(env, name)[0])
    return env.get_template('report.html').render(
        title=title, blocks=blocks, toc=toc, style=read('report.css'),
        script=read('report.js'))


# The page's template, stylesheet and script.
TEMPLATES = os.path.join(os.path.dirname(__file__), 'templates')


def _sort_key(value) -> str | None:
  """A table cell's value for sorting: numbers (infinities included), or
  None to sort by the cell's text."""
  if isinstance(value, bool) or not isinstance(value, (int, float)):
    return None
  if math.isnan(value):
    return None
  return repr(float(value)).replace('inf', 'Infinity')


def _inline(text: str) -> str:
  return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))


def _figures(workdir: str, cfg, trials: list[Trial], ranked: list[Trial],
             space: Space | None) -> dict:
  """Draws the report's pictures into ``W/report/``; returns what was drawn
  (file names, and the importance weights)."""
  directory = os.path.join(workdir, FIGURES)
  os.makedirs(directory, exist_ok=True)
  s, drawn = cfg.search, {}

  def draw(name, fn, *args):
    atomic_write(os.path.join(directory, name),
                     lambda tmp: fn(tmp, *args))
    return name

  modes = data.landmarks(data.for_config(cfg))
  drawn['samples'] = {}
  for t in ranked[:PICTURED]:
    name = f'samples_trial_{t.id:04d}.png'
    kept = samples_path(workdir, t.id)
    if not os.path.exists(kept):
      continue
    drawn['samples'][t.id] = name
    if not _newer(os.path.join(directory, name), kept):
      draw(name, plots.samples_png, load_samples(workdir, t.id),
           modes, f'trial {t.id}: {s.objective} {t.objective:.4g}')
  codes = os.path.join(workdir, 'best', 'codes.png')
  if os.path.exists(codes):
    drawn['codes'] = 'codes.png'
    if not _newer(os.path.join(directory, 'codes.png'), codes):
      draw('codes.png', lambda tmp: shutil.copyfile(codes, tmp))
  pictured = [t for t in ranked[:PICTURED] if t.curves]
  if pictured:
    drawn['curves'] = draw('curves.png', plots.curves_png, pictured,
                           s.objective)
  if trials:
    drawn['convergence'] = draw('convergence.png', plots.convergence_png,
                                trials, s.objective,
                                _baseline(cfg, trials, space))
  study = pareto_front(cfg, trials)
  if len(study['objectives']) > 1 and study['front']:
    names = [n for n, _ in study['objectives']][:2]
    xy = np.asarray([[t.metrics.get(n, np.nan) for n in names]
                     for t in trials if t.objective is not None])
    ids = [t.id for t in trials if t.objective is not None]
    on = np.isin(ids, [r['trial'] for r in study['front']])
    drawn['pareto'] = draw('pareto.png', plots.pareto_png, xy[:, 0],
                           xy[:, 1], on, tuple(names))
  if space is not None:
    result = plots.fitted_result(space, trials, s.transform)
    if result is not None:
      label = (f'log {s.objective}' if s.transform == 'log' else s.objective)
      drawn['partial_dependence'] = draw(
          'partial_dependence.png', plots.partial_dependence_png, result,
          label)
      if len(space.names) > 1:  # one dimension: the points are shown above
        drawn['evaluations'] = draw('evaluations.png', plots.evaluations_png,
                                    result)
    if len(trials) >= 2:
      drawn['parallel'] = draw('parallel.png', plots.parallel_png, space,
                               trials, s.objective)
    weights = plots.importance(space, trials, s.transform)
    if weights is not None:
      drawn['importance'] = weights
      drawn['importance_png'] = draw('importance.png', plots.importance_png,
                                     weights)
  keep = {v for k, v in drawn.items() if isinstance(v, str)}
  keep |= set(drawn['samples'].values())
  for name in os.listdir(directory):
    if name.endswith('.png') and name not in keep:
      os.remove(os.path.join(directory, name))
  return drawn


def _baseline(cfg, trials: list[Trial], space: Space | None) -> frozenset:
  """The ids of the trials of the config's own setting, when the search
  trained it (``search.baseline``)."""
  point = space.baseline(cfg) if space is not None and \
      cfg.search.baseline else None
  if point is None:
    return frozenset()
  return frozenset(t.id for t in trials if space.contains(t.setting)
                   and space.point(t.setting) == point)


def _ranked(trials: list[Trial]) -> list[Trial]:
  """The trials with a finite objective, best first."""
  return sorted((t for t in trials if t.objective is not None),
                key=lambda t: (t.value, t.id))


def _newer(path: str, than: str) -> bool:
  """Whether ``path`` exists and was written after ``than``: a trial's
  samples never change, so its picture is drawn once."""
  return (os.path.exists(path)
          and os.path.getmtime(path) >= os.path.getmtime(than))


def _document(cfg: ml_collections.ConfigDict, trials: list[Trial],
              reference: Reference | None, drawn: dict, more: Extras,
              space: Space | None) -> _Doc:
  s = cfg.search
  doc = _Doc()
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
  _method(doc, cfg, space)
  if s.get('budget'):
    elapsed = max((t.elapsed for t in trials), default=0.0)
    doc.text(f'Budget `{s.budget}`: {member_steps:,} member-steps and '
             f'{duration(elapsed)} of rounds spent.')
  if not ranked:
    doc.text('No trial has a finite objective yet.')
    _problems(doc, flagged)
    return doc
  best = ranked[0]
  fresh = confirm.chosen(more.confirmed or [], best.direction)
  if fresh is not None:
    best = next((t for t in trials if t.id == fresh.trial), best)
    doc.heading(2, f'Best: the setting of trial {best.id}')
    doc.text(f'Trained again with {len(fresh.seeds)} fresh seeds to step '
             f'{fresh.steps}: {s.objective} {_num(fresh.mean)} ± '
             f'{_num(fresh.std)} at their final evaluation '
             f'({_num(fresh.search)} in the search, the best of its '
             'evaluations). The numbers below are the fresh seeds\' means; '
             '`best/` holds the networks and samples of their median seed.')
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
  doc.heading(2, f'Samples and training curves of the top {PICTURED}')
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


def _paper_protocol(doc: _Doc, paper: dict | None, images: bool) -> None:
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


def _method(doc: _Doc, cfg: ml_collections.ConfigDict,
            space: Space | None) -> None:
  """What the method is made of, where it has parts worth naming."""
  method = METHODS.lookup(cfg.search.method)
  doc.text(f'`{cfg.search.method}`: {method.summary}.')
  for line in method.details(cfg):
    doc.text(line)
  conditional = [d for d in space.dimensions if d.condition] if space else []
  if conditional:
    doc.text('Searched only under a choice (blank where inactive): '
             + ', '.join(f'`{d.name}` where {d.condition[0]} is '
                         + ' or '.join(map(str, d.condition[1]))
                         for d in conditional) + '.')


def _seeds(doc: _Doc, cfg: ml_collections.ConfigDict,
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
                 else None, ', '.join(_num(x) for x in v)])
  doc.table(['setting (first trial)', s.seed_statistic, 'std over seeds',
             'each seed'], rows)


def pareto_front(cfg: ml_collections.ConfigDict,
                 trials: list[Trial]) -> dict:
  """The study's objectives and the trials on its Pareto front
  (:mod:`jaxgan.search.pareto`), as ``W/pareto.json`` holds them."""
  objs = pareto.objectives(cfg)
  y = (np.stack([pareto.losses(t, objs) for t in trials]) if trials
       else np.zeros((0, len(objs))))
  return dict(objectives=objs, front=[
      dict(trial=trials[i].id, setting=trials[i].setting,
           **{n: trials[i].metrics[n] for n, _ in objs})
      for i in sorted(pareto.front(y), key=lambda i: y[i, 0])])


def _pareto(doc: _Doc, cfg: ml_collections.ConfigDict, trials: list[Trial],
            drawn: dict) -> None:
  study = pareto_front(cfg, trials)
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


def _confirmed(doc: _Doc, cfg: ml_collections.ConfigDict,
               rows: list | None) -> None:
  if not rows:
    return
  s = cfg.search
  doc.heading(2, 'Confirmed with fresh seeds')
  doc.text(f'The top settings trained again with {len(rows[0].seeds)} '
           'seeds the search did not use, each to the step its best trial '
           'was judged at, and judged by that final evaluation: an unbiased '
           'estimate, where the search\'s number is the best of many.'
           + (" The config's own setting (baseline) trained with the same "
              'seeds: the search beat it where a row above it has a better '
              'fresh mean.' if any(r.baseline for r in rows) else ''))
  doc.table(['trial', f'{s.objective} in the search',
             'fresh seeds: mean', 'std', 'diverged', 'steps'],
            [[f'{r.trial} (baseline)' if r.baseline else r.trial,
              r.search, r.mean, r.std, r.diverged, r.steps]
             for r in rows])


def _flags(trial: Trial) -> list[str]:
  return sorted(trial.flags)


def _problems(doc: _Doc, flagged: list[Trial]) -> None:
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
  return _document(cfg, trials, reference, drawn or {}, more,
                   space).markdown()


def write(workdir: str, cfg: ml_collections.ConfigDict, trials: list[Trial],
          reference: Reference | None, space: Space | None) -> None:
  """Draws the pictures and writes ``report.md`` and ``report.html`` into
  ``workdir``, each atomically; ``space`` is the search's (validated
  once, by the caller)."""
  cfg = validation.with_objective(cfg)
  ranked = _ranked(trials)
  drawn = _figures(workdir, cfg, trials, ranked, space)
  doc = _document(cfg, trials, reference, drawn, extras(workdir), space)
  _save(workdir, doc, f'jaxgan: {cfg.search.method} on {cfg.data.name}')


def _save(workdir: str, doc: _Doc, title: str) -> None:
  """Writes ``doc`` as ``W/report.md`` and ``W/report.html``, each
  atomically."""
  for name, text in (
      ('report.md', doc.markdown()),
      ('report.html', doc.html(os.path.join(workdir, FIGURES), title))):
    def save(tmp, text=text):
      with open(tmp, 'w') as f:
        f.write(text)
    atomic_write(os.path.join(workdir, name), save)


def extras(workdir: str) -> Extras:
  """The :class:`Extras` of ``workdir`` (None where a file is missing)."""
  best = os.path.join(workdir, 'best', 'metrics.json')
  confirmed = os.path.join(workdir, confirm.FILE)
  return Extras(
      paper=read_json(best).get('protocol') if os.path.exists(best) else None,
      confirmed=([Confirmed.from_json(row) for row in
                  read_json(confirmed)['rows']]
                 if os.path.exists(confirmed) else None))


def write_stages(workdir: str, cfg: ml_collections.ConfigDict,
                 rows: list[dict]) -> None:
  """Writes ``W/report.md`` and ``W/report.html`` of a staged search: each
  stage's best, with a link to the stage's own report."""
  cfg = validation.with_objective(cfg)
  doc = _Doc()
  doc.heading(1, f'Staged search on {cfg.data.name}')
  better = ('lower' if metrics.direction(cfg, cfg.search.objective) == 'min'
            else 'higher')
  doc.text(f'Objective `{cfg.search.objective}` ({better} is better). Each '
           'stage fixes what it does not search at the best trial of the '
           'stage before it.')
  doc.table(['stage', 'trials', 'best trial', cfg.search.objective,
             'its setting', 'report'],
            [[r['stage'], r['trials'], r['trial'], r['objective'],
              ', '.join(f'{k}={_num(v)}' for k, v in sorted(
                  r['setting'].items())),
              os.path.relpath(os.path.join(r['workdir'], 'report.md'),
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
  stages = os.path.join(workdir, 'stages.json')
  if cfg.search.stages:
    if os.path.exists(stages):
      write_stages(workdir, cfg, read_json(stages))
  else:
    write(workdir, cfg, store.read(workdir), reference,
          Space.from_config(cfg))
  return os.path.join(workdir, 'report.html')
