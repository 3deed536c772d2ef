"""What the population benchmarks share: the JAX CPU devices to expose
(read from the command line before JAX starts) and a median of timed
calls. Imports no JAX."""

import os
import statistics
import time


def cpu_devices_from_argv(argv) -> str:
  """``--cpu_devices=N`` from ``argv``, else one device per core."""
  for arg in argv:
    if arg.startswith('--cpu_devices='):
      return arg.split('=', 1)[1]
  return str(os.cpu_count() or 1)


def add_cpu_devices_flag(parser) -> None:
  """The ``--cpu_devices`` flag (read by :func:`cpu_devices_from_argv`)."""
  parser.add_argument('--cpu_devices', type=int, default=os.cpu_count(),
                      help='JAX devices to expose on a CPU host (read before '
                      'JAX starts; JAX_NUM_CPU_DEVICES wins when set)')


def median_seconds(fn, repeats: int) -> float:
  """Median wall time of ``fn()`` (which must block) over ``repeats``
  calls."""
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    fn()
    times.append(time.perf_counter() - start)
  return statistics.median(times)
