"""The incumbent and the top settings retrained with fresh seeds, and the
answer the rule takes from them."""

import json

import numpy as np
import pytest

import synthetic
from jaxgan import checkpoint, search
from jaxgan.search import confirm, schedulers
from jaxgan.search.trial import Trial
from synthetic import stored, tune


def run(cfg, workdir):
  lines = []
  best = search.tune(cfg, str(workdir),
                     output=search.Output(lines.append, ()),
                     trainer=synthetic.TRAINER)
  return best, lines


def test_a_contender_better_on_every_fresh_seed_replaces_the_incumbent(
    tmp_path):
  cfg = synthetic.config('random', num_trials=8, population=4, confirm_top=2,
                         confirm_seeds=8, confirm_max_seeds=12)
  best, lines = run(cfg, tmp_path)
  trials = stored(tmp_path)
  ranked = sorted((t for t in trials if t['objective'] is not None),
                  key=lambda t: t['objective'])
  done = json.loads((tmp_path / 'confirm.json').read_text())
  assert done['trials'] == 8
  rows = done['rows']
  # The incumbent (the config's own setting, trial 0), then the top 2.
  assert ranked[0]['id'] != 0 and ranked[1]['id'] != 0
  expected = [t for t in ranked if t['id'] == 0] + ranked[:2]
  assert [r['trial'] for r in rows] == [t['id'] for t in expected]
  assert [r['baseline'] for r in rows] == [True, False, False]
  for r, t in zip(rows, expected):
    # The same fresh seeds 10000..10007 for every setting: each a thousandth
    # worse than the one before.
    floor = synthetic.quality_floor(t['hparams']['lr_d']) + 1 / 21
    np.testing.assert_allclose(
        r['values'], floor + synthetic.SEED_EFFECT * np.arange(8), rtol=1e-5)
    assert r['seeds'] == list(range(10000, 10008)) and r['steps'] == 20
    assert r['failed'] == [False] * 8 and r['diverged'] == 0
  # Both contenders beat the incumbent on all 8 seeds, their 8 the lowest
  # of 16 values: p = 1/12870, within
  # Holm's levels at the first look (a quarter of 0.05, over 2): no seeds
  # are added, and the lower median wins.
  for r in rows[1:]:
    c = r['comparison']
    assert (c['wins'], c['seeds'], c['p'], c['better']) == (
        8, 8, 1 / 12870, True)
    assert c['superiority'] == 1.0
  answer = done['answer']
  assert (answer['incumbent'], answer['chosen']) == (0, 1)
  assert answer['incumbent_kind'] == 'baseline'
  assert best.id == rows[1]['trial'] == ranked[0]['id']
  assert lines[-4].startswith("confirmed trial 0 (incumbent, the config's "
                              'own setting; ')
  assert 'better on 8 of 8 seeds, p = 7.8e-05 (level 0.0063): shown better' \
      in lines[-3]
  assert lines[-1].startswith(
      f'best: the setting of trial {best.id}, shown better than the '
      "incumbent (the config's own setting, trial 0) on the same 8 fresh "
      'seeds: better on 8 and in 100% of seed pairs, p = 7.8e-05 ≤ 0.0063')
  # best/ holds the answer's fresh median, the decision, and its typical
  # seed: the lower median of its 8 (10003).
  record = json.loads((tmp_path / 'best' / 'metrics.json').read_text())
  assert np.isclose(record['objective'], np.median(rows[1]['values']))
  assert record['metrics'] == rows[1]['metrics']
  assert record['search']['objective'] == ranked[0]['objective']
  assert record['fresh']['pictured_seed'] == 10003
  assert record['decision']['switched'] is True
  assert record['decision']['incumbent']['values'] == rows[0]['values']
  assert record['decision']['comparison']['p'] == 1 / 12870
  retrain = json.loads((tmp_path / 'best' / 'config.json').read_text())
  assert retrain['hparams']['seed'] == 10003
  assert retrain['train']['num_steps'] == 20
  checkpoints = tmp_path / 'checkpoints' / 'best'
  assert checkpoint.restore_meta(
      str(checkpoints), checkpoint.latest_step(str(checkpoints))) == dict(
          trial=best.id, seed=10003)
  text = (tmp_path / 'report.md').read_text()
  assert '## Confirmed with fresh seeds' in text
  assert '| 0 (incumbent) |' in text
  assert f'## Best: the setting of trial {best.id}' in text
  assert '| 10007 |' in text  # each seed's values side by side
  # Nothing new to confirm when the search is run again.
  before = (tmp_path / 'confirm.json').stat().st_mtime_ns
  tune(cfg, tmp_path)
  assert (tmp_path / 'confirm.json').stat().st_mtime_ns == before


def test_four_seeds_cannot_replace_the_incumbent_at_alpha_one_percent(
    tmp_path):
  # Even 4 wins of 4 give p = 1/70 > 0.01: the config's own setting stays
  # the answer, and best/ holds its typical seed.
  cfg = synthetic.config('random', num_trials=8, population=4, confirm_top=1,
                         confirm_seeds=4, confirm_max_seeds=4,
                         confirm_alpha=0.01)
  best, lines = run(cfg, tmp_path)
  assert best.id == 0
  assert lines[-1].startswith(
      "best: the incumbent (the config's own setting, trial 0), kept: no "
      'contender was shown better')
  assert 'better on 4 of 4, p = 0.014' in lines[-1]
  record = json.loads((tmp_path / 'best' / 'metrics.json').read_text())
  assert record['id'] == 0 and record['decision']['switched'] is False
  assert record['fresh']['pictured_seed'] == 10001


def test_without_a_baseline_the_best_ranked_setting_is_the_incumbent(
    tmp_path):
  cfg = synthetic.config('random', num_trials=8, population=4, confirm_top=1,
                         baseline=False)
  run(cfg, tmp_path)
  ranked = sorted((t for t in stored(tmp_path) if t['objective'] is not None),
                  key=lambda t: t['objective'])
  done = json.loads((tmp_path / 'confirm.json').read_text())
  assert [r['trial'] for r in done['rows']] == [t['id'] for t in ranked[:2]]
  assert done['answer']['incumbent_kind'] == 'search'


def test_a_bad_rule_is_refused_before_anything_is_written(tmp_path):
  for fields, message in (
      (dict(confirm_alpha=0.0), 'search.confirm_alpha=0.0 must be in'),
      (dict(confirm_top=1, confirm_seeds=8, confirm_max_seeds=4),
       'search.confirm_max_seeds=4 must be at least search.confirm_seeds=8'),
      (dict(failure='high'), "search.failure='high' is not a number")):
    cfg = synthetic.config('random', **fields)
    try:
      tune(cfg, tmp_path)
    except ValueError as e:
      assert message in str(e)
    else:
      raise AssertionError(fields)
  assert not list(tmp_path.iterdir())
  assert confirm.rule(synthetic.config(
      'random', failure='0.5', objective='high_quality')).threshold == -0.5


class Recorded:
  """Seeded random points; records every value it is told."""
  told = []

  def __init__(self, space, search_cfg):
    self.space, self.seed, self.n = space, search_cfg.seed, 0

  def ask(self, n):
    self.n += n
    return schedulers.random_points(self.space, self.seed, self.n - n, n)

  def tell(self, points, values):
    Recorded.told.append([float(v) for v in values])


def test_an_extended_search_is_told_what_its_confirmation_learned(tmp_path):
  search.register_method('recorded', search.SearchMethod.ask_tell(
      Recorded, 'records what it is told', warm=True), replace=True)
  cfg = synthetic.config('recorded', num_trials=4, population=2,
                         confirm_top=1, confirm_seeds=2, confirm_max_seeds=2)
  tune(cfg, tmp_path)
  [block] = json.loads((tmp_path / 'learned.json').read_text())
  done = json.loads((tmp_path / 'confirm.json').read_text())
  fresh = [v for row in done['rows'] for v in row['values']]
  assert block['stored'] == 4 and len(block['trials']) == 4
  assert [t['objective'] for t in block['trials']] == fresh
  assert [t['hparams']['seed'] for t in block['trials']] == [10000, 10001] * 2
  # Each its own seed's final evaluation, none of its best trial's curves.
  assert [t['metrics'] for t in block['trials']] == [
      m for row in done['rows'] for m in row['seed_metrics']]
  assert all(t['curves'] == {} and t['steps'] == t['best_step'] == 20
             for t in block['trials'])
  # Raised to 6 trials: the method is told the 4 stored trials, then the 4
  # fresh seeds, then the new round.
  Recorded.told = []
  cfg.search.num_trials = 6
  tune(cfg, tmp_path)
  first = [t['objective'] for t in stored(tmp_path)[:4]]
  assert Recorded.told[0] == pytest.approx(first + fresh)
  assert len(Recorded.told[1]) == 2
  # The new confirmation adds its seeds after the 6 trials it followed.
  blocks = json.loads((tmp_path / 'learned.json').read_text())
  assert [b['stored'] for b in blocks] == [4, 6]


def test_confirmations_are_told_after_the_trials_they_followed():
  trial = lambda i, v: Trial(i, 0, {'x': v}, {}, {}, v, {}, 1, 1, {}, False,
                             'finished', {}, {}, {}, 0.0, 0)
  stored = [trial(i, float(i)) for i in range(5)]
  learned = [(4, [trial(-2, 40.0)]), (2, [trial(-1, 20.0)])]
  told = schedulers.told(stored, learned, 'mean')
  assert [o.value for o in told] == [0, 1, 20, 2, 3, 40, 4]


def test_without_a_baseline_a_warm_start_s_answer_is_trained_first_and_kept(
    tmp_path):
  small = dict(num_trials=4, population=4, initial_points=4, confirm_top=1,
               confirm_seeds=2, confirm_max_seeds=2)
  tune(synthetic.config('bayes', **small), tmp_path / 'old')
  old = json.loads((tmp_path / 'old' / 'confirm.json').read_text())
  answer = old['rows'][old['answer']['chosen']]['setting']
  lines = []
  tune(synthetic.config('bayes', baseline=False, **small), tmp_path / 'new',
       log=lines.append, warm_start=str(tmp_path / 'old'))
  assert json.loads((tmp_path / 'new' / 'warm_start.json').read_text()) == \
      dict(workdir=str(tmp_path / 'old'), answer=answer)
  assert stored(tmp_path / 'new')[0]['setting'] == answer
  done = json.loads((tmp_path / 'new' / 'confirm.json').read_text())
  assert done['rows'][0]['trial'] == 0
  assert done['answer']['incumbent_kind'] == 'warm start'
  assert any(line.startswith("confirmed trial 0 (incumbent, the warm "
                             "start's answer; ") for line in lines)
