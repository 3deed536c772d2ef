import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


@pytest.mark.slow
def test_population_throughput_smoke_run_writes_its_table(tmp_path):
  out = tmp_path / 'results.json'
  done = subprocess.run(
      [sys.executable, 'experiments/benchmarks/population_throughput.py',
       '--smoke', '--sizes=1,2', '--cpu_devices=2',
       f'--json={out}'],
      cwd=ROOT, capture_output=True, text=True,
      env={k: v for k, v in os.environ.items() if k != 'JAX_NUM_CPU_DEVICES'})
  assert done.returncode == 0, done.stderr
  results = json.loads(out.read_text())
  gflops = results['matmul_gflops']
  assert gflops > 0 and results['device_count'] == 2
  rows = results['rows']
  assert [(r['width'], r['batch'], r['P']) for r in rows] == [
      (64, 64, 1), (64, 64, 2)]
  for r in rows:
    for speed in ('population', 'one_after_another', 'python_loop'):
      assert r[speed] > 0
    # The derived columns are what the table says they are. (Whether the
    # population stays under its bound is a measurement, of two rates timed
    # apart: the benchmark's table reports it; on a busy machine either may
    # be timed in a slow spell.)
    flops = r['mflops_per_member_step'] * 1e6
    assert flops > 0 and r['gemm_gflops'] > 0
    assert r['flops_fraction'] == pytest.approx(
        r['population'] * flops / (gflops * 1e9))
    assert r['gemm_bound'] == pytest.approx(r['gemm_gflops'] * 1e9 / flops)


def benchmark(name):
  """The benchmark script ``experiments/benchmarks/NAME.py`` as a module."""
  spec = importlib.util.spec_from_file_location(
      f'{name}_benchmark',
      os.path.join(ROOT, 'experiments', 'benchmarks', f'{name}.py'))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def test_inception_benchmark_smoke_run_agrees_with_pytorch_fid(
    tmp_path, monkeypatch):
  module = benchmark('inception')
  out = tmp_path / 'results.json'
  monkeypatch.setattr(sys, 'argv', ['inception.py', '--smoke',
                                    f'--json={out}'])
  module.main()
  results = json.loads(out.read_text())
  assert max(results['agreement'].values()) < 1e-4
  assert set(results['agreement']) == {
      'pool_large', 'logits_large', 'pool_small', 'logits_small',
      'resize_pytorch', 'resize_tf1'}
  assert results['images_per_second']['2'] > 0


def test_tracker_cost_smoke_run_times_the_writer_thread(tmp_path,
                                                        monkeypatch):
  out = tmp_path / 'results.json'
  monkeypatch.setattr(sys, 'argv', ['tracker_cost.py', '--smoke',
                                    f'--json={out}'])
  benchmark('tracker_cost').main()
  (row,) = json.loads(out.read_text())['rows']
  assert row['tracker'] == 'tensorboard'
  assert row['inline_ms'] > 0 and row['background_ms'] > 0
  assert row['per_trial_ms'] > 0


def test_compile_time_smoke_run_times_each_n_disc(tmp_path, monkeypatch):
  module = benchmark('compile_time')
  out = tmp_path / 'results.json'
  monkeypatch.setattr(sys, 'argv', ['compile_time.py', '--smoke',
                                    '--config=points', f'--json={out}'])
  module.main()
  results = json.loads(out.read_text())
  assert results['config'] == 'points' and results['repeats'] == 1
  assert [r['n_disc'] for r in results['rows']] == [1, 2]
  assert all(r['lower_s'] > 0 and r['compile_s'] > 0
             for r in results['rows'])


def test_shared_study_smoke_run_measures_workers_database_and_a_death(
    tmp_path, monkeypatch):
  out = tmp_path / 'results.json'
  monkeypatch.setattr(sys, 'argv', ['shared_study.py', '--smoke',
                                    f'--json={out}'])
  benchmark('shared_study').main()
  results = json.loads(out.read_text())
  assert [(r['arm'], r['trials']) for r in results['workers']] == [
      ('one worker', 4), ('one per device', 4)]
  assert all(results['database'][k] > 0 for k in ('claim', 'store', 'ask'))
  assert len(results['deaths']) == 1
  assert results['deaths'][0] > 0.75 * results['lease']


@pytest.mark.slow
@pytest.mark.xdist_group('literature')   # shares the 32x32 digits' classifier
def test_networks_smoke_run_writes_its_table(tmp_path):
  out = tmp_path / 'results.json'
  done = subprocess.run(
      [sys.executable, 'experiments/benchmarks/networks.py', '--smoke',
       '--networks=sngan', '--cpu_devices=2', f'--json={out}'],
      cwd=ROOT, capture_output=True, text=True,
      env={k: v for k, v in os.environ.items() if k != 'JAX_NUM_CPU_DEVICES'})
  assert done.returncode == 0, done.stderr
  results = json.loads(out.read_text())
  assert results['device_count'] == 2
  rows = results['rows']
  assert [(r['network'], r['P'], r['devices']) for r in rows] == [
      ('sngan', 2, 2)]
  for r in rows:
    assert r['compile_s'] > 0 and r['memory_mb'] > 0
    assert r['ratio'] == pytest.approx(r['population'] /
                                       r['one_after_another'])
    # Every convolution of SNGAN's step in Eigen's layout, none grouped.
    assert r['eigen_layout'] == r['convolutions'] > 0
    assert r['grouped'] == 0
