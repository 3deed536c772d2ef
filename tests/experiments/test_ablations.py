import csv
import importlib.util
import json
import os

import pytest

from jaxgan.search import held_out

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
ABLATIONS = os.path.join(ROOT, 'experiments', 'ablations')
SCRIPTS = sorted(f[:-3] for f in os.listdir(ABLATIONS)
                 if f.endswith('.py') and f != 'common.py')


def load(path):
  spec = importlib.util.spec_from_file_location(
      os.path.basename(path)[:-3], path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


@pytest.fixture(autouse=True)
def common_on_path(monkeypatch):
  monkeypatch.syspath_prepend(ABLATIONS)


def test_every_ablation_is_listed():
  assert SCRIPTS == ['adam_beta1', 'batch_size', 'cycle_weight', 'gp_weight',
                     'losses', 'ttur']


# One worker runs every smoke run, so that their tiny configs share compiled
# programs (README's test command distributes with --dist loadgroup).
@pytest.mark.slow
@pytest.mark.xdist_group('ablations')
@pytest.mark.parametrize('name', SCRIPTS)
def test_ablation_smoke_run_writes_csv_table_and_plot(tmp_path, name):
  script = load(os.path.join(ABLATIONS, f'{name}.py'))
  rows = script.main(['--smoke', f'--out={tmp_path}'])
  assert len(rows) == 2  # the first and last values, one seed
  with open(tmp_path / f'{name}.csv') as f:
    assert list(csv.DictReader(f)) == [
        {k: str(v) for k, v in r.items()} for r in rows]
  table = (tmp_path / f'{name}.md').read_text().splitlines()
  assert len(table) == 4 and table[0].startswith('| ')
  assert (tmp_path / f'{name}.png').stat().st_size > 0
  metrics = getattr(script, 'METRICS', ('modes',))
  assert all(r[metrics[0]] is not None for r in rows)
  if 'modes' in rows[0]:
    assert all(0 <= r['modes'] <= 25 for r in rows)


@pytest.mark.slow
@pytest.mark.xdist_group('ablations')
def test_search_comparison_smoke_run(tmp_path):
  # A round-by-round method, halving and PBT (each has its own sizing) and
  # Optuna one trial at a time over the single-run trainer, at equal
  # member-steps: the same settings on any machine, however busy.
  script = load(os.path.join(ROOT, 'experiments', 'compare_search.py'))
  arms = ['optuna-tpe', 'optuna-tpe@4', 'halving', 'pbt', 'sequential-tpe']
  results = script.main(['--smoke', f'--methods={",".join(arms)}',
                         f'--out={tmp_path}'])
  budget = script.SMOKE_MEMBER_STEPS
  table = (tmp_path / 'compare.md').read_text().splitlines()
  assert [line.split(' | ')[0] for line in table[2:]] == [
      f'| {arm}' for arm in arms]
  assert (tmp_path / 'compare.png').stat().st_size > 0
  with open(tmp_path / 'compare.csv') as f:
    rows = list(csv.DictReader(f))
  assert [r['arm'] for r in rows[::3]] == arms
  assert rows[-1]['fraction'] == '1.0' and rows[-1]['best_objective']
  assert float(rows[-1]['member_steps']) == budget
  for arm in arms:
    [run] = results[arm]
    assert run['settings'] >= 1 and len(run['held_out']['values']) == 2
    assert run['best_setting']['budget'] <= budget
    assert run['best'] == sorted(run['best'], reverse=True)
    assert 0 < run['answer']['steps'] <= 40
  # Rounds of 4 members (2 settings of 2 seeds) against rounds of 2: half
  # the rounds, as many settings; a jaxgan arm's answer is its confirmed
  # choice.
  assert results['optuna-tpe@4'][0]['settings'] == results[
      'optuna-tpe'][0]['settings'] == budget // (2 * 40)
  confirmed = json.loads((tmp_path / 'runs' / 'optuna-tpe@4-0'
                          / 'confirm.json').read_text())
  assert results['optuna-tpe@4'][0]['answer']['steps'] == confirmed['rows'][
      confirmed['answer']['chosen']]['steps']
  config = json.loads((tmp_path / 'runs' / 'optuna-tpe@4-0'
                       / 'config.json').read_text())
  assert config['search']['population'] == 4
  with pytest.raises(ValueError, match=r"--methods: 'sequential-tpe@2'"):
    script.arm_method('sequential-tpe@2')
  sequential = json.loads(
      (tmp_path / 'runs' / 'sequential-tpe-0' / 'trials.json').read_text())
  steps = 40  # the smoke model's training length
  assert [t['id'] for t in sequential] == list(range(budget // steps))
  assert [t['budget'] for t in sequential] == [
      steps * (t['id'] + 1) for t in sequential]
  assert all(t['seconds'] > 0 for t in sequential)


@pytest.mark.slow
@pytest.mark.xdist_group('ablations')
def test_steps_flag_sets_the_training_length(tmp_path):
  script = load(os.path.join(ABLATIONS, 'adam_beta1.py'))
  script.main(['--smoke', '--steps=10', f'--out={tmp_path}'])
  with open(tmp_path / 'adam_beta1_population' / 'config.json') as f:
    assert json.load(f)['train']['num_steps'] == 10


@pytest.mark.slow
@pytest.mark.xdist_group('ablations')
def test_answer_quality_smoke_run(tmp_path):
  # A tiny default search, its confirmation, and its answers retrained on
  # held-out seeds: the new rule's, the old rule's, the incumbent's and the
  # best setting known.
  script = load(os.path.join(ROOT, 'experiments', 'answer_quality.py'))
  [result] = script.main(['--smoke', f'--out={tmp_path}'])
  assert (result['arm'], result['seed']) == ('default', 0)
  # 2 fresh seeds cannot show a contender better: the incumbent stays.
  assert result['switched'] is False
  assert result['answer_trial'] == result['incumbent_trial'] == 0
  assert result['confirm_seeds'] == [2, 2]
  # 4 trials of 40 steps; 2 settings x 2 seeds, each at most 40 steps.
  assert result['search_member_steps'] == 160
  assert 0 < result['confirm_member_steps'] <= 160
  judged = result['judged']
  assert set(judged) == {'answer', 'old rule', 'incumbent', 'best known'}
  for j in judged.values():
    assert len(j['values']) == 2 and 0 <= j['failure_rate'] <= 1
  # The answer is the incumbent: the same setting, steps and seeds.
  assert judged['answer']['values'] == judged['incumbent']['values']
  held = json.loads((tmp_path / 'runs' / 'default-0' / 'held_out'
                     / 'steps-40' / 'population.json').read_text())
  assert held[0]['setting']['seed'] == held_out.SEED
  table = (tmp_path / 'answer_quality.md').read_text().splitlines()
  assert table[2].startswith('| default | 0 | trial 0 (trial ')
