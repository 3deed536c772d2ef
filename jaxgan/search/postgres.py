"""A throwaway PostgreSQL server on this machine, for trying a shared study
(:mod:`jaxgan.search.shared`) without a database administrator, and for
jaxgan's own tests and benchmark.

It needs PostgreSQL's programs (Debian: ``apt-get install postgresql``) and
the driver (``pip install 'jaxgan[postgres]'``). :class:`Server` makes a
cluster in a new temporary directory, starts it on a free loopback port
(never one that a server already running uses), and on exit stops it and
removes the directory. Run as root, the cluster belongs to the unprivileged
``postgres`` user (PostgreSQL refuses to run as root), through ``runuser``.
Durability is off (``fsync=off``): a throwaway cluster trades it for speed.

Example:
  >>> with Server() as server:
  ...   search.tune(cfg, '/tmp/w1', shared=Shared(server.url, 'study'))
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile

USER = 'jaxgan'


def bindir() -> str:
  """The directory of PostgreSQL's server programs (the newest version
  Debian installed, else where ``pg_ctl`` is on the PATH).

  Raises:
    FileNotFoundError: PostgreSQL is not installed.
  """
  found = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'),
                 key=lambda p: int(p.split('/')[-3].split('.')[0]))
  if found:
    return os.path.dirname(found[-1])
  initdb = shutil.which('initdb')
  if initdb is None:
    raise FileNotFoundError('PostgreSQL is not installed (no initdb): '
                            'apt-get install postgresql')
  return os.path.dirname(initdb)


def _free_port() -> int:
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    return s.getsockname()[1]


class Server:
  """A PostgreSQL cluster for the length of a ``with`` block.

  Attributes:
    url: the SQLAlchemy URL of its database ``jaxgan`` (psycopg 3), set on
      entry.
    directory: the cluster's directory (data, socket, ``server.log``).
  """

  def __init__(self):
    self.url = ''
    self.directory = ''
    self.port = 0
    self._bin = bindir()
    self._as = (['runuser', '-u', 'postgres', '--'] if os.geteuid() == 0
                else [])

  def _run(self, program: str, *args: str) -> None:
    result = subprocess.run(self._as + [os.path.join(self._bin, program),
                                        *args],
                            capture_output=True, text=True)
    if result.returncode:
      raise RuntimeError(f'{program} failed: {result.stdout}{result.stderr}')

  def __enter__(self) -> 'Server':
    self.directory = tempfile.mkdtemp(prefix='jaxgan-postgres-')
    if self._as:
      shutil.chown(self.directory, 'postgres', 'postgres')
    data = os.path.join(self.directory, 'data')
    self._run('initdb', '-D', data, '-U', USER, '--auth=trust', '-E', 'UTF8',
              '--no-sync')
    for attempt in range(5):
      self.port = _free_port()
      try:
        self._run('pg_ctl', '-D', data, '-l',
                  os.path.join(self.directory, 'server.log'), '-w', '-o',
                  f'-p {self.port} -k {self.directory} '
                  '-c listen_addresses=127.0.0.1 -c fsync=off', 'start')
        break
      except RuntimeError:
        if attempt == 4:
          self._remove()
          raise
    self._run('createdb', '-h', '127.0.0.1', '-p', str(self.port), '-U',
              USER, USER)
    self.url = f'postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{USER}'
    return self

  def __exit__(self, *exc) -> None:
    try:
      self._run('pg_ctl', '-D', os.path.join(self.directory, 'data'), '-m',
                'immediate', 'stop')
    finally:
      self._remove()

  def _remove(self) -> None:
    shutil.rmtree(self.directory, ignore_errors=True)
