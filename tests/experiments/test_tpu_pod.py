import os
import shutil
import subprocess
import sys

import pytest

from jaxgan import config, search

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
LAUNCH = os.path.join(ROOT, 'experiments', 'tpu_pod', 'launch.sh')


def shellcheck():
  here = os.path.join(os.path.dirname(sys.executable), 'shellcheck')
  return here if os.path.exists(here) else shutil.which('shellcheck')


@pytest.mark.skipif(shellcheck() is None, reason='needs shellcheck')
def test_launch_script_passes_shellcheck():
  out = subprocess.run([shellcheck(), LAUNCH], capture_output=True, text=True)
  assert out.returncode == 0, out.stdout


def launch(*args, **env):
  return subprocess.run(
      ['bash', LAUNCH, *args], capture_output=True, text=True, cwd=ROOT,
      env=dict(os.environ, DRY_RUN='1', PROJECT='p', **env))


def test_dry_run_creates_installs_runs_everywhere_and_collects():
  out = launch('all', BUCKET='gs://lab-bucket', ACCELERATOR='v4-64',
               RUN='first')
  assert out.returncode == 0, out.stderr
  lines = out.stdout.splitlines()
  assert lines[0].startswith('gcloud compute tpus tpu-vm create jaxgan-pod '
                             '--accelerator-type=v4-64')
  ssh = [line for line in lines if ' ssh ' in line]
  assert ssh and all('--worker=all' in line for line in ssh)
  [tune] = [line for line in ssh if 'jaxgan\\ tune' in line]
  assert '--config=experiments/tpu_pod/config.py' in tune
  assert '--workdir=/mnt/jaxgan/first' in tune
  assert 'gcsfuse\\ --implicit-dirs\\ lab-bucket' in ' '.join(ssh)
  assert lines[-1] == 'gcloud storage cp --recursive gs://lab-bucket/first workdirs/ '


def test_running_without_a_shared_bucket_is_refused():
  out = launch('run')
  assert out.returncode == 2
  assert 'set BUCKET=gs://your-bucket' in out.stderr
  assert 'jaxgan' not in out.stdout


def test_unknown_step_prints_usage():
  out = launch('deploy')
  assert out.returncode == 2 and 'usage:' in out.stderr


def test_the_pod_config_is_a_valid_search():
  cfg = config.load(os.path.join(ROOT, 'experiments', 'tpu_pod',
                                 'config.py'))
  search.validate(cfg)
  assert cfg.search.population % 16 == 0  # a v4-32's 16 chips
