import json
import os

import pytest

from conftest import tiny_config
from jaxgan import config
from jaxgan.search.store import TrialStore
from jaxgan.search.trial import Trial


def lines(workdir):
  with open(os.path.join(workdir, 'trials.jsonl')) as f:
    return f.read().splitlines()


def make(i, objective=0.5):
  return Trial(id=i, round=0, setting={'lr_d': 1e-3}, hparams={'lr_d': 1e-3},
               bucket={}, objective=objective, metrics={}, best_step=10,
               steps=10, losses={}, diverged=False, status='finished',
               curves={'step': []}, evaluations={'step': []}, flags={},
               seconds=1.0, budget=10 * (i + 1))


def as_json(cfg):
  return json.loads(json.dumps(cfg.to_dict()))


def line(i):
  return json.dumps(make(i).to_json(), sort_keys=True)


def test_appended_trials_are_read_back(tmp_path):
  cfg = tiny_config()
  store = TrialStore.open(str(tmp_path), cfg)
  assert store.trials == []
  store.append(make(0))
  store.append(make(1, objective=None))
  again = TrialStore.open(str(tmp_path), cfg)
  assert again.trials == [make(0), make(1, objective=None)]
  assert again.ids() == {0, 1}
  with open(tmp_path / 'config.json') as f:
    assert json.load(f) == as_json(cfg)


def test_a_half_written_last_line_is_dropped_with_a_warning(tmp_path):
  cfg = tiny_config()
  store = TrialStore.open(str(tmp_path), cfg)
  store.append(make(0))
  with open(store.path, 'a') as f:
    f.write('{"id": 1, "obj')
  with pytest.warns(UserWarning, match='half-written last line'):
    again = TrialStore.open(str(tmp_path), cfg)
  assert again.trials == [make(0)]
  again.append(make(1))
  assert lines(tmp_path) == [line(0), line(1)]


def test_a_damaged_line_before_the_last_is_an_error(tmp_path):
  cfg = tiny_config()
  TrialStore.open(str(tmp_path), cfg)
  with open(tmp_path / 'trials.jsonl', 'w') as f:
    f.write(f'{line(0)}\nnot json\n{line(2)}\n')
  with pytest.raises(ValueError, match='line 2 is not valid JSON'):
    TrialStore.open(str(tmp_path), cfg)
  assert lines(tmp_path) == [line(0), 'not json', line(2)]


def test_trials_stored_before_a_field_existed_take_its_default(tmp_path):
  cfg = tiny_config()
  TrialStore.open(str(tmp_path), cfg)
  old = make(0).to_json()
  del old['elapsed'], old['member']
  bad = dict(make(1).to_json(), colour='red')
  (tmp_path / 'trials.jsonl').write_text(json.dumps(old) + '\n')
  assert TrialStore.open(str(tmp_path), cfg).trials == [make(0)]
  (tmp_path / 'trials.jsonl').write_text(json.dumps(bad) + '\n')
  with pytest.raises(ValueError, match=r"line 1: a stored trial has unknown "
                     r"fields \['colour'\]"):
    TrialStore.open(str(tmp_path), cfg)


def test_another_config_is_refused_unless_forced(tmp_path):
  cfg = tiny_config()
  TrialStore.open(str(tmp_path), cfg).append(make(0))
  other = tiny_config()
  other.search.space.lr_d = 'log:1e-5:1e-3'
  with pytest.raises(ValueError, match=r"another config \(search.space.lr_d: "
                     r"'log:1e-4:1e-2' -> 'log:1e-5:1e-3'\).*--force"):
    TrialStore.open(str(tmp_path), other)
  with open(tmp_path / 'config.json') as f:
    assert json.load(f) == as_json(cfg)
  forced = TrialStore.open(str(tmp_path), other, force=True)
  assert forced.trials == [make(0)]
  with open(tmp_path / 'config.json') as f:
    assert json.load(f) == as_json(other)


def test_more_trials_continue_the_same_search(tmp_path):
  cfg = tiny_config()
  TrialStore.open(str(tmp_path), cfg).append(make(0))
  cfg.search.num_trials *= 2
  assert TrialStore.open(str(tmp_path), cfg).trials == [make(0)]


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
