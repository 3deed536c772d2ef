"""A search's results as it runs: the best trial (``W/best/``), every
trial's samples (``W/samples/``) and the progress line printed after every
round."""

import os

import ml_collections
import numpy as np

from jaxgan import checkpoint, data, run
from jaxgan.search import members


# The fewest generated images ``W/best/samples.npz`` holds.
IMAGE_SAMPLES = 1000
# Samples of every trial kept in ``W/samples/trial_ID.npz``, by data kind.
TRIAL_SAMPLES = {'images': 64, 'points': 1000}


def samples_path(workdir: str, trial_id: int) -> str:
  """Where trial ``trial_id``'s samples are kept."""
  return os.path.join(workdir, 'samples', f'trial_{trial_id:04d}.npz')


def load_samples(workdir: str, trial_id: int) -> np.ndarray | None:
  """Trial ``trial_id``'s kept samples (images in [0, 1]), or None."""
  path = samples_path(workdir, trial_id)
  if not os.path.exists(path):
    return None
  with np.load(path) as f:
    x = f['x']
  return x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x


class Best:
  """The best trial so far, mirrored in ``W/best/`` and
  ``W/checkpoints/best``.

  ``W/best/`` holds ``config.json`` (the config that retrains the trial with
  ``jaxgan train``), ``metrics.json`` (its trial record), ``samples.npz``
  (key ``x``: ``train.eval_samples`` samples of its generator at its best
  evaluation, and at least :data:`IMAGE_SAMPLES` images, in [0, 1]) and
  ``samples.png``. ``W/checkpoints/best`` holds its G, D and
  EMA parameters (orbax; the step counts improvements, its metadata names
  the trial). :meth:`update` also keeps the first :data:`TRIAL_SAMPLES`
  samples of every trial it sees in ``W/samples/`` (images as uint8), for
  the report.
  """

  def __init__(self, workdir: str, trials: list[dict], write: bool):
    self.workdir, self.write = workdir, write
    finished = [t for t in trials if t.get('objective') is not None]
    self.trial = min(finished, key=lambda t: t['objective'], default=None)
    self.checkpoints = os.path.join(workdir, 'checkpoints', 'best')
    # Read once, before any process can be saving, then counted here.
    last = checkpoint.latest_step(self.checkpoints)
    self.step = 0 if last is None else last + 1

  @property
  def objective(self) -> float:
    return np.inf if self.trial is None else self.trial['objective']

  def update(self, m: members.Members, records: list[dict]) -> None:
    """Keeps the samples of ``m``'s trials (whose records are ``records``)
    and takes the best of them if it beats the best so far."""
    dataset = data.for_config(m.cfg)
    n = m.cfg.train.eval_samples
    all_samples = members.best_samples(
        m, max(n, IMAGE_SAMPLES) if dataset.kind == 'images' else n)
    if self.write:
      self._keep(records, all_samples, dataset.kind)
    j = int(np.argmin(m.best_objective))
    if not m.best_objective[j] < self.objective:
      return
    self.trial = records[j]
    nets = members.member_state(m, j)
    samples = all_samples[j]
    checkpoint.save(self.checkpoints, self.step, nets,
                    dict(trial=self.trial['id']), keep=1)
    self.step += 1
    if not self.write:
      return
    directory = os.path.join(self.workdir, 'best')
    os.makedirs(directory, exist_ok=True)
    run.write_json(os.path.join(directory, 'config.json'),
                   trial_config(m.cfg, self.trial).to_dict())
    run.write_json(os.path.join(directory, 'metrics.json'), self.trial)
    run.save_samples(directory, samples, dataset,
                     f'trial {self.trial["id"]}, step '
                     f'{self.trial["best_step"]}')


  def _keep(self, records: list[dict], samples: np.ndarray, kind: str):
    os.makedirs(os.path.join(self.workdir, 'samples'), exist_ok=True)
    for rec, x in zip(records, samples):
      x = x[:TRIAL_SAMPLES[kind]]
      if kind == 'images':
        x = np.round(np.clip((x + 1.0) / 2.0, 0.0, 1.0) * 255).astype(np.uint8)
      run.atomic_write(samples_path(self.workdir, rec['id']),
                       lambda tmp, x=x: np.savez_compressed(tmp, x=x))


def trial_config(bucket_cfg: ml_collections.ConfigDict,
                 trial: dict) -> ml_collections.ConfigDict:
  """The config that trains ``trial`` on its own: its bucket's config with
  its dynamic hyperparameters, and ``train.num_steps`` at its best
  evaluation."""
  cfg = ml_collections.ConfigDict(bucket_cfg.to_dict())
  cfg.hparams.update(trial['hparams'])
  cfg.train.num_steps = max(trial['best_step'], 1)
  return cfg


def progress(store, best: Best, label: str, n: int, seconds: float,
             member_steps: int, total: int) -> str:
  """One line after a round: its speed, trials stored, the best so far."""
  line = (f'{label}: {n} members in {seconds:.0f}s '
          f'({member_steps / max(seconds, 1e-9):.0f} member-steps/s); '
          f'trials {len(store.trials)}/{total}')
  if best.trial is not None:
    shown = ', '.join(f'{k} {v:.4g}'
                      for k, v in sorted(best.trial['metrics'].items()))
    line += (f'; best: trial {best.trial["id"]}, objective '
             f'{best.objective:.4g} ({shown})')
  return line
