import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from jaxgan import files


def test_atomic_write_keeps_old_file_when_writer_fails(tmp_path):
  path = tmp_path / 'a.json'
  files.write_json(str(path), {'v': 1})

  def failing(tmp):
    with open(tmp, 'w') as f:
      f.write('{"v": 2')
    raise RuntimeError('disk full')

  with pytest.raises(RuntimeError):
    files.atomic_write(str(path), failing)
  assert json.loads(path.read_text()) == {'v': 1}
  assert os.listdir(tmp_path) == ['a.json']


# Holds the lock until the test closes its standard input (or kills it).
HOLD = """
import sys
from jaxgan import files
with files.WorkdirLock(sys.argv[1]):
  print('held', flush=True)
  sys.stdin.read()
"""


def test_the_lock_names_its_holder_and_dies_with_it(tmp_path):
  holder = subprocess.Popen([sys.executable, '-c', HOLD, str(tmp_path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
  try:
    assert holder.stdout.readline() == 'held\n'
    with pytest.raises(RuntimeError, match=(
        rf'{tmp_path} is in use by host {socket.gethostname()}, process '
        rf'{holder.pid}; wait for it to finish')):
      with files.WorkdirLock(str(tmp_path)):
        pass
  finally:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
  # The kernel released it with its holder: taken at once, and again after.
  for _ in range(2):
    with files.WorkdirLock(str(tmp_path)):
      text = (tmp_path / files.LOCK_NAME).read_text()
      assert text == f'host {socket.gethostname()}, process {os.getpid()}\n'
  assert (tmp_path / files.LOCK_NAME).read_text() == ''


def test_processes_that_write_nothing_take_no_lock(tmp_path):
  with files.WorkdirLock(str(tmp_path)):
    with files.WorkdirLock(str(tmp_path), enabled=False):
      pass
