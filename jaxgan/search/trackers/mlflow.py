"""The ``mlflow`` tracker: one MLflow run per trial in a local file store
(see :mod:`jaxgan.search.trackers`)."""

import os

import numpy as np

from jaxgan.search import members
from jaxgan.search.trackers import records
from jaxgan.search.trial import Trial


class MLflow:
  """Writes every trial as an MLflow run in ``W/mlruns`` (see the module
  docstring)."""

  def __init__(self, workdir: str, hparam_names: list[str],
               metric_names: list[str]):
    del hparam_names, metric_names
    mlflow = records.require('mlflow')
    # MLflow 3 keeps its local file store behind this switch.
    os.environ.setdefault('MLFLOW_ALLOW_FILE_STORE', 'true')
    from mlflow import entities
    self._entities = entities
    self.client = mlflow.MlflowClient(
        tracking_uri='file:' + os.path.abspath(os.path.join(workdir,
                                                            'mlruns')))
    found = self.client.get_experiment_by_name('jaxgan')
    self.experiment = (found.experiment_id if found else
                       self.client.create_experiment('jaxgan'))
    self._runs = {}

  def _run(self, trial_id: int) -> str:
    if trial_id not in self._runs:
      run = self.client.create_run(self.experiment,
                                   run_name=f'trial_{trial_id:04d}')
      self._runs[trial_id] = run.info.run_id
    return self._runs[trial_id]

  def _log(self, run_id: str, step: int, scalars: dict) -> None:
    metric = self._entities.Metric
    self.client.log_batch(run_id, metrics=[
        metric(k, v, 0, step) for k, v in scalars.items()
        if np.isfinite(v)])

  def chunk(self, chunk: members.Chunk) -> None:
    for trial_id, steps, _ in records.members_of(chunk, pictures=False):
      run_id = self._run(trial_id)
      for step, scalars in steps:
        self._log(run_id, step, scalars)

  def trial(self, record: Trial) -> None:
    run_id = self._run(record.id)
    self._log(run_id, record.steps, records.best(record))
    param = self._entities.Param
    hparams = records.hparams_of(record)
    self.client.log_batch(run_id, params=[
        param(k, str(v)) for k, v in sorted(hparams.items())])
    self.client.set_terminated(
        run_id, 'FAILED' if record.diverged else 'FINISHED')
    del self._runs[record.id]

  def close(self) -> None:
    for run_id in self._runs.values():
      self.client.set_terminated(run_id, 'KILLED')
    self._runs.clear()
