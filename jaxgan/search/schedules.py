"""Schedules whose members continue from their state: successive halving
and population-based training.

Both draw their initial points at random (seeded), train them as
populations, and at every round boundary save the running members with
orbax (``W/checkpoints/population``) before writing the round's trials, so a
killed search resumes from its last boundary without training anything twice.

* ``halving`` (Jamieson & Talwalkar 2016; Li et al. 2017): ``num_trials``
  settings train to the first rung; the best ``1/eta`` (by their best
  evaluation) continue to the next rung from their state, and so on for
  ``rungs`` rungs up to ``train.num_steps``. A setting's trial is stored when
  it is stopped (status ``stopped``) or reaches the last rung.
* ``pbt`` (Jaderberg et al. 2017): ``population`` members train in segments
  of ``pbt_interval`` steps; after each, the worst ``pbt_fraction`` copy the
  state and hyperparameters of the best and perturb them
  (:func:`jaxgan.pbt.exploit_explore`). Every segment of every member is a
  trial whose ``parent`` is the trial it continued (its own previous segment,
  or the member it copied), so the stored trials hold each member's
  hyperparameter schedule and lineage.
"""

import os
import time

import jax
import numpy as np

from jaxgan import checkpoint, pbt, population
from jaxgan.search import members, methods, monitor, results
from jaxgan.search.space import Space


def rung_steps(num_steps: int, chunk_steps: int, eta: int,
               rungs: int) -> list[int]:
  """The steps each rung trains to: ``num_steps / eta**(rungs - 1 - k)``,
  rounded to whole chunks, strictly increasing, ending at ``num_steps``."""
  out = []
  for k in range(rungs):
    target = num_steps / eta ** (rungs - 1 - k)
    steps = max(chunk_steps, int(round(target / chunk_steps)) * chunk_steps)
    steps = min(steps, num_steps) if k < rungs - 1 else num_steps
    if not out or steps > out[-1]:
      out.append(steps)
  return out


def check_pbt(cfg, space: Space) -> None:
  """PBT changes only dynamic hyperparameters, at chunk boundaries.

  Raises:
    ValueError: the space searches a static field, or ``pbt_interval`` is
      not a multiple of ``train.chunk_steps``.
  """
  static = space.static_names()
  if static:
    raise ValueError(f'search.method=pbt perturbs dynamic hyperparameters '
                     f'only, but search.space.{static[0]} is static; fix it, '
                     'or use halving')
  if not space.perturbed():
    raise ValueError('search.method=pbt has nothing to perturb: search at '
                     f'least one of {list(pbt.SCALES + pbt.RATES)} (or lr, '
                     'b1, b2)')
  if cfg.search.pbt_interval % cfg.train.chunk_steps:
    raise ValueError(f'search.pbt_interval={cfg.search.pbt_interval} must be '
                     'a multiple of train.chunk_steps='
                     f'{cfg.train.chunk_steps}')


def _first_points(cfg, space: Space, n: int, watch: monitor.Monitor) -> list:
  """The baseline (:func:`jaxgan.search.methods.baseline`), then random
  points."""
  first = methods.baseline(cfg, space, watch.say)
  return first + methods.Random(space, cfg.search).ask(n - len(first))


def _directory(store) -> str:
  return os.path.join(os.path.dirname(store.path), 'checkpoints',
                      'population')


def _history(h: dict) -> dict:
  return {k: members.plain(v) if k == 'step' else [members.plain(r) for r in v]
          for k, v in h.items()}


def _unhistory(h: dict, n: int) -> dict:
  return {k: np.asarray(v, np.int64) if k == 'step' else
          np.asarray([members.unplain(r) for r in v]).reshape(n, -1)
          for k, v in h.items()}


def _host(m: members.Members) -> dict:
  plain = members.plain
  return dict(
      static=m.static, ids=plain(m.ids), points=m.points, steps=m.steps,
      best={k: plain(v) for k, v in m.best.items()},
      best_objective=plain(m.best_objective), best_step=plain(m.best_step),
      objective=plain(m.objective),
      losses={k: plain(v) for k, v in m.losses.items()},
      curves=_history(m.curves), evaluations=_history(m.evaluations))


def _arrays(m: members.Members) -> dict:
  return dict(state=m.state, best_state=m.best_state, hp=m.hp)


def _start(cfg, space: Space, ids, points, mesh, make_population,
           padded: bool) -> list[members.Members]:
  settings = [space.setting(p) for p in points]
  ids = np.asarray(ids)
  return [members.start(b, ids[b.indices], [points[i] for i in b.indices],
                        mesh, make_population, padded)
          for b in population.buckets(cfg, settings)]


def _restore(cfg, space: Space, directory: str, step: int, mesh,
             make_population, padded: bool):
  meta = checkpoint.restore_meta(directory, step)
  groups = []
  for g in meta['groups']:
    [m] = _start(cfg, space, g['ids'], g['points'], mesh, make_population,
                 padded)
    groups.append(m._replace(
        steps=g['steps'],
        best={k: members.unplain(v) for k, v in g['best'].items()},
        best_objective=members.unplain(g['best_objective']),
        best_step=np.asarray(g['best_step'], np.int64),
        objective=members.unplain(g['objective']),
        losses={k: members.unplain(v) for k, v in g['losses'].items()},
        curves=_unhistory(g['curves'], len(g['ids'])),
        evaluations=_unhistory(g['evaluations'], len(g['ids']))))
  arrays = checkpoint.restore(directory, step, [_arrays(m) for m in groups])
  groups = [m._replace(**a) for m, a in zip(groups, arrays)]
  return groups, meta


def _save(directory: str, round_: int, groups, meta: dict) -> None:
  checkpoint.save(directory, round_, [_arrays(m) for m in groups],
                  dict(meta, round=round_, groups=[_host(m) for m in groups]))


def _append_new(store, records: list[dict], watch: monitor.Monitor) -> None:
  stored = store.ids()
  for r in sorted(records, key=lambda r: r['id']):
    if r['id'] not in stored:
      store.append(r)
      watch.stored(r)


def halving(cfg, space: Space, store, best, mesh, watch: monitor.Monitor,
            make_population):
  """Successive halving over a population (see the module docstring)."""
  s = cfg.search
  steps = rung_steps(cfg.train.num_steps, cfg.train.chunk_steps, s.eta,
                     s.rungs)
  if len(store.trials) >= s.num_trials:
    return
  directory = _directory(store)
  last = checkpoint.latest_step(directory)
  if last is None:
    points = _first_points(cfg, space, s.num_trials, watch)
    groups = _start(cfg, space, range(s.num_trials), points, mesh,
                    make_population, padded=True)
    first, budget = 0, 0
  else:
    groups, meta = _restore(cfg, space, directory, last, mesh,
                            make_population, padded=True)
    _append_new(store, meta['records'], watch)
    first, budget = last + 1, meta['budget']
  for k in range(first, len(steps)):
    start = time.perf_counter()
    trained = sum(len(m.ids) * (steps[k] - m.steps) for m in groups)
    budget += trained
    label = f'rung {k + 1}/{len(steps)} ({steps[k]} steps)'
    watch.begin(label, trained, best.objective)
    groups = [members.train_to(m, steps[k], s.objective, watch.chunk)
              for m in groups]
    seconds = time.perf_counter() - start
    final = k == len(steps) - 1
    ranked = sorted(((m.best_objective[j], int(m.ids[j]), g, j)
                     for g, m in enumerate(groups) for j in range(len(m.ids))))
    alive = len(ranked)
    kept = set() if final else {(g, j) for _, _, g, j in
                                ranked[:max(1, alive // s.eta)]}
    records, survivors = [], []
    for g, m in enumerate(groups):
      recs = members.records(m, s.objective)
      for j, rec in enumerate(recs):
        rec.update(round=k, setting=dict(zip(space.names, m.points[j])),
                   seconds=seconds, budget=budget, parent=None)
        if not final and (g, j) not in kept and not rec['diverged']:
          rec['status'] = 'stopped'
      best.update(m, recs)
      records += [r for j, r in enumerate(recs) if (g, j) not in kept]
      survivors.append([j for j in range(len(m.ids)) if (g, j) in kept])
    groups = [members.keep(m, np.asarray(js), mesh, make_population)
              for m, js in zip(groups, survivors) if js]
    if not final:
      _save(directory, k, groups, dict(budget=budget, records=records))
    _append_new(store, records, watch)
    watch.end(results.progress(store, best, label, alive, seconds, trained,
                               s.num_trials))


def population_based(cfg, space: Space, store, best, mesh,
                     watch: monitor.Monitor, make_population):
  """Population-based training (see the module docstring)."""
  s = cfg.search
  size, total = s.population, cfg.train.num_steps
  if size % mesh.shape[population.POP]:
    raise ValueError(f'search.population={size} must be a multiple of the '
                     f"mesh's 'pop' axis ({mesh.shape[population.POP]} "
                     'devices) for pbt, whose members are never padded')
  ends = list(range(s.pbt_interval, total, s.pbt_interval)) + [total]
  if len(store.trials) >= size * len(ends):
    return
  directory = _directory(store)
  last = checkpoint.latest_step(directory)
  if last is None:
    points = _first_points(cfg, space, size, watch)
    [m] = _start(cfg, space, range(size), points, mesh, make_population,
                 padded=False)
    parents, first, budget = [None] * size, 0, 0
  else:
    [m], meta = _restore(cfg, space, directory, last, mesh, make_population,
                         padded=False)
    _append_new(store, meta['records'], watch)
    parents, first, budget = meta['parents'], last + 1, meta['budget']
  key = jax.random.key(s.seed)
  perturb = space.perturbed()
  for k in range(first, len(ends)):
    start = time.perf_counter()
    trained = size * (ends[k] - m.steps)
    budget += trained
    label = f'segment {k + 1}/{len(ends)} ({ends[k]} steps)'
    watch.begin(label, trained, best.objective)
    m = members.train_to(m, ends[k], s.objective, watch.chunk)
    seconds = time.perf_counter() - start
    records = members.records(m, s.objective)
    for i, rec in enumerate(records):
      rec.update(round=k, member=i, parent=parents[i], seconds=seconds,
                 budget=budget,
                 setting=space.values(rec['hparams'], rec['bucket']))
    best.update(m, records)
    if k < len(ends) - 1:
      m, sources = members.exploit(m, jax.random.fold_in(key, k),
                                   m.objective, s.pbt_fraction, perturb,
                                   (k + 1) * size + np.arange(size))
      parents = [records[j]['id'] for j in sources]
      _save(directory, k, [m], dict(budget=budget, parents=parents,
                                     records=records))
    _append_new(store, records, watch)
    watch.end(results.progress(store, best, label, size, seconds, trained,
                               size * len(ends)))
