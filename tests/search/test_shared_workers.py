"""Workers in processes of their own sharing one study: in a real
PostgreSQL (a throwaway cluster started here, :mod:`jaxgan.search.postgres`)
and in SQLite. One worker is killed while it holds trials; another retrains
them."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import processes
import synthetic
from jaxgan.search import postgres, shared
from jaxgan.search.shared import Shared, Study
from test_shared import claim_side_by_side

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, 'shared_worker.py')
ONE_DEVICE = dict(os.environ, JAX_NUM_CPU_DEVICES='1')

pytestmark = pytest.mark.xdist_group('postgres')


@pytest.fixture(scope='module')
def server():
  try:
    postgres.bindir()
  except FileNotFoundError:
    if os.environ.get('CI'):
      raise
    pytest.skip('PostgreSQL is not installed (.ci/run installs it)')
  with postgres.Server() as s:
    yield s


def _poll(condition):
  """``condition()`` once it is true, looked at every tenth of a second
  (pytest-timeout is the guard against forever)."""
  while not (found := condition()):
    time.sleep(0.1)
  return found


def _reader(url: str, name: str) -> Study:
  """A handle that reads the study's claims without joining it."""
  return Study(Shared(url, name), shared.engine(url), -1, 0.0, None)


def _worker(url, name, workdir, log, *extra):
  return processes.start(
      [sys.executable, WORKER, url, name, str(workdir), 'optuna-tpe', '8',
       '2', *extra], log, env=ONE_DEVICE)


def _stored(workdir) -> list[dict]:
  return synthetic.stored(workdir)


def test_a_killed_workers_trials_are_retrained_by_another(server, tmp_path):
  url, name = server.url, 'killed'
  a = _worker(url, name, tmp_path / 'a', tmp_path / 'a.log', 'hang')
  # By construction a never stores what it claimed: its training hangs.
  _poll(lambda: 'hanging' in (tmp_path / 'a.log').read_text())
  reader = _reader(url, name)
  held = [c['id'] for c in reader.claims()
          if c['worker'] == 0 and c['state'] == shared.RUNNING]
  assert held == [0, 1]
  b = _worker(url, name, tmp_path / 'b', tmp_path / 'b.log')
  a.send_signal(signal.SIGKILL)
  a.wait()
  out = processes.finish(b, tmp_path / 'b.log')
  claims = reader.claims()
  assert [c['id'] for c in claims] == list(range(8))
  assert {c['state'] for c in claims} == {shared.STORED}
  assert [c['id'] for c in claims if c['tries'] > 1] == held
  assert {c['worker'] for c in claims} == {1}
  assert 'retraining trials [0]: their worker was lost (try 2)' in out
  assert 'confirming' in out
  stored = _stored(tmp_path / 'b')
  assert sorted(t['id'] for t in stored) == list(range(8))
  assert 'trials 0, 1 were trained again after their worker was lost' in (
      tmp_path / 'b' / 'report.md').read_text()
  # A restarted worker rejoins: the study is over, so it only mirrors it.
  again = processes.finish(_worker(url, name, tmp_path / 'a',
                                   tmp_path / 'a2.log'), tmp_path / 'a2.log')
  assert f"worker 2 of study '{name}'" in again and 'round' not in again
  assert _stored(tmp_path / 'a') == stored
  other = synthetic.config('optuna-tpe', num_trials=9, population=2)
  with pytest.raises(ValueError, match='search.num_trials: 8 -> 9'):
    Study.join(Shared(url, name), other)


def test_concurrent_workers_claim_every_id_once_in_postgresql(server):
  claim_side_by_side(Shared(server.url, 'side-by-side'))


def test_workers_share_a_study_in_sqlite(tmp_path):
  url, name = f'sqlite:///{tmp_path}/study.db', 'sqlite'
  workers = [_worker(url, name, tmp_path / f'w{i}', tmp_path / f'w{i}.log')
             for i in range(2)]
  for i, w in enumerate(workers):
    processes.finish(w, tmp_path / f'w{i}.log')
  claims = _reader(url, name).claims()
  assert [c['id'] for c in claims] == list(range(8))
  assert all(c['state'] == shared.STORED and c['tries'] == 1 for c in claims)
  assert len({json.dumps(c['point']) for c in claims}) == 8


TUNE = ['--config.model.width=8', '--config.model.depth=2',
        '--config.model.latent_dim=4', '--config.train.batch_size=16',
        '--config.train.num_steps=2000', '--config.train.chunk_steps=500',
        '--config.train.eval_samples=64', '--config.search.num_trials=8',
        '--config.search.population=2', '--config.search.initial_points=4',
        '--config.penalty=none', '--config.search.space.r1_gamma=',
        '--config.search.space.b1=', '--config.search.space.b2=',
        '--config.search.confirm_seeds=2',
        '--config.search.confirm_max_seeds=2', '--tracker=none', '--quiet']


def test_two_command_line_workers_share_a_study_in_postgresql(server,
                                                             tmp_path):
  url = server.url.replace('jaxgan@', 'jaxgan:hunter2@')  # trust: unchecked
  flags = [f'--storage={url}', '--study=cli']
  workers = [processes.start(
      [sys.executable, '-m', 'jaxgan', 'tune', *flags,
       f'--workdir={tmp_path / f"w{i}"}', *TUNE], tmp_path / f'w{i}.log',
      cwd=ROOT, env=ONE_DEVICE) for i in range(2)]
  logs = [processes.finish(w, tmp_path / f'w{i}.log')
          for i, w in enumerate(workers)]
  subprocess.run([sys.executable, '-m', 'jaxgan', 'report', *flags,
                  f'--workdir={tmp_path / "out"}'], cwd=ROOT, check=True,
                 capture_output=True)
  [confirming] = [tmp_path / f'w{i}' for i, log in enumerate(logs)
                  if 'confirming:' in log]
  stored = _stored(tmp_path / 'out')
  assert sorted(t['id'] for t in stored) == list(range(8))
  for t in stored:
    assert t['status'] == 'finished' and t['steps'] == 2000
    assert t['curves']['step'] and t['evaluations']['step'] and t['metrics']
    assert set(t['setting']) == {'lr_d', 'lr_g', 'loss'}
    assert (tmp_path / 'out' / 'samples' / f'trial_{t["id"]:04d}.npz'
            ).exists() or any((tmp_path / 'out' / 'samples').iterdir())
  points = [json.dumps(c['point']) for c in _reader(url, 'cli').claims()]
  assert len(set(points)) == 8
  assert (tmp_path / 'out' / 'report.md').read_text() == (
      confirming / 'report.md').read_text()
  figures = lambda w: {p.name: p.read_bytes()
                       for p in (w / 'report').iterdir()}
  assert figures(tmp_path / 'out') == figures(confirming)
  for path in tmp_path.rglob('*'):
    if path.is_file():
      assert b'hunter2' not in path.read_bytes(), path
  assert not any('hunter2' in log for log in logs)
