import io

import numpy as np
import pytest

from jaxgan.search import members, monitor


class Terminal(io.StringIO):
  def isatty(self):
    return True


def chunk(best):
  return members.Chunk(cfg=None, ids=np.arange(4), steps=100, chunk=100,
                       curves={}, quality={}, samples=None,
                       best_objective=np.asarray(best))


class Recorder:
  def __init__(self):
    self.chunks, self.trials, self.closed = [], [], False

  def chunk(self, c):
    self.chunks.append(c)

  def trial(self, record):
    self.trials.append(record)

  def close(self):
    self.closed = True


def test_progress_bars_on_a_terminal():
  stream, lines, rounds, tracker = Terminal(), [], [], Recorder()
  watch = monitor.Monitor(monitor.Output(lines.append, stream=stream),
                          [tracker], on_round=lambda: rounds.append(1),
                          trials=(2, 10))
  assert '2/10' in stream.getvalue()  # the study's bar: trials stored
  watch.begin('round 2', member_steps=1200, best=0.5)
  watch.chunk(chunk([np.inf, 0.7, 0.4, 0.9]))
  shown = stream.getvalue().split('\r')[-1]
  assert 'round 2' in shown and '400/1200' in shown and 'best 0.4' in shown
  watch.chunk(chunk([np.inf] * 4))
  assert '800/1200' in stream.getvalue().split('\r')[-1]
  watch.stored({'id': 3})
  watch.end('round 2: done')
  assert lines == ['round 2: done']
  assert rounds == []  # a short search spends no 5 s on a report
  assert len(tracker.chunks) == 2 and tracker.trials == [{'id': 3}]
  assert '3/10' in stream.getvalue()
  watch.close()
  assert tracker.closed


@pytest.mark.parametrize('stream,quiet', [(io.StringIO(), False),
                                          (Terminal(), True)])
def test_no_bars_in_a_log_or_when_quiet(stream, quiet):
  lines = []
  watch = monitor.Monitor(
      monitor.Output(lines.append, quiet=quiet, stream=stream), trials=(0, 4))
  watch.begin('round 1', member_steps=400, best=np.inf)
  watch.chunk(chunk([1.0] * 4))
  watch.end('round 1: done')
  watch.close()
  assert stream.getvalue() == '' and lines == ['round 1: done']


def test_the_report_takes_at_most_a_tenth_of_the_time(monkeypatch):
  now = [0.0]
  monkeypatch.setattr(monitor.time, 'perf_counter', lambda: now[0])
  drawn = []

  def report():  # drawing the report takes 1 s
    drawn.append(now[0])
    now[0] += 1.0
  watch = monitor.Monitor(
      monitor.Output(lambda _: None, stream=io.StringIO()), on_round=report)
  for seconds in (20.0, 40.0, 5.0, 4.0, 12.0, 3.0):  # rounds of these lengths
    now[0] += seconds
    watch.end('round')
  # Until one is timed, a drawing is assumed to cost 5 s: the first is drawn
  # once 50 s have passed (at 60 s, done at 61 s); the next once 10 s have
  # passed since then (at 82 s).
  assert drawn == [60.0, 82.0]


def test_durations_read_naturally():
  assert [monitor.duration(s) for s in (44.6, 185, 7380)] == [
      '45s', '3m05s', '2h03m']
