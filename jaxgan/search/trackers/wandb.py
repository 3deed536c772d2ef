"""The ``wandb`` tracker: one Weights & Biases run per trial, grouped by
search (see :mod:`jaxgan.search.trackers`)."""

import netrc
import os

from jaxgan.search import members
from jaxgan.search.trackers import records
from jaxgan.search.trial import Trial

# The W&B project, unless $WANDB_PROJECT names one.
PROJECT = 'jaxgan'
_HOST = 'api.wandb.ai'


def logged_in() -> bool:
  """Whether W&B credentials exist: ``$WANDB_API_KEY``, or an entry for
  ``api.wandb.ai`` in ``~/.netrc`` (what ``wandb login`` writes)."""
  if os.environ.get('WANDB_API_KEY'):
    return True
  try:
    return netrc.netrc().authenticators(_HOST) is not None
  except (FileNotFoundError, netrc.NetrcParseError):
    return False


def mode() -> str:
  """``$WANDB_MODE`` if set, else ``online`` when :func:`logged_in`, else
  ``offline``."""
  return os.environ.get('WANDB_MODE') or ('online' if logged_in()
                                          else 'offline')


class WandB:
  """Writes every trial as a W&B run in ``W/wandb`` (see the package
  docstring)."""

  def __init__(self, workdir: str, hparam_names: list[str],
               metric_names: list[str]):
    del hparam_names, metric_names
    self._wandb = records.require('wandb')
    self.workdir = os.path.abspath(workdir)
    self.group = os.path.basename(self.workdir)
    self.mode = mode()
    self._runs = {}

  def _run(self, trial_id: int):
    if trial_id not in self._runs:
      self._runs[trial_id] = self._wandb.init(
          project=os.environ.get('WANDB_PROJECT', PROJECT), group=self.group,
          name=f'trial_{trial_id:04d}', job_type='trial', dir=self.workdir,
          mode=self.mode, reinit='create_new',
          settings=self._wandb.Settings(silent=True, console='off',
                                        x_disable_stats=True))
    return self._runs[trial_id]

  def chunk(self, chunk: members.Chunk) -> None:
    for trial_id, steps, picture in records.members_of(chunk):
      run = self._run(trial_id)
      for step, scalars in steps:
        run.log(scalars, step=step)
      run.log({'samples': self._wandb.Image(picture)}, step=chunk.steps)

  def trial(self, record: Trial) -> None:
    run = self._run(record.id)
    run.config.update(records.hparams_of(record), allow_val_change=True)
    run.summary.update(records.best(record))
    run.finish(exit_code=1 if record.diverged else 0)
    del self._runs[record.id]

  def close(self) -> None:
    for run in self._runs.values():
      run.finish(exit_code=1)
    self._runs.clear()
