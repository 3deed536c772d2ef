"""Confirming a search's winners: the top settings trained again with fresh
seeds, judged by a fresh evaluation.

A search's best trial is the best of many noisy draws, judged at the best of
many evaluations: its number is biased upward. :func:`confirm` retrains the
``search.confirm_top`` best settings (by their seeds' robust objective)
with ``search.confirm_seeds`` seeds none of the search used, each to the
step its best trial was judged at, and reports the *final* evaluation's
mean ± std over seeds (``W/confirm.json``, the report, the last line of
``jaxgan tune``). With ``search.baseline``, the config's own setting is
confirmed beside them with the same seeds, so the fresh numbers say whether
the search beat it. The setting with the best fresh mean is the search's
answer (:func:`chosen`): ``W/best/`` then holds its fresh numbers and the
networks and samples of its median seed
(:meth:`jaxgan.search.results.Best.fresh`). PBT's trials are points of
hyperparameter schedules, not settings to retrain, so a PBT search is not
confirmed.

Example:
  >>> rows = confirm(cfg, space, store.trials, mesh)
  >>> rows[0]['mean'], rows[0]['std'], rows[0]['values']
"""

from typing import Callable, Optional

import ml_collections
import numpy as np

from jaxgan import population
from jaxgan.search import members, results
from jaxgan.search.history import History
from jaxgan.search.schedulers import outcomes
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# Where the rows go, in the workdir.
FILE = 'confirm.json'
# Fresh seeds start here: far from the seeds a search trains (hparams.seed
# and the next search.seeds - 1).
SEED_OFFSET = 10_000


# offer(trial, row, key, members, j, samples, seed): a confirmed setting's
# median seed, member j of members, while they are on the device; key is
# the setting's :func:`fresh_key`.
Offer = Callable[..., None]


def confirm(cfg: ml_collections.ConfigDict, space: Space,
            trials: list[Trial], mesh,
            make_population: Callable = population.make_population,
            offer: Optional[Offer] = None) -> list[dict]:
  """Retrains the best settings of ``trials`` with fresh seeds.

  Args:
    cfg: the search's validated config.
    space: its space.
    trials: the stored trials.
    mesh: the device mesh.
    make_population: builds compiled populations.
    offer: called once per setting with a finite mean: its best trial, its
      row, its :func:`fresh_key`, the members at their final state, the
      position of its median seed (the lower median of its finite values),
      that member's samples and its seed (:meth:`results.Best.fresh`).

  Returns:
    One row per confirmed setting, best first (the config's own setting
    last when ``search.baseline`` trained it and it is not among the best):
    ``setting``, ``trial`` (its best trial's id), ``search`` (the robust
    objective the search saw, as the metric), ``baseline`` (whether it is
    the config's own setting), ``steps``, ``seeds``, ``values`` (the
    objective of each fresh seed at its final evaluation; None where it had
    none), ``mean`` and ``std`` (over the finite ones; None if there are
    none), ``diverged`` (seeds that diverged) and ``metrics`` (the mean of
    every metric).
  """
  s = cfg.search
  ranked = sorted((o for o in outcomes(trials, s.seed_statistic)
                   if np.isfinite(o.value) and space.contains(o.setting)),
                  key=lambda o: (o.value, o.ids[0]))
  if not ranked or not s.confirm_top:
    return []
  own = space.baseline(cfg) if s.baseline else None
  is_own = lambda o: own is not None and space.point(o.setting) == own
  confirmed = ranked[:s.confirm_top] + [
      o for o in ranked[s.confirm_top:] if is_own(o)][:1]
  rows, best = [], []
  for o in confirmed:
    best.append(min(o.trials, key=lambda t: t.value))
    search = -o.value if best[-1].direction == 'max' else o.value
    rows.append(dict(setting=o.setting, trial=best[-1].id, search=search,
                     baseline=is_own(o), steps=max(best[-1].best_step, 1),
                     seeds=[SEED_OFFSET + cfg.hparams.seed + i
                            for i in range(s.confirm_seeds)]))
  for steps in sorted({r['steps'] for r in rows}):
    _train([(r, row, best[r]) for r, row in enumerate(rows)
            if row['steps'] == steps], cfg, space, steps, mesh,
           make_population, offer)
  return rows


def fresh_key(row: dict, rank: int, direction: str) -> tuple[float, int]:
  """What ranks confirmed rows, lowest best: the fresh mean (negated for
  a maximised objective), then the row's rank among the rows."""
  return (-row['mean'] if direction == 'max' else row['mean'], rank)


def chosen(rows: list[dict], direction: str) -> dict | None:
  """The confirmed row with the best fresh mean (the first of equals), or
  None when no row has one."""
  finite = [k for k, r in enumerate(rows) if r.get('mean') is not None]
  if not finite:
    return None
  return rows[min(finite, key=lambda k: fresh_key(rows[k], k, direction))]


def _train(owned: list[tuple[int, dict, Trial]], cfg, space: Space,
           steps: int, mesh, make_population, offer: Optional[Offer]
           ) -> None:
  """Trains the seeds of the rows of ``owned`` (``(rank, row, best
  trial)``, rows that share ``steps``) and fills in their results."""
  settings, owners = [], []
  for r, (_, row, _) in enumerate(owned):
    for seed in row['seeds']:
      settings.append(dict(space.setting(space.point(row['setting'])),
                           seed=seed))
      owners.append(r)
  objective = cfg.search.objective
  for bucket in population.buckets(cfg, settings):
    n = len(bucket.indices)
    m = members.start(bucket, population.padded_size(n, mesh), mesh,
                      make_population)
    h = History.new(np.arange(n), [None] * n)
    m, h = members.train_to(m, h, steps, objective)
    # Judged by the final evaluation: the final state is the one kept.
    final = m._replace(best_state=m.state)
    diverged = members.diverged(m, n)
    seeds = {}
    for j, i in enumerate(bucket.indices):
      last = {k: float(v[j, -1]) for k, v in h.evaluations.items()
              if k != 'step'}
      seeds.setdefault(owners[i], []).append((last, diverged[j], j))
    samples = (members.best_samples(final, results.sample_count(cfg), n)
               if offer is not None else None)
    for r, trained in seeds.items():
      rank, row, trial = owned[r]
      median = _fill(row, trained, objective)
      if offer is not None and median is not None:
        j = trained[median][2]
        offer(trial, row, fresh_key(row, rank, trial.direction), final, j,
              samples[j], row['seeds'][median])


def _fill(row: dict, seeds: list[tuple[dict, bool, int]], objective: str
          ) -> int | None:
  """Fills in ``row``'s results from its seeds' ``(final evaluation,
  diverged, member)``; returns the position of its median seed (None when
  no seed has a finite objective)."""
  values = [q.get(objective) for q, _, _ in seeds]
  values = [v if v is not None and np.isfinite(v) else None
            for v in values]
  finite = [k for k, v in enumerate(values) if v is not None]
  metrics = {}
  for k in sorted({k for q, _, _ in seeds for k in q}):
    v = [q[k] for q, _, _ in seeds if k in q and np.isfinite(q[k])]
    if v:
      metrics[k] = float(np.mean(v))
  mean = float(np.mean([values[k] for k in finite])) if finite else None
  row.update(values=values, mean=mean,
             std=float(np.std([values[k] for k in finite])) if finite
             else None,
             diverged=sum(d for _, d, _ in seeds), metrics=metrics)
  if not finite:
    return None
  order = sorted(finite, key=lambda k: values[k])
  return order[(len(order) - 1) // 2]
