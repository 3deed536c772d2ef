"""The round runner: rounds fill the store, seeds train side by side."""

import numpy as np
import pytest

import synthetic
from synthetic import stored, tune


@pytest.mark.parametrize('method', ['bayes', 'grid', 'random'])
def test_rounds_fill_the_store_and_diverged_members_are_penalised(
    tmp_path, method):
  cfg = synthetic.config(method, num_trials=10, population=4,
                         initial_points=4)
  best = tune(cfg, tmp_path)
  trials = stored(tmp_path)
  assert [t['id'] for t in trials] == list(range(10))
  assert [t['round'] for t in trials] == [0] * 4 + [1] * 4 + [2] * 2
  for t in trials:
    diverged = t['hparams']['lr_g'] > synthetic.DIVERGES_ABOVE
    assert t['diverged'] == diverged
    assert (t['objective'] is None) == diverged
    assert t['status'] == ('diverged' if diverged else 'finished')
  finite = [t for t in trials if t['objective'] is not None]
  assert best.id == min(finite, key=lambda t: t['objective'])['id']
  assert trials[-1]['budget'] == 10 * cfg.train.num_steps


def test_seeds_train_side_by_side_and_the_search_is_told_their_mean(
    tmp_path):
  cfg = synthetic.config('halving', num_trials=18, eta=3, rungs=2, seeds=2,
                         baseline=False)
  cfg.train.update(num_steps=30, chunk_steps=10)
  tune(cfg, tmp_path)
  trials = sorted(stored(tmp_path), key=lambda t: t['id'])
  assert len(trials) == 18
  for t in trials:
    first = t['id'] - t['id'] % 2
    assert t['group'] == first and t['hparams']['seed'] == t['id'] % 2
    twin = trials[first + 1 - t['id'] % 2]
    assert twin['setting'] == t['setting'] and twin['steps'] == t['steps']
    if not t['diverged']:
      np.testing.assert_allclose(
          t['objective'], synthetic.quality_floor(t['hparams']['lr_d'])
          + synthetic.SEED_EFFECT * t['hparams']['seed']
          + 1 / (1 + t['best_step']), rtol=1e-5)
  # 9 settings; the best 3 (by their seeds' mean) continue, both seeds.
  at_10 = sorted(range(0, 18, 2), key=lambda i: (
      np.inf if None in (trials[i]['objective'], trials[i + 1]['objective'])
      else synthetic.quality_floor(trials[i]['hparams']['lr_d']), i))
  assert {t['id'] for t in trials if t['steps'] == 30} == {
      i + s for i in at_10[:3] for s in (0, 1)}
  text = (tmp_path / 'report.md').read_text()
  assert '## Seeds: 2 per setting, told the mean' in text


def test_a_round_whose_members_all_diverged_ends_early(tmp_path):
  cfg = synthetic.config('random', num_trials=12, population=2)
  cfg.search.space.lr_g = 'log:1e-2:1e-1'   # about half diverge
  tune(cfg, tmp_path)
  trials = stored(tmp_path)
  rounds = {}
  for t in trials:
    rounds.setdefault(t['round'], []).append(t)
  ended = [all(t['diverged'] for t in r) for r in rounds.values()]
  assert 0 < sum(ended) < len(ended)
  for r, all_diverged in zip(rounds.values(), ended):
    # Diverged at init: one chunk shows it, and nothing more is trained.
    assert {t['steps'] for t in r} == {
        cfg.train.chunk_steps if all_diverged else cfg.train.num_steps}
  assert trials[-1]['budget'] == sum(t['steps'] for t in trials)
