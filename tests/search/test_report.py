import json

import ml_collections
import pytest

from jaxgan import config
from jaxgan.search import report


def trial(i, objective, diverged=False):
  return dict(id=i, objective=objective, diverged=diverged, best_step=100,
              steps=200, bucket={'model.width': 32},
              hparams={'lr_d': 1e-3 * (i + 1), 'loss': 'hinge'},
              setting={'lr_d': 1e-3 * (i + 1)},
              metrics={'fid': objective} if objective is not None else {})


def test_report_ranks_trials_and_lists_divergence():
  cfg = config.get_config()
  cfg.search.update(objective='fid', num_trials=5)
  trials = [trial(0, 2.0), trial(1, None, diverged=True), trial(2, 0.5)]
  reference = dict(floor={'fid': 0.1}, untrained={'fid': 30.0}, samples=500)
  text = report.markdown(cfg, trials, reference)
  assert '3 of 5 trials stored; 1 diverged (1).' in text
  assert '## Best: trial 2' in text
  assert '| fid | 0.1 | 0.5 | 30 |' in text
  assert "cfg.hparams.update(loss='hinge', lr_d=0.003)" in text
  assert 'cfg.model.width = 32' in text
  board = text[text.index('## Leaderboard'):]
  assert board.index('| 1 | 2 | 0.5 |') < board.index('| 2 | 0 | 2 |')
  assert '| 3 |' not in board  # the diverged trial has no objective


def test_report_before_any_finite_trial():
  cfg = ml_collections.ConfigDict(config.get_config().to_dict())
  text = report.markdown(cfg, [trial(0, None, diverged=True)], {})
  assert 'No trial has a finite objective yet.' in text


def test_rebuild_reads_the_workdir_and_changes_nothing_else(tmp_path):
  cfg = config.get_config()
  (tmp_path / 'config.json').write_text(json.dumps(cfg.to_dict()))
  lines = ''.join(json.dumps(trial(i, 1.0 + i)) + '\n' for i in range(3))
  (tmp_path / 'trials.jsonl').write_text(lines + '{"id": 3, "obj')  # mid-write
  path = report.rebuild(str(tmp_path))
  text = open(path).read()
  assert '3 of 40 trials stored' in text and '## Best: trial 0' in text
  assert (tmp_path / 'trials.jsonl').read_text() == lines + '{"id": 3, "obj'


def test_rebuild_of_a_directory_without_a_search_is_refused(tmp_path):
  with pytest.raises(FileNotFoundError, match='holds no search'):
    report.rebuild(str(tmp_path))
  assert not list(tmp_path.iterdir())
