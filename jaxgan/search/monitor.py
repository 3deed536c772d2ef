"""What a running search shows: a line after every round, a progress line
within a round (on a terminal only), the trackers, and the report.

The report is rewritten after a round unless drawing it would take more than
a tenth of the time (:data:`REPORT_SHARE`) since it was last drawn (or
since the search began; until it has been drawn once, a drawing is assumed
to take :data:`REPORT_SECONDS`): after every round of a search whose rounds
take minutes, less often when rounds take seconds. The search draws it once
more at the end.

Example:
  >>> monitor = Monitor(print, [trackers.TensorBoard(...)], on_round=write)
  >>> monitor.begin('round 1', member_steps=8 * 10_000, best=np.inf)
  >>> members.train_to(m, h, 10_000, 'fid', watch=monitor.chunk)
  >>> monitor.stored(trial)             # each trial, once stored
  >>> monitor.end('round 1: 8 members in 40s ...')
"""

import sys
import time
from typing import Callable, Sequence, TextIO

import numpy as np

from jaxgan.search import members

# The largest share of a search's time that rewriting the report may take,
# and what a drawing is assumed to cost before one has been timed (seconds).
REPORT_SHARE = 0.1
REPORT_SECONDS = 5.0


def duration(seconds: float) -> str:
  """``'45s'``, ``'3m05s'`` or ``'2h03m'``."""
  seconds = int(round(seconds))
  if seconds < 60:
    return f'{seconds}s'
  if seconds < 3600:
    return f'{seconds // 60}m{seconds % 60:02d}s'
  return f'{seconds // 3600}h{seconds % 3600 // 60:02d}m'


class Monitor:
  """Progress, trackers and reports of one search.

  Args:
    say: prints a line (process 0; a no-op elsewhere).
    trackers: the experiment trackers (:mod:`jaxgan.search.trackers`), on
      process 0 only.
    on_round: called after a round (writes the report), throttled to
      :data:`REPORT_SHARE` of the time.
    stream: where the progress line goes; it is shown only if this is a
      terminal, and overwritten in place.
    sign: -1 when the objective is maximised: the best objectives it is
      given (:meth:`begin`, :attr:`members.Chunk.best_objective`) are
      negated, and shown as the metric.
  """

  def __init__(self, say: Callable[[str], None], trackers: Sequence = (),
               on_round: Callable[[], None] = lambda: None,
               stream: TextIO | None = None, sign: float = 1.0):
    self.say_line, self.trackers, self.on_round = say, list(trackers), on_round
    self.sign = sign
    self.stream = sys.stdout if stream is None else stream
    self.live = self.stream.isatty()
    self._label, self._total, self._done = '', 0, 0
    self._best, self._start, self._shown = np.inf, 0.0, False
    self._reported = time.perf_counter()
    self._report_seconds = REPORT_SECONDS

  def say(self, line: str) -> None:
    """Prints a line, clearing the progress line first."""
    self._clear()
    self.say_line(line)

  def begin(self, label: str, member_steps: int, best: float) -> None:
    """Starts a round of ``member_steps`` member-steps; ``best`` is the best
    objective before it (times ``sign``)."""
    self._label, self._total, self._done = label, member_steps, 0
    self._best, self._start = best, time.perf_counter()

  def chunk(self, chunk: members.Chunk) -> None:
    """Takes one chunk: passes it to the trackers, updates the progress."""
    for tracker in self.trackers:
      tracker.chunk(chunk)
    self._done += len(chunk.ids) * chunk.chunk
    self._best = min(self._best, float(np.min(chunk.best_objective,
                                              initial=np.inf)))
    if self.live:
      self._clear()
      self.stream.write(self.progress(time.perf_counter() - self._start))
      self.stream.flush()
      self._shown = True

  def progress(self, seconds: float) -> str:
    """The progress line after ``seconds`` of the round."""
    rate = self._done / max(seconds, 1e-9)
    line = (f'{self._label}: {self._done}/{self._total} member-steps, '
            f'{rate:.0f}/s')
    if np.isfinite(self._best):
      line += f', best {self.sign * self._best:.4g}'
    if 0 < self._done < self._total:
      line += f', ETA {duration((self._total - self._done) / rate)}'
    return line

  def stored(self, trial) -> None:
    """Passes a stored :class:`~jaxgan.search.trial.Trial` to the
    trackers."""
    for tracker in self.trackers:
      tracker.trial(trial)

  def end(self, line: str) -> None:
    """Ends a round: prints its line and calls ``on_round`` unless its last
    call took more than :data:`REPORT_SHARE` of the time since."""
    self.say(line)
    now = time.perf_counter()
    if self._report_seconds <= REPORT_SHARE * (now - self._reported):
      self.on_round()
      self._reported = time.perf_counter()
      self._report_seconds = self._reported - now

  def close(self) -> None:
    """Clears the progress line and closes the trackers."""
    self._clear()
    for tracker in self.trackers:
      tracker.close()

  def _clear(self) -> None:
    if self._shown:
      self.stream.write('\r\033[K')
      self.stream.flush()
      self._shown = False
