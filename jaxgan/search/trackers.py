"""Experiment trackers: every trial's curves, evaluations, samples and
hyperparameters, written while a search runs.

A tracker has one signature, looked up by name in :data:`TRACKERS`::

    tracker = TRACKERS[name](workdir, hparam_names, metric_names)
    tracker.chunk(chunk)     # after every chunk: a members.Chunk
    tracker.trial(record)    # when a trial's record is stored
    tracker.close()

* ``tensorboard`` (event files written with tensorboard's own protos): one
  run per trial in
  ``W/tensorboard/trial_ID/`` with scalars ``train/*`` (the training curves:
  D and G losses, grad norms, mean D(x) and D(G(z)), penalty), ``eval/*``
  (every evaluation) and ``best/*`` (the trial's best evaluation, written
  when it is stored), a ``samples`` image per evaluation (an image grid, or
  the 2-D samples' density with the true modes in red), and its
  hyperparameters for the HParams dashboard, whose experiment (the searched
  hyperparameters against ``best/*``) is declared in ``W/tensorboard``.
  ``tensorboard --logdir W/tensorboard``.
* ``mlflow`` (the ``jaxgan[mlflow]`` extra): one MLflow run per trial in the
  local file store ``W/mlruns`` (experiment ``jaxgan``), with the same
  scalars and the hyperparameters as params; ``mlflow ui
  --backend-store-uri W/mlruns``.

Trackers run on process 0 only; the search calls them between chunks, from
host copies of the numbers, before it starts the next chunk.
"""

import io
import itertools
import os
import socket
import time

import numpy as np

from jaxgan import data, plotting
from jaxgan.search import members
from jaxgan.search.history import CURVES
from jaxgan.search.trial import Trial

# Pixels per side of the 2-D density pictures.
DENSITY_PIXELS = 96


def density_picture(points: np.ndarray, modes: np.ndarray,
                    pixels: int = DENSITY_PIXELS) -> np.ndarray:
  """2-D samples as an RGB uint8 picture: their density in grey (darker is
  denser), the true modes as red dots, on the square of half-width 1.5 x
  the farthest mode."""
  span = 1.5 * float(np.abs(modes).max())
  edges = np.linspace(-span, span, pixels + 1)
  finite = points[np.all(np.isfinite(points), axis=1)]
  counts, _, _ = np.histogram2d(finite[:, 1], finite[:, 0], (edges, edges))
  counts = np.log1p(counts[::-1])
  shade = 1.0 - counts / max(counts.max(), 1e-12)
  picture = np.repeat((shade * 255).astype(np.uint8)[..., None], 3, axis=-1)
  cells = np.clip(np.floor((modes + span) / (2 * span) * pixels).astype(int),
                  0, pixels - 1)
  rows, cols = pixels - 1 - cells[:, 1], cells[:, 0]
  picture[rows, cols] = (220, 30, 30)
  return picture


def picture(samples: np.ndarray, modes: np.ndarray | None) -> np.ndarray:
  """One member's samples as a picture: a grid of images (generator outputs
  in [-1, 1]) or, given the mixture's ``modes``, a density picture."""
  if modes is not None:
    return density_picture(samples, modes)
  grid = plotting.image_grid(np.clip((samples + 1.0) / 2.0, 0.0, 1.0))
  return (grid * 255).round().astype(np.uint8)


def _scalars(chunk: members.Chunk, j: int) -> list[tuple[int, dict]]:
  """Member ``j``'s scalars in ``chunk``, as ``(step, {tag: value})``."""
  out = [(int(step), {f'train/{k}': float(chunk.curves[k][j, t])
                      for k in CURVES})
         for t, step in enumerate(chunk.curves['step'])]
  out.append((chunk.steps, {f'eval/{k}': float(v[j])
                            for k, v in chunk.quality.items()}))
  return out


def _best(record: Trial) -> dict:
  best = {f'best/{k}': v for k, v in record.metrics.items()}
  if record.objective is not None:
    best['best/objective'] = record.objective
  return best


def hparams_of(record: Trial) -> dict:
  """A trial's hyperparameters and static settings, flat."""
  return {**record.hparams, **record.bucket}


class EventFile:
  """A TensorBoard event file, written with the protos of the ``tensorboard``
  package alone: ``tf.summary`` would import TensorFlow, which takes about
  9 s, in every process that tracks a search."""

  _names = itertools.count()

  def __init__(self, directory: str):
    from tensorboard.summary.writer import record_writer
    os.makedirs(directory, exist_ok=True)
    name = (f'events.out.tfevents.{int(time.time()):010d}.'
            f'{socket.gethostname()}.{os.getpid()}.{next(self._names)}')
    self._records = record_writer.RecordWriter(
        open(os.path.join(directory, name), 'wb'))
    self._event(file_version='brain.Event:2')

  def _event(self, **fields) -> None:
    from tensorboard.compat.proto import event_pb2
    event = event_pb2.Event(wall_time=time.time(), **fields)
    self._records.write(event.SerializeToString())

  def summary(self, step: int, summary) -> None:
    """Writes a ``Summary`` proto at ``step``."""
    self._event(step=step, summary=summary)

  def scalars(self, step: int, values: dict[str, float]) -> None:
    """Writes float32 scalars for the scalars dashboard."""
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.scalar import metadata
    from tensorboard.util import tensor_util
    tagged = metadata.create_summary_metadata('', '')
    self.summary(step, summary_pb2.Summary(value=[
        summary_pb2.Summary.Value(
            tag=tag, metadata=tagged,
            tensor=tensor_util.make_tensor_proto(np.float32(value)))
        for tag, value in values.items()]))

  def image(self, step: int, tag: str, picture: np.ndarray) -> None:
    """Writes a uint8 ``picture`` (height, width, 1 or 3 channels) as a
    PNG."""
    from PIL import Image
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.image import metadata
    from tensorboard.util import tensor_util
    png = io.BytesIO()
    Image.fromarray(picture[..., 0] if picture.shape[-1] == 1 else picture
                    ).save(png, format='PNG')
    height, width = picture.shape[:2]
    self.summary(step, summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag=tag,
        metadata=metadata.create_summary_metadata(
            '', '', converted_to_tensor=True),
        tensor=tensor_util.make_tensor_proto(
            [str(width).encode(), str(height).encode(), png.getvalue()]))]))

  def flush(self) -> None:
    self._records.flush()

  def close(self) -> None:
    self._records.close()


class TensorBoard:
  """Writes every trial to ``W/tensorboard`` (see the module docstring)."""

  def __init__(self, workdir: str, hparam_names: list[str],
               metric_names: list[str]):
    from tensorboard.plugins.hparams import summary_v2 as hp
    self.root = os.path.join(workdir, 'tensorboard')
    self._writers = {}
    experiment = EventFile(self.root)
    experiment.summary(0, hp.hparams_config_pb(
        hparams=[hp.HParam(name) for name in hparam_names],
        metrics=[hp.Metric(f'best/{name}', display_name=name)
                 for name in ['objective'] + list(metric_names)]))
    experiment.close()

  def _writer(self, trial_id: int) -> EventFile:
    if trial_id not in self._writers:
      self._writers[trial_id] = EventFile(
          os.path.join(self.root, f'trial_{trial_id:04d}'))
    return self._writers[trial_id]

  def chunk(self, chunk: members.Chunk) -> None:
    dataset = data.for_config(chunk.cfg)
    modes = dataset.modes if dataset.kind == 'points' else None
    for j, trial_id in enumerate(chunk.ids):
      w = self._writer(int(trial_id))
      for step, scalars in _scalars(chunk, j):
        w.scalars(step, scalars)
      w.image(chunk.steps, 'samples', picture(chunk.samples[j], modes))
      w.flush()

  def trial(self, record: Trial) -> None:
    from tensorboard.plugins.hparams import summary_v2 as hp
    w = self._writer(record.id)
    w.scalars(record.steps, _best(record))
    w.summary(0, hp.hparams_pb(hparams_of(record)))
    w.close()
    del self._writers[record.id]

  def close(self) -> None:
    for w in self._writers.values():
      w.close()
    self._writers.clear()


class MLflow:
  """Writes every trial as an MLflow run in ``W/mlruns`` (see the module
  docstring)."""

  def __init__(self, workdir: str, hparam_names: list[str],
               metric_names: list[str]):
    del hparam_names, metric_names
    try:
      import mlflow
    except ImportError:
      raise ValueError("--tracker=mlflow needs MLflow: pip install "
                       "'jaxgan[mlflow]'") from None
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
    for j, trial_id in enumerate(chunk.ids):
      run_id = self._run(int(trial_id))
      for step, scalars in _scalars(chunk, j):
        self._log(run_id, step, scalars)

  def trial(self, record: Trial) -> None:
    run_id = self._run(record.id)
    self._log(run_id, record.steps, _best(record))
    param = self._entities.Param
    self.client.log_batch(run_id, params=[
        param(k, str(v)) for k, v in sorted(hparams_of(record).items())])
    self.client.set_terminated(
        run_id, 'FAILED' if record.diverged else 'FINISHED')
    del self._runs[record.id]

  def close(self) -> None:
    for run_id in self._runs.values():
      self.client.set_terminated(run_id, 'KILLED')
    self._runs.clear()


TRACKERS = {'tensorboard': TensorBoard, 'mlflow': MLflow}
