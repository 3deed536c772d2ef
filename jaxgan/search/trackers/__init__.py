"""Experiment trackers: every trial's curves, evaluations, samples and
hyperparameters, written while a search runs.

A tracker has one signature, looked up by name in :data:`TRACKERS`::

    tracker = TRACKERS[name](workdir, hparam_names, metric_names)
    tracker.chunk(chunk)     # after every chunk: a members.Chunk
    tracker.trial(record)    # when a trial's record is stored
    tracker.close()

* ``tensorboard`` (event files written with tensorboard's own protos): one
  run per trial in ``W/tensorboard/trial_ID/`` with scalars ``train/*``
  (the training curves: D and G losses, grad norms, mean D(x) and
  D(G(z)), penalty), ``eval/*`` (every evaluation) and ``best/*`` (the
  trial's best evaluation, written when it is stored), a ``samples`` image
  per evaluation (an image grid, or the 2-D samples' density with the true
  modes in red), and its hyperparameters for the HParams dashboard, whose
  experiment (the searched hyperparameters against ``best/*``) is declared
  in ``W/tensorboard``. ``tensorboard --logdir W/tensorboard``.
* ``mlflow`` (the ``jaxgan[mlflow]`` extra): one MLflow run per trial in
  the local file store ``W/mlruns`` (experiment ``jaxgan``), with the same
  scalars and the hyperparameters as params; ``mlflow ui
  --backend-store-uri W/mlruns``.
* ``wandb`` (the ``jaxgan[wandb]`` extra): one Weights & Biases run per
  trial (``trial_ID``, project ``jaxgan`` or ``$WANDB_PROJECT``, grouped by
  the workdir's name), with the same scalars and sample pictures, the
  hyperparameters as its config and ``best/*`` as its summary. Offline in
  ``W/wandb`` unless the user has logged in (``wandb login`` or
  ``$WANDB_API_KEY``) or sets ``$WANDB_MODE``; ``wandb sync W/wandb/offline-
  run-*`` uploads offline runs later.

Trackers run on process 0 only, on a writer thread (:func:`start`): the
search hands them host copies of the numbers after every chunk and goes on
training.
"""

from typing import Sequence

from jaxgan import registry
from jaxgan.search.trackers import records
from jaxgan.search.trackers.background import Background
from jaxgan.search.trackers.mlflow import MLflow
from jaxgan.search.trackers.records import density_picture, picture
from jaxgan.search.trackers.tensorboard import EventFile, TensorBoard
from jaxgan.search.trackers.wandb import WandB

# name -> tracker(workdir, hparam_names, metric_names) with the methods of
# the module docstring; register one with register_tracker.
TRACKERS = registry.Registry('tracker', 'tracker', {
    'tensorboard': TensorBoard, 'mlflow': MLflow, 'wandb': WandB})
register_tracker = TRACKERS.register


def check(names: Sequence[str]) -> None:
  """Raises ValueError naming the first of ``names`` not in
  :data:`TRACKERS`, or one whose package is not installed."""
  for name in names:
    TRACKERS.lookup(name)
  for name in names:
    if name in records.PACKAGES:
      records.require(name)


def start(names: Sequence[str], workdir: str, hparam_names: list[str],
          metric_names: list[str]) -> list[Background]:
  """The trackers ``names`` on one writer thread (none for no names).

  Raises:
    ValueError: an unknown name, or a tracker whose package is missing.
  """
  check(names)
  if not names:
    return []
  return [Background([TRACKERS.lookup(name)(workdir, hparam_names,
                                            metric_names)
                      for name in names])]


__all__ = ['Background', 'EventFile', 'MLflow', 'TRACKERS', 'TensorBoard',
           'WandB', 'check', 'density_picture', 'picture', 'register_tracker',
           'start']
