"""The console entry point, run as a user would, in subprocesses."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from processes import finish, start

ROOT = os.path.join(os.path.dirname(__file__), '..')
# On PYTHONPATH: importing TensorFlow fails (its sitecustomize.py).
NO_TENSORFLOW = os.path.join(os.path.dirname(__file__), 'no_tensorflow')
# Compiles in seconds: small, and no penalty (R1's double backward doubles
# compile time).
TINY = ['--config.model.width=8', '--config.model.depth=2',
        '--config.model.latent_dim=4', '--config.penalty=none',
        '--config.train.num_steps=4', '--config.train.chunk_steps=2',
        '--config.train.batch_size=8', '--config.train.eval_samples=32']


def jaxgan(*args):
  return subprocess.run([sys.executable, '-m', 'jaxgan', *args], cwd=ROOT,
                        capture_output=True, text=True)


def test_train_with_config_file_and_overrides(tmp_path):
  out = jaxgan('train', '--config=experiments/configs/ring8.py',
               f'--workdir={tmp_path}', *TINY)
  assert out.returncode == 0, out.stderr
  assert 'step 2/4' in out.stdout and 'step 4/4' in out.stdout
  cfg = json.loads((tmp_path / 'config.json').read_text())
  assert cfg['data']['name'] == 'ring8' and cfg['train']['num_steps'] == 4
  assert (tmp_path / 'samples.png').exists()


@pytest.mark.parametrize('args,message', [
    (['--config=nope.py'], "config file 'nope.py' does not exist"),
    (['--config.hparams.lr_g=-0.5'], 'hparams.lr_g=-0.5 must be > 0'),
    (['--config.hparams.loss=wgan'], "hparams.loss='wgan' is not one of"),
    (['--config.train.n_disc=0'], 'train.n_disc=0 must be an integer >= 1'),
    (['--config.hparams.lr_gg=1'], "unknown config field 'lr_gg'"),
    (['--config.data.name=digits', '--config.eval.features=inception',
      '--config.eval.inception_weights=/nowhere/pt.pth'],
     "eval.inception_weights='/nowhere/pt.pth' is not a file. On a machine "
     'with network access, download https://github.com/mseitzer/pytorch-fid'),
])
def test_bad_input_fails_before_writing(tmp_path, args, message):
  workdir = tmp_path / 'w'
  out = jaxgan('train', f'--workdir={workdir}', *args)
  assert out.returncode != 0
  assert message in out.stderr
  assert not workdir.exists()


@pytest.mark.parametrize('args,message', [
    (['tune', '--storage=sqlite:///{w}.db', '--study=s',
      '--config.search.method=bayes'],
     "jaxgan: --storage: search.method='bayes' keeps its state in one "
     'process'),
    (['tune', '--storage=postgresql+nodriver://me:hunter2@h/db', '--study=s'],
     "--storage=postgresql+nodriver://me:***@h/db: no driver for "
     "'postgresql+nodriver'"),
    (['tune', '--study=s'], '--study names a study in --storage'),
    (['train', '--storage=sqlite:///{w}.db', '--study=s'],
     '--storage is for jaxgan tune and jaxgan report'),
])
def test_a_shared_study_refuses_what_it_cannot_share(tmp_path, args,
                                                     message):
  workdir = tmp_path / 'w'
  out = jaxgan(*[a.format(w=workdir) for a in args], f'--workdir={workdir}')
  assert out.returncode != 0 and message in out.stderr, out.stderr
  assert 'hunter2' not in out.stderr
  assert not workdir.exists() and not (tmp_path / 'w.db').exists()


def test_config_without_get_config_is_named(tmp_path):
  bad = tmp_path / 'cfg.py'
  bad.write_text('x = 1\n')
  out = jaxgan('train', f'--config={bad}', f'--workdir={tmp_path / "w"}')
  assert out.returncode != 0 and f"{bad}' does not define get_config" in out.stderr


def test_an_error_in_a_plugin_keeps_its_traceback(tmp_path):
  (tmp_path / 'my_terms.py').write_text(
      'import jaxgan\n'
      "jaxgan.register_hparam('my_weight', 1.0, 'scale')\n\n"
      "@jaxgan.register_loss_term('mine', weight='my_weight')\n"
      'def mine(inputs):\n'
      "  raise ValueError('a bug in my term')\n")
  (tmp_path / 'cfg.py').write_text(
      'import jaxgan\nimport my_terms\n\n'
      'def get_config():\n'
      '  cfg = jaxgan.get_config()\n'
      "  cfg.terms = 'mine'\n"
      '  return cfg\n')
  out = jaxgan('train', f'--config={tmp_path / "cfg.py"}',
               f'--workdir={tmp_path / "w"}', *TINY)
  assert out.returncode != 0
  assert 'Traceback' in out.stderr and 'my_terms.py", line 6' in out.stderr
  assert 'ValueError: a bug in my term' in out.stderr
  out = jaxgan('train', f'--config={tmp_path / "cfg.py"}',
               f'--workdir={tmp_path / "w"}', '--config.hparams.my_weight=-1')
  assert out.returncode != 0 and 'Traceback' not in out.stderr
  assert 'hparams.my_weight=-1.0 must be >= 0' in out.stderr


def test_evaluate_needs_a_search(tmp_path):
  out = jaxgan('evaluate', f'--workdir={tmp_path}')
  assert out.returncode != 0
  assert f"--workdir='{tmp_path}' has no best trial" in out.stderr
  assert not os.listdir(tmp_path)


def test_unknown_command_prints_usage():
  out = jaxgan('fly', '--workdir=/tmp/x')
  assert out.returncode != 0
  assert 'usage: jaxgan {tune|train|report|evaluate}' in out.stderr


def test_population_from_inline_ranges_prints_a_table(tmp_path):
  out = jaxgan('train', f'--workdir={tmp_path}',
               '--population=lr_d=log:1e-4:1e-2:3;model.width=8,16', *TINY)
  assert out.returncode == 0, out.stderr
  table = out.stdout.strip().splitlines()[-7:]
  assert table[0].split()[:3] == ['#', 'lr_d', 'model.width']
  assert len(table) == 7
  rows = json.loads((tmp_path / 'population.json').read_text())
  assert len(rows) == 6 and {r['bucket'] for r in rows} == {0, 1}
  assert all(0.0 <= r['high_quality'] <= 1.0 for r in rows)


def test_bad_population_spec_is_named(tmp_path):
  out = jaxgan('train', f'--workdir={tmp_path / "w"}',
               '--population=lr_d=log:0:1:3')
  assert out.returncode != 0
  assert 'a log range needs LOW and HIGH > 0' in out.stderr
  assert not (tmp_path / 'w').exists()


# A search small enough to run in seconds once compiled, with rounds long
# enough to be killed in the middle of one, over three hyperparameters (its
# report's pictures are drawn in seconds), confirmed with 2 seeds a setting
# (the decision's numbers are tested in tests/search).
TUNE = ['--config.model.width=8', '--config.model.depth=2',
        '--config.model.latent_dim=4', '--config.train.batch_size=16',
        '--config.train.num_steps=3000', '--config.train.chunk_steps=500',
        '--config.train.eval_samples=64', '--config.search.num_trials=8',
        '--config.search.population=4', '--config.search.initial_points=4',
        '--config.penalty=none', '--config.search.space.r1_gamma=',
        '--config.search.space.b1=', '--config.search.space.b2=',
        '--config.search.confirm_seeds=2',
        '--config.search.confirm_max_seeds=2']


def trial_ids(workdir):
  path = workdir / 'trials.jsonl'
  if not path.exists():
    return []
  return [json.loads(line)['id'] for line in path.read_text().splitlines()
          if line.endswith('}')]


@pytest.mark.slow
def test_a_held_workdir_is_refused_and_a_killed_tune_resumes_without_tf(
    tmp_path, tmp_path_factory):
  workdir = tmp_path / 'w'
  # Unconfirmed: the two-process test below confirms the same search.
  command = [sys.executable, '-m', 'jaxgan', 'tune', f'--workdir={workdir}',
             *TUNE, '--config.search.confirm_top=0']
  # More trials than any machine trains before the test kills the search:
  # it is still running whatever the machine's speed.
  unbounded = 100_000
  first = [*command, f'--config.search.num_trials={unbounded}']
  # The resumed run compiles what the killed one did: share the programs.
  # Every process runs as in an install without TensorFlow.
  env = dict(os.environ, JAX_COMPILATION_CACHE_DIR=str(
      tmp_path_factory.mktemp('compiled')), PYTHONPATH=NO_TENSORFLOW)
  log = tmp_path / 'first.log'
  proc = start(first, log, cwd=ROOT, env=env)
  while len(trial_ids(workdir)) < 4:  # its first round is stored
    assert proc.poll() is None, log.read_text()
    time.sleep(0.2)
  # A second search on the held workdir is refused before it writes.
  config_json = (workdir / 'config.json').read_bytes()
  second = subprocess.run(first, cwd=ROOT, env=env, capture_output=True,
                          text=True)
  assert proc.poll() is None
  assert second.returncode != 0 and second.stdout == ''
  assert (f'{workdir} is in use by host {socket.gethostname()}, process '
          f'{proc.pid}') in second.stderr
  assert (workdir / 'config.json').read_bytes() == config_json
  proc.send_signal(signal.SIGKILL)
  proc.wait()
  before = trial_ids(workdir)
  assert len(before) >= 4 and before == list(range(len(before)))
  # A report of the stopped search, from its files alone, changing none.
  stored = (workdir / 'trials.jsonl').read_bytes()
  out = jaxgan('report', f'--workdir={workdir}')
  assert out.returncode == 0, out.stderr
  assert f'{len(before)} of {unbounded} trials stored' in (
      workdir / 'report.md').read_text()
  assert (workdir / 'trials.jsonl').read_bytes() == stored
  # Resumed for one more round (search.num_trials may change on resume).
  trials = len(before) + 4
  out = subprocess.run(
      [*command, f'--config.search.num_trials={trials}'], cwd=ROOT, env=env,
      capture_output=True, text=True)
  assert out.returncode == 0, out.stderr
  assert f'resuming {workdir}: {len(before)} trials stored' in out.stdout
  after = trial_ids(workdir)
  assert after[:len(before)] == before
  assert sorted(after) == list(range(trials))
  assert (workdir / 'best' / 'samples.npz').exists()


def test_tune_refuses_another_config_unless_forced(tmp_path):
  (tmp_path / 'config.json').write_text('{"data": {"name": "ring8"}}')
  (tmp_path / 'trials.jsonl').write_text('{"id": 0}\n')
  out = jaxgan('tune', f'--workdir={tmp_path}', *TUNE)
  assert out.returncode != 0
  assert 'holds a search made with another config' in out.stderr
  assert "data.name: 'ring8' -> 'grid25'" in out.stderr
  assert (tmp_path / 'trials.jsonl').read_text() == '{"id": 0}\n'


def test_tune_names_a_bad_range(tmp_path):
  out = jaxgan('tune', f'--workdir={tmp_path / "w"}',
               '--config.search.space.lr_d=log:1e-2:1e-4')
  assert out.returncode != 0
  assert 'search.space.lr_d=' in out.stderr and 'inverted' in out.stderr
  assert not (tmp_path / 'w').exists()


def test_a_config_that_runs_jax_when_imported_is_fine(tmp_path):
  # Devices are set up before the config file runs: the search gets as far
  # as checking its space (a bad range, refused before anything trains).
  env = {k: v for k, v in os.environ.items() if k != 'JAX_NUM_CPU_DEVICES'}
  out = subprocess.run(
      [sys.executable, '-m', 'jaxgan', 'tune',
       '--config=tests/jax_at_import.py', f'--workdir={tmp_path / "w"}',
       '--config.search.space.lr_d=log:1e-2:1e-4'],
      cwd=ROOT, capture_output=True, text=True, env=env)
  assert out.returncode != 0
  assert 'search.space.lr_d=' in out.stderr and 'inverted' in out.stderr
  assert 'backends are initialized' not in out.stderr


def tiny_tune(workdir, devices, extra=(), env=None, rank=0):
  """A 4-trial search of ``tests/jax_at_import.py``'s config (which runs
  JAX when imported) started on ``devices`` devices; its output goes to
  ``WORKDIR-RANK.log``."""
  args = [a for a in TUNE if 'num_trials' not in a and 'num_steps' not in a]
  log = workdir.parent / f'{workdir.name}-{rank}.log'
  return start(
      [sys.executable, '-m', 'jaxgan', 'tune', f'--workdir={workdir}',
       '--config=tests/jax_at_import.py', *args,
       '--config.search.num_trials=4', '--config.train.num_steps=1000',
       '--config.search.method=random', *extra],
      log, cwd=ROOT, env=dict(os.environ, JAX_NUM_CPU_DEVICES=str(devices),
                              **(env or {}))), log


@pytest.mark.slow
def test_two_process_tune_matches_one_process(tmp_path):
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
  # The config runs JAX when imported: the coordinator is joined first.
  procs = [tiny_tune(tmp_path / 'multi', 2, rank=rank, env=dict(
      JAXGAN_COORDINATOR=f'127.0.0.1:{port}', JAXGAN_NUM_PROCESSES='2',
      JAXGAN_PROCESS_ID=str(rank))) for rank in range(2)]
  outs = [finish(*p) for p in procs]
  assert 'round 1' in outs[0] and 'round 1' not in outs[1]
  # Only process 0 writes TensorBoard events: one writer's pid in every name.
  events = [name for _, _, names in os.walk(tmp_path / 'multi' / 'tensorboard')
            for name in names]
  assert len(events) == 5  # the experiment, and one run per trial
  assert len({name.split('.')[-3] for name in events}) == 1
  finish(*tiny_tune(tmp_path / 'single', 4, ['--tracker=none']))
  read = lambda w: [json.loads(line) for line in
                    (w / 'trials.jsonl').read_text().splitlines()]
  multi, single = read(tmp_path / 'multi'), read(tmp_path / 'single')
  assert [t['setting'] for t in multi] == [t['setting'] for t in single]
  for a, b in zip(multi, single):
    for name, value in b['metrics'].items():
      assert a['metrics'][name] == pytest.approx(value, rel=1e-4, abs=1e-6)
  assert (tmp_path / 'multi' / 'best' / 'samples.npz').exists()
