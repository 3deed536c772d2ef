import json
import os

import pytest

from conftest import tiny_config
from jaxgan import config
from jaxgan.search.store import TrialStore


def lines(workdir):
  with open(os.path.join(workdir, 'trials.jsonl')) as f:
    return f.read().splitlines()


def test_appended_trials_are_read_back(tmp_path):
  cfg = tiny_config()
  store = TrialStore.open(str(tmp_path), cfg)
  assert store.trials == []
  store.append(dict(id=0, objective=0.5))
  store.append(dict(id=1, objective=None))
  again = TrialStore.open(str(tmp_path), cfg)
  assert again.trials == [dict(id=0, objective=0.5), dict(id=1, objective=None)]
  assert again.ids() == {0, 1}
  with open(tmp_path / 'config.json') as f:
    assert json.load(f) == cfg.to_dict()


def test_a_half_written_last_line_is_dropped_with_a_warning(tmp_path):
  cfg = tiny_config()
  store = TrialStore.open(str(tmp_path), cfg)
  store.append(dict(id=0))
  with open(store.path, 'a') as f:
    f.write('{"id": 1, "obj')
  with pytest.warns(UserWarning, match='half-written last line'):
    again = TrialStore.open(str(tmp_path), cfg)
  assert again.trials == [dict(id=0)]
  again.append(dict(id=1))
  assert lines(tmp_path) == ['{"id": 0}', '{"id": 1}']


def test_a_damaged_line_before_the_last_is_an_error(tmp_path):
  cfg = tiny_config()
  TrialStore.open(str(tmp_path), cfg)
  with open(tmp_path / 'trials.jsonl', 'w') as f:
    f.write('{"id": 0}\nnot json\n{"id": 2}\n')
  with pytest.raises(ValueError, match='line 2 is not valid JSON'):
    TrialStore.open(str(tmp_path), cfg)
  assert lines(tmp_path) == ['{"id": 0}', 'not json', '{"id": 2}']


def test_another_config_is_refused_unless_forced(tmp_path):
  cfg = tiny_config()
  TrialStore.open(str(tmp_path), cfg).append(dict(id=0))
  other = tiny_config()
  other.search.space.lr_d = 'log:1e-5:1e-3'
  with pytest.raises(ValueError, match=r"another config \(search.space.lr_d: "
                     r"'log:1e-4:1e-2' -> 'log:1e-5:1e-3'\).*--force"):
    TrialStore.open(str(tmp_path), other)
  with open(tmp_path / 'config.json') as f:
    assert json.load(f) == cfg.to_dict()
  forced = TrialStore.open(str(tmp_path), other, force=True)
  assert forced.trials == [dict(id=0)]
  with open(tmp_path / 'config.json') as f:
    assert json.load(f) == other.to_dict()


def test_more_trials_continue_the_same_search(tmp_path):
  cfg = tiny_config()
  TrialStore.open(str(tmp_path), cfg).append(dict(id=0))
  cfg.search.num_trials *= 2
  assert TrialStore.open(str(tmp_path), cfg).trials == [dict(id=0)]


def test_fields_added_since_a_workdir_was_made_are_no_difference(tmp_path):
  cfg = config.get_config()
  TrialStore.open(str(tmp_path), cfg)
  saved = json.loads((tmp_path / 'config.json').read_text())
  del saved['eval']['resize']             # as a workdir from before it
  (tmp_path / 'config.json').write_text(json.dumps(saved))
  TrialStore.open(str(tmp_path), cfg)
  cfg.eval.resize = 'clean'
  with pytest.raises(ValueError, match=r"eval.resize: 'pytorch' -> 'clean'"):
    TrialStore.open(str(tmp_path), cfg)
