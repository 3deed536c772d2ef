"""The console entry point, run as a user would, in subprocesses."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), '..')
TINY = ['--config.model.width=8', '--config.train.num_steps=4',
        '--config.train.chunk_steps=2', '--config.train.batch_size=8',
        '--config.train.eval_samples=32']


def jaxgan(*args):
  return subprocess.run([sys.executable, '-m', 'jaxgan', *args], cwd=ROOT,
                        capture_output=True, text=True, timeout=300)


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
    (['--config.hparams.loss=wgan'], "hparams.loss='wgan' is not a loss"),
    (['--config.train.n_disc=0'], 'train.n_disc=0 must be an integer >= 1'),
    (['--config.hparams.lr_gg=1'], "unknown config field 'lr_gg'"),
])
def test_bad_input_fails_before_writing(tmp_path, args, message):
  workdir = tmp_path / 'w'
  out = jaxgan('train', f'--workdir={workdir}', *args)
  assert out.returncode != 0
  assert message in out.stderr
  assert not workdir.exists()


def test_config_without_get_config_is_named(tmp_path):
  bad = tmp_path / 'cfg.py'
  bad.write_text('x = 1\n')
  out = jaxgan('train', f'--config={bad}', f'--workdir={tmp_path / "w"}')
  assert out.returncode != 0 and f"{bad}' does not define get_config" in out.stderr


def test_unknown_command_prints_usage():
  out = jaxgan('fly', '--workdir=/tmp/x')
  assert out.returncode != 0 and 'usage: jaxgan {train}' in out.stderr


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
