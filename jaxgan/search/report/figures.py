"""The report's pictures, drawn into ``W/report/``: the top trials'
samples and curves, convergence, the Pareto front, partial dependence,
evaluations, parallel coordinates and importance
(:mod:`jaxgan.search.plots`)."""

import os
import shutil

import numpy as np

from jaxgan import data
from jaxgan.files import atomic_write, load_samples, samples_path
from jaxgan.search import pareto, plots
from jaxgan.search.report.document import FIGURES
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# Trials whose samples and curves are drawn.
PICTURED = 4


def draw(workdir: str, cfg, trials: list[Trial], ranked: list[Trial],
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
    if not newer(os.path.join(directory, name), kept):
      draw(name, plots.samples_png, load_samples(workdir, t.id),
           modes, f'trial {t.id}: {s.objective} {t.objective:.4g}')
  codes = os.path.join(workdir, 'best', 'codes.png')
  if os.path.exists(codes):
    drawn['codes'] = 'codes.png'
    if not newer(os.path.join(directory, 'codes.png'), codes):
      draw('codes.png', lambda tmp: shutil.copyfile(codes, tmp))
  pictured = [t for t in ranked[:PICTURED] if t.curves]
  if pictured:
    drawn['curves'] = draw('curves.png', plots.curves_png, pictured,
                           s.objective)
  if trials:
    drawn['convergence'] = draw('convergence.png', plots.convergence_png,
                                trials, s.objective,
                                baseline_ids(cfg, trials, space))
  study = pareto.study(cfg, trials)
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


def baseline_ids(cfg, trials: list[Trial], space: Space | None) -> frozenset:
  """The ids of the trials of the config's own setting, when the search
  trained it (``search.baseline``)."""
  point = space.baseline(cfg) if space is not None and \
      cfg.search.baseline else None
  if point is None:
    return frozenset()
  return frozenset(t.id for t in trials if space.contains(t.setting)
                   and space.point(t.setting) == point)


def newer(path: str, than: str) -> bool:
  """Whether ``path`` exists and was written after ``than``: a trial's
  samples never change, so its picture is drawn once."""
  return (os.path.exists(path)
          and os.path.getmtime(path) >= os.path.getmtime(than))
