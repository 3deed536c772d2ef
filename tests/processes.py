"""Processes the tests start and wait for.

Their output goes to a file, not a pipe: a pipe that nobody reads while the
test waits on something else (another process, a stored trial) can fill and
stop the process that writes to it.
"""

import subprocess


def start(command, log, **kwargs) -> subprocess.Popen:
  """``command`` started (``kwargs`` go to ``Popen``), its output going to
  the file ``log``."""
  with open(log, 'w') as f:
    return subprocess.Popen(command, stdout=f, stderr=subprocess.STDOUT,
                            **kwargs)


def finish(proc: subprocess.Popen, log) -> str:
  """What ``proc`` (started by :func:`start`) wrote to ``log``, once it has
  ended well."""
  proc.wait()
  out = log.read_text()
  assert proc.returncode == 0, out
  return out
