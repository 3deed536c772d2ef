"""A writer thread for the trackers, so that training never waits for
their files.

The round runner hands a chunk to :meth:`Background.chunk` and goes on
training; the thread passes it to every tracker, in order. The queue is
bounded (:data:`DEPTH` items): trackers that fall that far behind make
training wait rather than hold unbounded copies. A tracker's error is
raised on the next call from the training thread, and by :meth:`close`.
"""

import queue
import threading
from typing import Sequence

from jaxgan.search import members
from jaxgan.search.trial import Trial

# Chunks and trials the writer may fall behind by.
DEPTH = 64


class Background:
  """Trackers (:mod:`jaxgan.search.trackers`) run on one writer thread.

  Args:
    trackers: the trackers; each gets every chunk and trial, in order.
  """

  def __init__(self, trackers: Sequence):
    self.trackers = list(trackers)
    self._queue = queue.Queue(maxsize=DEPTH)
    self._error = None
    self._thread = threading.Thread(target=self._write, daemon=True,
                                    name='jaxgan-trackers')
    self._thread.start()

  def _write(self) -> None:
    while True:
      item = self._queue.get()
      if item is None:
        return
      if self._error is None:
        method, value = item
        try:
          for tracker in self.trackers:
            getattr(tracker, method)(value)
        except Exception as e:  # raised on the training thread
          self._error = e

  def _raise(self) -> None:
    if self._error is not None:
      error, self._error = self._error, None
      raise RuntimeError(f'a tracker failed: {error!r}') from error

  def chunk(self, chunk: members.Chunk) -> None:
    """Queues ``chunk`` for every tracker."""
    self._raise()
    self._queue.put(('chunk', chunk))

  def trial(self, record: Trial) -> None:
    """Queues a stored trial for every tracker."""
    self._raise()
    self._queue.put(('trial', record))

  def close(self) -> None:
    """Writes what is queued, then closes every tracker."""
    self._queue.put(None)
    self._thread.join()
    try:
      for tracker in self.trackers:
        tracker.close()
    finally:
      self._raise()
