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
  >>> rows = confirm(cfg, space, store.trials, mesh, best.fresh)
  >>> rows[0].mean, rows[0].std, rows[0].values, rows[0].failed
"""

from typing import Callable

import ml_collections
import numpy as np

from jaxgan import population
from jaxgan.search import members, results
from jaxgan.search.confirmed import Confirmed, Fresh
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
            trials: list[Trial], mesh, offer: Callable[[Fresh], None],
            make_population: Callable = population.make_population
            ) -> list[Confirmed]:
  """Retrains the best settings of ``trials`` with fresh seeds.

  Args:
    cfg: the search's validated config.
    space: its space.
    trials: the stored trials.
    mesh: the device mesh.
    offer: called with the :class:`Fresh` median seed of each setting with
      a finite mean (:meth:`results.Best.fresh`).
    make_population: builds compiled populations.

  Returns:
    One :class:`Confirmed` per setting, best first (the config's own
    setting last when ``search.baseline`` trained it and it is not among
    the best).
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
    rows.append(Confirmed(
        setting=o.setting, trial=best[-1].id, search=search,
        baseline=is_own(o), steps=max(best[-1].best_step, 1),
        seeds=tuple(SEED_OFFSET + cfg.hparams.seed + i
                    for i in range(s.confirm_seeds))))
  for steps in sorted({r.steps for r in rows}):
    ranks = [r for r, row in enumerate(rows) if row.steps == steps]
    measured = _train([rows[r] for r in ranks], cfg, space, steps, mesh,
                      make_population)
    for r, (row, final) in zip(ranks, measured):
      rows[r] = row
      if row.median is not None:
        m, j, samples = final[row.median]
        offer(Fresh(best[r], row, fresh_key(row, r, best[r].direction), m,
                    j, samples, row.seeds[row.median]))
  return rows


def fresh_key(row: Confirmed, rank: int, direction: str
              ) -> tuple[float, int]:
  """What ranks confirmed rows, lowest best: the fresh mean (negated for
  a maximised objective), then the row's rank among the rows."""
  return (-row.mean if direction == 'max' else row.mean, rank)


def chosen(rows: list[Confirmed], direction: str) -> Confirmed | None:
  """The confirmed row with the best fresh mean (the first of equals), or
  None when no row has one."""
  finite = [k for k, r in enumerate(rows) if r.mean is not None]
  if not finite:
    return None
  return rows[min(finite, key=lambda k: fresh_key(rows[k], k, direction))]


def _train(rows: list[Confirmed], cfg, space: Space, steps: int, mesh,
           make_population) -> list[tuple[Confirmed, list]]:
  """Trains the seeds of ``rows`` (which share ``steps``).

  Returns:
    Per row, the row with its results and, per seed, ``(members at their
    final state, the seed's position among them, its samples)``.
  """
  settings, owners = [], []
  for r, row in enumerate(rows):
    for seed in row.seeds:
      settings.append(dict(space.setting(space.point(row.setting)),
                           seed=seed))
      owners.append(r)
  objective = cfg.search.objective
  trained = [[] for _ in rows]
  for bucket in population.buckets(cfg, settings):
    n = len(bucket.indices)
    m = members.start(bucket, population.padded_size(n, mesh), mesh,
                      make_population)
    h = History.new(np.arange(n), [None] * n)
    m, h = members.train_to(m, h, steps, objective)
    # Judged by the final evaluation: the final state is the one kept.
    final = m._replace(best_state=m.state)
    diverged = members.diverged(m, n)
    samples = members.best_samples(final, results.sample_count(cfg), n)
    for j, i in enumerate(bucket.indices):
      last = {k: float(v[j, -1]) for k, v in h.evaluations.items()
              if k != 'step'}
      trained[owners[i]].append((last, bool(diverged[j]),
                                 (final, j, samples[j])))
  out = []
  for row, seeds in zip(rows, trained):
    out.append((row.measured([q for q, _, _ in seeds],
                             [d for _, d, _ in seeds], objective),
                [f for _, _, f in seeds]))
  return out
