"""Confirming a search's winners: the top settings trained again with fresh
seeds, judged by a fresh evaluation.

A search's best trial is the best of many noisy draws, judged at the best of
many evaluations: its number is biased upward. :func:`confirm` retrains the
``search.confirm_top`` best settings (by their seeds' robust objective)
with ``search.confirm_seeds`` seeds none of the search used, each to the
step its best trial was judged at, and reports the *final* evaluation's
mean ± std over seeds (``W/confirm.json``, the report, the last line of
``jaxgan tune``). PBT's trials are points of hyperparameter schedules, not
settings to retrain, so a PBT search is not confirmed.

Example:
  >>> rows = confirm(cfg, space, store.trials, mesh)
  >>> rows[0]['mean'], rows[0]['std'], rows[0]['values']
"""

from typing import Callable

import ml_collections
import numpy as np

from jaxgan import population
from jaxgan.search import members
from jaxgan.search.history import History
from jaxgan.search.schedulers import outcomes
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# Where the rows go, in the workdir.
FILE = 'confirm.json'
# Fresh seeds start here: far from the seeds a search trains (hparams.seed
# and the next search.seeds - 1).
SEED_OFFSET = 10_000


def confirm(cfg: ml_collections.ConfigDict, space: Space,
            trials: list[Trial], mesh,
            make_population: Callable = population.make_population
            ) -> list[dict]:
  """Retrains the best settings of ``trials`` with fresh seeds.

  Args:
    cfg: the search's validated config.
    space: its space.
    trials: the stored trials.
    mesh: the device mesh.
    make_population: builds compiled populations.

  Returns:
    One row per confirmed setting, best first: ``setting``, ``trial`` (its
    best trial's id), ``search`` (the robust objective the search saw, as the
    metric), ``steps``, ``seeds``, ``values`` (the objective of each fresh
    seed at its final evaluation; None where it had none), ``mean`` and ``std``
    (over the finite ones; None if there are none), ``diverged`` (seeds
    that diverged) and ``metrics`` (the mean of every metric).
  """
  s = cfg.search
  ranked = sorted((o for o in outcomes(trials, s.seed_statistic)
                   if np.isfinite(o.value) and space.contains(o.setting)),
                  key=lambda o: (o.value, o.ids[0]))[:s.confirm_top]
  if not ranked:
    return []
  rows = []
  for o in ranked:
    best = min(o.trials, key=lambda t: t.value)
    search = -o.value if best.direction == 'max' else o.value
    rows.append(dict(setting=o.setting, trial=best.id, search=search,
                     steps=max(best.best_step, 1), seeds=[
                         SEED_OFFSET + cfg.hparams.seed + i
                         for i in range(s.confirm_seeds)]))
  for steps in sorted({r['steps'] for r in rows}):
    _train([r for r in rows if r['steps'] == steps], cfg, space, steps, mesh,
           make_population)
  return rows


def _train(rows: list[dict], cfg, space: Space, steps: int, mesh,
           make_population) -> None:
  """Trains the seeds of ``rows`` (which share ``steps``) and fills in
  their results."""
  settings, owners = [], []
  for r, row in enumerate(rows):
    for seed in row['seeds']:
      settings.append(dict(space.setting(space.point(row['setting'])),
                           seed=seed))
      owners.append(r)
  objective = cfg.search.objective
  results = [[] for _ in rows]
  for bucket in population.buckets(cfg, settings):
    n = len(bucket.indices)
    m = members.start(bucket, members.population_size(n, mesh), mesh,
                      make_population)
    h = History.new(np.arange(n), [None] * n)
    m, h = members.train_to(m, h, steps, objective)
    diverged = members.diverged(m, n)
    for j, i in enumerate(bucket.indices):
      last = {k: float(v[j, -1]) for k, v in h.evaluations.items()
              if k != 'step'}
      results[owners[i]].append((last, diverged[j]))
  for row, seeds in zip(rows, results):
    values = [q.get(objective) for q, _ in seeds]
    values = [v if v is not None and np.isfinite(v) else None
              for v in values]
    finite = [v for v in values if v is not None]
    metrics = {}
    for k in sorted({k for q, _ in seeds for k in q}):
      v = [q[k] for q, _ in seeds if k in q and np.isfinite(q[k])]
      if v:
        metrics[k] = float(np.mean(v))
    row.update(values=values,
               mean=float(np.mean(finite)) if finite else None,
               std=float(np.std(finite)) if finite else None,
               diverged=sum(d for _, d in seeds), metrics=metrics)
