"""The cold start (``cold_start.py``) with one seed per setting and the EMA
decay drawn uniformly over 0..0.9999: the search a newcomer would run
before the seeds and the horizon scale were added, the configuration that
compares population sizes with sequential TPE at equal wall time.

  python experiments/compare_search.py \\
      --config=experiments/configs/cold_one_seed.py --out=W \\
      --budget=seconds:450 --seeds=5 \\
      --methods=optuna-tpe@2,optuna-tpe@8,sequential-tpe
"""

import cold_start


def get_config():
  cfg = cold_start.get_config()
  cfg.search.seeds = 1
  cfg.search.space.ema_decay = 'uniform:0:0.9999'
  return cfg
