"""The search: which hyperparameters to train next, and what was learned.

  >>> from jaxgan import search
  >>> best = search.tune(cfg, '/tmp/search')    # the loop behind `jaxgan tune`

Pieces: :class:`Space` (ranges from ``cfg.search.space``), the search
methods in :data:`METHODS` (each a :class:`SearchMethod`; the built-in ones
in :mod:`~jaxgan.search.methods`), the
:class:`RoundRunner` every one of them runs through, :class:`Trial` records
in a :class:`TrialStore` (``trials.jsonl``) and :func:`tune`; a study
that workers on several machines share lives in a database (:class:`Shared`,
:mod:`~jaxgan.search.shared`). While it runs,
a search is watched by :mod:`~jaxgan.search.monitor` (progress),
:mod:`~jaxgan.search.trackers` (TensorBoard, MLflow) and
:mod:`~jaxgan.search.diagnostics` (flags), and judged by
:mod:`~jaxgan.search.report` (``report.md``, ``report.html``).
"""

from jaxgan.search.method import METHODS, SearchMethod, register_method
from jaxgan.search.methods.ask_tell import Bayes, Grid, Random
from jaxgan.search.methods.halving import hyperband_brackets, rung_steps
from jaxgan.search.monitor import Output
from jaxgan.search.rounds import Budget, RoundRunner, Trainer
from jaxgan.search.schedulers import Plan, Scheduler, Verdict
from jaxgan.search.shared import Shared
from jaxgan.search.space import Space
from jaxgan.search.store import TrialStore
from jaxgan.search.trackers import TRACKERS, register_tracker
from jaxgan.search.trial import Trial
from jaxgan.validation import with_objective
from jaxgan.search.tune import objectives, tune, validate
