"""The search: which hyperparameters to train next, and what was learned.

  >>> from jaxgan import search
  >>> best = search.tune(cfg, '/tmp/search')    # the loop behind `jaxgan tune`

Pieces: :class:`Space` (ranges from ``cfg.search.space``), the schedulers in
:data:`SCHEDULERS` (bayes, random, grid over the ask/tell :data:`METHODS`;
halving, hyperband and pbt, which continue members from their state), the
:class:`RoundRunner` every one of them runs through, :class:`Trial` records
in a :class:`TrialStore` (``trials.jsonl``) and :func:`tune`. While it runs,
a search is watched by :mod:`~jaxgan.search.monitor` (progress),
:mod:`~jaxgan.search.trackers` (TensorBoard, MLflow) and
:mod:`~jaxgan.search.diagnostics` (flags), and judged by
:mod:`~jaxgan.search.report` (``report.md``, ``report.html``).
"""

from jaxgan.search.methods import METHODS, Bayes, Grid, Random
from jaxgan.search.rounds import Budget, RoundRunner
from jaxgan.search.schedulers import (SCHEDULERS, Plan, Scheduler, Verdict,
                                      hyperband_brackets, register_method,
                                      register_scheduler, rung_steps)
from jaxgan.search.space import Space
from jaxgan.search.store import TrialStore
from jaxgan.search.trackers import TRACKERS, register_tracker
from jaxgan.search.trial import Trial
from jaxgan.config import with_objective
from jaxgan.search.tune import objectives, tune, validate
