import io

import numpy as np

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


def test_progress_within_a_round_on_a_terminal(monkeypatch):
  clock = iter([0.0, 0.0, 2.0, 4.0, 5.0, 5.0])
  monkeypatch.setattr(monitor.time, 'perf_counter', lambda: next(clock))
  stream, lines, rounds, tracker = Terminal(), [], [], Recorder()
  watch = monitor.Monitor(lines.append, [tracker],
                          on_round=lambda: rounds.append(1), stream=stream)
  watch.begin('round 2', member_steps=1200, best=0.5)
  watch.chunk(chunk([np.inf, 0.7, 0.4, 0.9]))
  assert stream.getvalue() == (
      'round 2: 400/1200 member-steps, 200/s, best 0.4, ETA 4s')
  watch.chunk(chunk([np.inf] * 4))
  assert stream.getvalue().endswith(
      '\r\033[Kround 2: 800/1200 member-steps, 200/s, best 0.4, ETA 2s')
  watch.stored({'id': 3})
  watch.end('round 2: done')
  assert stream.getvalue().endswith('\r\033[K')  # cleared before the line
  assert lines == ['round 2: done']
  assert rounds == []  # a 5 s search is too short to spend 5 s on a report
  assert len(tracker.chunks) == 2 and tracker.trials == [{'id': 3}]
  watch.close()
  assert tracker.closed


def test_the_report_takes_at_most_a_tenth_of_the_time(monkeypatch):
  now = [0.0]
  monkeypatch.setattr(monitor.time, 'perf_counter', lambda: now[0])
  drawn = []

  def report():  # drawing the report takes 1 s
    drawn.append(now[0])
    now[0] += 1.0
  watch = monitor.Monitor(lambda _: None, on_round=report,
                          stream=io.StringIO())
  for seconds in (20.0, 40.0, 5.0, 4.0, 12.0, 3.0):  # rounds of these lengths
    now[0] += seconds
    watch.end('round')
  # Until one is timed, a drawing is assumed to cost 5 s: the first is drawn
  # once 50 s have passed (at 60 s, done at 61 s); the next once 10 s have
  # passed since then (at 82 s).
  assert drawn == [60.0, 82.0]


def test_no_progress_line_when_not_a_terminal():
  stream, lines = io.StringIO(), []
  watch = monitor.Monitor(lines.append, stream=stream)
  watch.begin('round 1', member_steps=400, best=np.inf)
  watch.chunk(chunk([1.0] * 4))
  watch.end('round 1: done')
  assert stream.getvalue() == '' and lines == ['round 1: done']


def test_durations_read_naturally():
  assert [monitor.duration(s) for s in (44.6, 185, 7380)] == [
      '45s', '3m05s', '2h03m']
