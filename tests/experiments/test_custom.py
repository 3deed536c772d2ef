"""``experiments/custom``: a researcher's own data, networks, loss term and
metric, tuned by ``jaxgan tune`` from a directory outside the repository."""

import json
import os
import shutil
import subprocess
import sys

CUSTOM = os.path.join(os.path.dirname(__file__), '..', '..', 'experiments',
                      'custom')


def test_custom_gan_tunes_from_outside_the_repository(tmp_path):
  mine = tmp_path / 'my_gan'
  shutil.copytree(CUSTOM, mine)
  out = subprocess.run(
      [sys.executable, '-m', 'jaxgan', 'tune', '--config=my_gan/config.py',
       '--workdir=search', '--tracker=none', '--quiet',
       '--config.search.num_trials=4', '--config.search.population=4',
       '--config.search.initial_points=4', '--config.search.confirm_top=0',
       '--config.train.num_steps=40', '--config.train.chunk_steps=20',
       '--config.train.batch_size=32', '--config.train.eval_samples=200',
       '--config.model.width=16'],
      cwd=tmp_path, capture_output=True, text=True,
      env=dict(os.environ, PYTHONPATH=''))
  assert out.returncode == 0, out.stderr[-3000:]
  trials = [json.loads(line)
            for line in (tmp_path / 'search' / 'trials.jsonl').open()]
  assert len(trials) == 4
  for t in trials:
    assert t['objective'] == t['metrics']['coverage']
    assert {'energy_distance', 'precision', 'recall'} <= set(t['metrics'])
    assert 1e-3 <= t['hparams']['mode_seeking'] <= 1
  best = json.loads((tmp_path / 'search' / 'best' / 'metrics.json')
                    .read_text())
  assert best['objective'] == max(t['objective'] for t in trials)
  report = (tmp_path / 'search' / 'report.md').read_text()
  assert 'Objective `coverage` (higher is better)' in report
  assert 'energy_distance' in report
