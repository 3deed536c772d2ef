"""The search: which hyperparameters to train next, and what was learned.

  >>> from jaxgan import search
  >>> best = search.tune(cfg, '/tmp/search')    # the loop behind `jaxgan tune`

Pieces: :class:`Space` (ranges from ``cfg.search.space``), the search
methods in :data:`METHODS` (each a :class:`SearchMethod`: the ask/tell
methods optuna-tpe, bayes, random, grid, optuna-cmaes and optuna-nsga2;
halving, hyperband and pbt, which continue members from their state), the
:class:`RoundRunner` every one of them runs through, :class:`Trial` records
in a :class:`TrialStore` (``trials.jsonl``) and :func:`tune`. While it runs,
a search is watched by :mod:`~jaxgan.search.monitor` (progress),
:mod:`~jaxgan.search.trackers` (TensorBoard, MLflow) and
:mod:`~jaxgan.search.diagnostics` (flags), and judged by
:mod:`~jaxgan.search.report` (``report.md``, ``report.html``).
"""

from jaxgan.search.method import METHODS, SearchMethod, register_method
from jaxgan.search.methods import Bayes, Grid, Random
from jaxgan.search.rounds import Budget, RoundRunner
from jaxgan.search.schedulers import (Plan, Scheduler, Verdict,
                                      hyperband_brackets, rung_steps)
from jaxgan.search.space import Space
from jaxgan.search.store import TrialStore
from jaxgan.search.trackers import TRACKERS, register_tracker
from jaxgan.search.trial import Trial
from jaxgan.validation import with_objective
from jaxgan.search.tune import objectives, tune, validate
