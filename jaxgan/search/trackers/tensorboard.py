"""The ``tensorboard`` tracker: event files written with tensorboard's own
protos (see :mod:`jaxgan.search.trackers`)."""

import io
import itertools
import os
import socket
import time

import numpy as np

from jaxgan.search import members
from jaxgan.search.trackers import records
from jaxgan.search.trial import Trial


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
    for trial_id, steps, picture in records.members_of(chunk):
      w = self._writer(trial_id)
      for step, scalars in steps:
        w.scalars(step, scalars)
      w.image(chunk.steps, 'samples', picture)
      w.flush()

  def trial(self, record: Trial) -> None:
    from tensorboard.plugins.hparams import summary_v2 as hp
    w = self._writer(record.id)
    w.scalars(record.steps, records.best(record))
    w.summary(0, hp.hparams_pb(records.hparams_of(record)))
    w.close()
    del self._writers[record.id]

  def close(self) -> None:
    for w in self._writers.values():
      w.close()
    self._writers.clear()
