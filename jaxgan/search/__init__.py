"""The search: which hyperparameters to train next, and what was learned.

  >>> from jaxgan import search
  >>> best = search.tune(cfg, '/tmp/search')    # the loop behind `jaxgan tune`

Pieces: :class:`Space` (ranges from ``cfg.search.space``), the ask/tell
methods in :data:`METHODS` (bayes, random, grid), the schedules that continue
members from their state (halving, pbt), :class:`TrialStore`
(``trials.jsonl``) and :func:`tune`. While it runs, a search is watched by
:mod:`~jaxgan.search.monitor` (progress), :mod:`~jaxgan.search.trackers`
(TensorBoard, MLflow) and :mod:`~jaxgan.search.diagnostics` (flags), and
judged by :mod:`~jaxgan.search.report` (``report.md``, ``report.html``).
"""

from jaxgan.search.methods import METHODS, Bayes, Grid, Random
from jaxgan.search.schedules import halving, population_based, rung_steps
from jaxgan.search.space import Space
from jaxgan.search.store import TrialStore
from jaxgan.search.tune import SCHEDULES, objectives, tune, validate
