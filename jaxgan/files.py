"""Files a run leaves behind, written so that a crash never leaves half of
one: atomic writes, JSON, samples, and the lock that keeps one process per
workdir.

Example:
  >>> with WorkdirLock('/tmp/search'):       # refused while another holds it
  ...   write_json('/tmp/search/reference.json', {'floor': {}})
"""

import fcntl
import json
import os
import socket
import tempfile
from typing import Any, Callable

import numpy as np

from jaxgan import data, plotting

# Samples of every trial kept in ``W/samples/trial_ID.npz``, by data kind.
TRIAL_SAMPLES = {'images': 64, 'points': 1000}
LOCK_NAME = '.lock'


def atomic_write(path: str, write: Callable[[str], None]) -> None:
  """Calls ``write(tmp_path)`` then renames the result to ``path``.

  A crash leaves either the old file or the new one, never half of one.
  """
  directory = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(dir=directory, prefix='.tmp-',
                             suffix=os.path.splitext(path)[1])
  os.close(fd)
  try:
    write(tmp)
    os.replace(tmp, path)
  finally:
    if os.path.exists(tmp):
      os.remove(tmp)


def write_json(path: str, obj: Any) -> None:
  """Writes ``obj`` as indented JSON, atomically."""
  def write(tmp):
    with open(tmp, 'w') as f:
      json.dump(obj, f, indent=2, sort_keys=True)
      f.write('\n')
  atomic_write(path, write)


def read_json(path: str) -> Any:
  """The JSON in ``path``."""
  with open(path) as f:
    return json.load(f)


def save_samples(directory: str, samples: np.ndarray, dataset,
                 title: str) -> None:
  """Writes ``samples.npz`` (key ``x``) and ``samples.png`` into
  ``directory``.

  Images are stored in [0, 1] NHWC; 2-D points as they are.
  """
  if dataset.kind == 'images':
    samples = np.clip((samples + 1.0) / 2.0, 0.0, 1.0)
  atomic_write(os.path.join(directory, 'samples.npz'),
               lambda tmp: np.savez_compressed(tmp, x=samples))
  png = os.path.join(directory, 'samples.png')
  if dataset.kind == 'images':
    atomic_write(png, lambda tmp: plotting.image_grid_png(tmp, samples, title))
  else:
    points, label = data.landmarks(dataset)
    atomic_write(png, lambda tmp: plotting.scatter_png(tmp, samples, points,
                                                       title, label))


def samples_path(workdir: str, trial_id: int) -> str:
  """Where trial ``trial_id``'s samples are kept."""
  return os.path.join(workdir, 'samples', f'trial_{trial_id:04d}.npz')


def save_trial_samples(workdir: str, trial_id: int, samples: np.ndarray,
                       kind: str) -> None:
  """Keeps the first :data:`TRIAL_SAMPLES` of a trial's samples (images
  in [-1, 1], stored as uint8)."""
  os.makedirs(os.path.join(workdir, 'samples'), exist_ok=True)
  x = samples[:TRIAL_SAMPLES[kind]]
  if kind == 'images':
    x = np.round(np.clip((x + 1.0) / 2.0, 0.0, 1.0) * 255).astype(np.uint8)
  atomic_write(samples_path(workdir, trial_id),
               lambda tmp: np.savez_compressed(tmp, x=x))


def load_samples(workdir: str, trial_id: int) -> np.ndarray | None:
  """Trial ``trial_id``'s kept samples (images in [0, 1]), or None."""
  path = samples_path(workdir, trial_id)
  if not os.path.exists(path):
    return None
  with np.load(path) as f:
    x = f['x']
  return x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x


class WorkdirLock:
  """An exclusive OS lock (``flock``) on ``W/.lock`` while a command writes
  a workdir.

  The kernel releases it when its holder exits, however it exits (SIGKILL
  included), so a killed search can be resumed at once; a second process is
  refused while the holder lives, before it writes anything. The file holds
  the holder's host and process id, for the message. ``flock`` is reliable
  on local disks; on network file systems it depends on the server.

  Args:
    workdir: the directory; created if missing.
    enabled: False on processes that write nothing (multi-host workers).

  Raises:
    RuntimeError: (on entering) another process holds the workdir.
  """

  def __init__(self, workdir: str, enabled: bool = True):
    self.workdir, self.enabled = workdir, enabled
    self._fd = None

  def __enter__(self) -> 'WorkdirLock':
    if not self.enabled:
      return self
    path = os.path.join(self.workdir, LOCK_NAME)
    os.makedirs(self.workdir, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
      fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      holder = os.pread(fd, 256, 0).decode(errors='replace').strip()
      os.close(fd)
      raise RuntimeError(
          f'{self.workdir} is in use by {holder or "another process"}; '
          'wait for it to finish, stop it, or use another --workdir') from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f'host {socket.gethostname()}, process {os.getpid()}\n'
              .encode(), 0)
    self._fd = fd
    return self

  def __exit__(self, *exc) -> None:
    if self._fd is not None:
      os.ftruncate(self._fd, 0)
      fcntl.flock(self._fd, fcntl.LOCK_UN)
      os.close(self._fd)
      self._fd = None
