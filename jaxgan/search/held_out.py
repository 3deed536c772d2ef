"""An answer judged on seeds nobody saw: neither the search nor its
confirmation trained them.

A search's best number is the best of many noisy draws, and its
confirmation's seeds decided the answer; to say how good the answer is,
train it again with seeds from :data:`SEED` on and read the final
evaluation. Used by ``experiments/answer_quality.py`` (the rule that
decides the answer) and ``experiments/compare_search.py`` (search methods
at equal wall time).

Example:
  >>> rows = train(cfg, {'answer': (setting, 10_000)}, 8, '/tmp/held_out')
  >>> judge(rows['answer'], 'partition_kl', 1.0)['median']
"""

import json
import math
import os

import ml_collections
import numpy as np

from jaxgan import files, run

# Held-out seeds start here: past every confirmation seed
# (confirm.SEED_OFFSET + hparams.seed + confirm_max_seeds).
SEED = 20_000


def train(cfg: ml_collections.ConfigDict, named: dict, seeds: int,
          workdir: str) -> dict:
  """Every named ``(setting, steps)`` trained with ``seeds`` held-out
  seeds, in one population per step count (each distinct one once; a
  population already in ``workdir`` for the same settings is read back):
  per name, each seed's final metrics and whether it diverged."""
  key = lambda n: json.dumps([named[n][0], named[n][1]], sort_keys=True)
  by_steps = {}
  for name in named:
    same = by_steps.setdefault(named[name][1], {})
    same.setdefault(key(name), name)
  trained = {}
  for steps, distinct in sorted(by_steps.items()):
    sized = ml_collections.ConfigDict(cfg.to_dict())
    sized.train.num_steps = steps
    names = list(distinct.values())
    settings = [dict(named[n][0], seed=SEED + i)
                for n in names for i in range(seeds)]
    path = os.path.join(workdir, f'steps-{steps}')
    done = os.path.join(path, 'population.json')
    rows = files.read_json(done) if os.path.exists(done) else None
    # Read back only what these settings trained (a rerun whose answer
    # changed trains its settings again).
    if rows is None or [r['setting'] for r in rows] != json.loads(
        json.dumps(settings)):
      rows = run.train_population(sized, settings, path, log=lambda _: None)
    for k, n in enumerate(names):
      trained[key(n)] = rows[k * seeds:(k + 1) * seeds]
  return {n: trained[key(n)] for n in named}


def judge(rows: list[dict], objective: str, sign: float) -> dict:
  """A setting's held-out seeds: each value, which failed (diverged or no
  finite objective), the median objective (failed seeds counted worst;
  None when that is a failure), the failure rate, and the median high
  quality and modes where measured."""
  values = [r.get(objective) for r in rows]
  failed = [r['diverged'] or v is None or not math.isfinite(v)
            for r, v in zip(rows, values)]
  scores = [math.inf if f else sign * v for v, f in zip(values, failed)]
  median = float(np.median(scores))

  def middle(name):
    found = [r[name] for r in rows if math.isfinite(r.get(name, math.nan))]
    return float(np.median(found)) if found else None
  return dict(values=values, failed=failed,
              median=sign * median if math.isfinite(median) else None,
              failure_rate=float(np.mean(failed)),
              high_quality=middle('high_quality'), modes=middle('modes'))
