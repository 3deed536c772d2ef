"""What a running search shows: a line after every round, progress bars
(tqdm: a widget in Jupyter and Colab, a bar on a terminal, nothing in a
log file), the trackers, and the report.

Two bars: the trials stored out of ``search.num_trials``, and the current
round's member-steps with their rate, the best objective so far and the
time left.

The report is rewritten after a round unless drawing it would take more than
a tenth of the time (:data:`REPORT_SHARE`) since it was last drawn (or
since the search began; until it has been drawn once, a drawing is assumed
to take :data:`REPORT_SECONDS`): after every round of a search whose rounds
take minutes, less often when rounds take seconds. The search draws it once
more at the end.

Example:
  >>> monitor = Monitor(Output(), trackers.start(['tensorboard'], ...),
  ...                   on_round=write, trials=(0, 40))
  >>> monitor.begin('round 1', member_steps=8 * 10_000, best=np.inf)
  >>> members.train_to(m, h, 10_000, 'fid', watch=monitor.chunk)
  >>> monitor.stored(trial)             # each trial, once stored
  >>> monitor.end('round 1: 8 members in 40s ...')
"""

import importlib.util
import sys
import time
from typing import Callable, NamedTuple, Sequence, TextIO

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


def bars() -> tuple[type, bool | None]:
  """The tqdm class for this process and its ``disable`` default: the
  notebook widget, always shown, inside Jupyter or Colab with ipywidgets;
  else the terminal bar, shown only on a terminal (None)."""
  from tqdm import auto, notebook, std
  if issubclass(auto.tqdm, notebook.tqdm) and importlib.util.find_spec(
      'ipywidgets') is not None:
    return auto.tqdm, False
  return std.tqdm, None


class Output(NamedTuple):
  """Where a search's progress goes.

  Attributes:
    log: prints a line (on process 0; a no-op elsewhere).
    tracker: names in :data:`jaxgan.search.trackers.TRACKERS`
      (``'tensorboard'``, ``'mlflow'``, ``'wandb'``), or none.
    quiet: no progress bars, lines only (for logs).
    stream: where the bars go (default stderr); a terminal bar is shown
      only if this is a terminal.
  """
  log: Callable[[str], None] = print
  tracker: Sequence[str] = ('tensorboard',)
  quiet: bool = False
  stream: TextIO | None = None


class Monitor:
  """Progress, trackers and reports of one search.

  Args:
    output: its lines, bars and where they go (its ``tracker`` names are
      started by the caller, as ``trackers``).
    trackers: the experiment trackers (:mod:`jaxgan.search.trackers`), on
      process 0 only.
    on_round: called after a round (writes the report), throttled to
      :data:`REPORT_SHARE` of the time.
    sign: -1 when the objective is maximised: the best objectives it is
      given (:meth:`begin`, :attr:`members.Chunk.best_objective`) are
      negated, and shown as the metric.
    trials: ``(stored, total)`` trials of the search, for its bar.
  """

  def __init__(self, output: Output, trackers: Sequence = (),
               on_round: Callable[[], None] = lambda: None,
               sign: float = 1.0, trials: tuple[int, int] = (0, 0)):
    self.say_line, self.trackers = output.log, list(trackers)
    self.on_round, self.sign = on_round, sign
    self._tqdm, disable = bars()
    self._options = dict(file=(sys.stderr if output.stream is None
                               else output.stream),
                         disable=True if output.quiet else disable,
                         dynamic_ncols=True, mininterval=0)
    self._trials = self._tqdm(desc='trials', initial=trials[0],
                              total=trials[1] or None, unit=' trials',
                              position=0, **self._options)
    self._round = None
    self._best = np.inf
    self._reported = time.perf_counter()
    self._report_seconds = REPORT_SECONDS

  def say(self, line: str) -> None:
    """Prints a line above the bars."""
    with self._tqdm.external_write_mode(file=self._options['file']):
      self.say_line(line)

  def begin(self, label: str, member_steps: int, best: float) -> None:
    """Starts a round of ``member_steps`` member-steps; ``best`` is the best
    objective before it (times ``sign``)."""
    self._close_round()
    self._best = best
    self._round = self._tqdm(desc=label, total=member_steps,
                             unit=' member-steps', position=1, leave=False,
                             **self._options)
    self._show_best(self._round)

  def chunk(self, chunk: members.Chunk) -> None:
    """Takes one chunk: passes it to the trackers, updates the progress."""
    for tracker in self.trackers:
      tracker.chunk(chunk)
    self._best = min(self._best, float(np.min(chunk.best_objective,
                                              initial=np.inf)))
    if self._round is not None:
      self._show_best(self._round, refresh=False)
      self._round.update(len(chunk.ids) * chunk.chunk)

  def _show_best(self, bar, refresh: bool = True) -> None:
    if np.isfinite(self._best):
      bar.set_postfix_str(f'best {self.sign * self._best:.4g}',
                          refresh=refresh)

  def stored(self, trial) -> None:
    """Passes a stored :class:`~jaxgan.search.trial.Trial` to the
    trackers."""
    for tracker in self.trackers:
      tracker.trial(trial)
    self._trials.update(1)

  def end(self, line: str) -> None:
    """Ends a round: prints its line and calls ``on_round`` unless its last
    call took more than :data:`REPORT_SHARE` of the time since."""
    self._close_round()
    self._show_best(self._trials)
    self.say(line)
    now = time.perf_counter()
    if self._report_seconds <= REPORT_SHARE * (now - self._reported):
      self.on_round()
      self._reported = time.perf_counter()
      self._report_seconds = self._reported - now

  def close(self) -> None:
    """Closes the bars and the trackers."""
    self._close_round()
    self._trials.close()
    for tracker in self.trackers:
      tracker.close()

  def _close_round(self) -> None:
    if self._round is not None:
      self._round.close()
      self._round = None
