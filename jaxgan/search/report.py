"""``W/report.md``: what a search found, readable without jaxgan.

It holds the best trial's metrics beside their floor (held-out real data) and
ceiling (the untrained generator) where the data has them, the best
hyperparameters ready to paste into a config file, and a leaderboard of the
top trials. ``jaxgan tune`` writes it at the end of a search;
``jaxgan report --workdir=W`` rebuilds it from the workdir's files alone,
also while a search is still running there.
"""

import json
import math
import os

import ml_collections

from jaxgan import run
from jaxgan.search import store

# Trials shown in the leaderboard.
LEADERBOARD = 10


def _num(value) -> str:
  if isinstance(value, bool) or not isinstance(value, (int, float)):
    return str(value)
  return f'{value:.4g}' if math.isfinite(value) else str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
  return (['| ' + ' | '.join(header) + ' |',
           '|' + '---|' * len(header)]
          + ['| ' + ' | '.join(_num(v) for v in row) + ' |' for row in rows])


def markdown(cfg: ml_collections.ConfigDict, trials: list[dict],
             reference: dict) -> str:
  """The report of a search of ``cfg`` whose stored trials are ``trials``.

  Args:
    cfg: the search's config.
    trials: the trial store's records.
    reference: :func:`jaxgan.run.reference_metrics` of ``cfg`` (``{}`` for
      the 2-D mixtures).
  """
  s = cfg.search
  ranked = sorted((t for t in trials if t['objective'] is not None),
                  key=lambda t: t['objective'])
  diverged = [t['id'] for t in trials if t['diverged']]
  lines = [f'# Search report: {s.method} on {cfg.data.name}', '',
           f'Objective `{s.objective}` (lower is better); {len(trials)} of '
           f'{s.num_trials} trials stored; {len(diverged)} diverged'
           + (f' ({", ".join(map(str, diverged))})' if diverged else '')
           + '.', '']
  if not ranked:
    return '\n'.join(lines + ['No trial has a finite objective yet.', ''])
  best = ranked[0]
  lines += [f'## Best: trial {best["id"]}', '',
            f'Evaluated at step {best["best_step"]} of {best["steps"]}.', '']
  if reference:
    lines += _table(
        ['metric', 'floor (held-out real data)', 'tuned', 'untrained G'],
        [[k, reference['floor'][k], v, reference['untrained'][k]]
         for k, v in sorted(best['metrics'].items())])
    lines += ['', f'Floor and tuned values use {reference["samples"]} '
              'samples each.', '']
  else:
    lines += _table(['metric', 'tuned'],
                    [[k, v] for k, v in sorted(best['metrics'].items())])
    lines.append('')
  pasted = ', '.join(f'{k}={float(f"{v:.6g}")!r}' if isinstance(v, float)
                     else f'{k}={v!r}'
                     for k, v in sorted(best['hparams'].items()))
  lines += ['Its hyperparameters, for a config file:', '', '```python',
            f'cfg.hparams.update({pasted})']
  lines += [f'cfg.{k} = {v!r}' for k, v in sorted(best['bucket'].items())]
  lines += ['```', '', f'## Leaderboard (top {LEADERBOARD})', '']
  names = list(best['setting'])
  lines += _table(['rank', 'trial', s.objective] + names + ['diverged'],
                  [[i + 1, t['id'], t['objective']]
                   + [t['setting'].get(k, '') for k in names] + [t['diverged']]
                   for i, t in enumerate(ranked[:LEADERBOARD])])
  return '\n'.join(lines) + '\n'


def write(workdir: str, cfg: ml_collections.ConfigDict, trials: list[dict],
          reference: dict) -> None:
  """Writes :func:`markdown` to ``workdir/report.md``, atomically."""
  text = markdown(cfg, trials, reference)

  def save(tmp):
    with open(tmp, 'w') as f:
      f.write(text)

  run.atomic_write(os.path.join(workdir, 'report.md'), save)


def rebuild(workdir: str) -> str:
  """Rewrites ``workdir/report.md`` from ``config.json``, ``trials.jsonl``
  and ``reference.json``, changing nothing else.

  Returns:
    The report's path.

  Raises:
    FileNotFoundError: ``workdir`` holds no search.
  """
  config_path = os.path.join(workdir, 'config.json')
  if not os.path.exists(config_path):
    raise FileNotFoundError(f'--workdir={workdir!r} holds no search: it has '
                            'no config.json')
  with open(config_path) as f:
    cfg = ml_collections.ConfigDict(json.load(f))
  reference_path = os.path.join(workdir, 'reference.json')
  reference = {}
  if os.path.exists(reference_path):
    with open(reference_path) as f:
      reference = json.load(f)
  write(workdir, cfg, store.read(workdir), reference)
  return os.path.join(workdir, 'report.md')
