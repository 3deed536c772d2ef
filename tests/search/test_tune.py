import json
import os

import numpy as np
import pytest

import synthetic
from conftest import tiny_config
from jaxgan import run, search
from jaxgan.search import results
from synthetic import floor, stored, tune


@pytest.mark.parametrize('field,value,message', [
    ('method', 'anneal', r"search.method='anneal' is not a registered "
     r'search method'),
    ('objective', 'fid', r"search.objective='fid' is not measured on "
     r"data.name='grid25' with a direction; choose one of \['high_quality', "
     r"'modes', 'partition_kl', 'reverse_kl'\]"),
    ('direction', 'up', r"search.direction='up' must be 'min', 'max' or ''"),
    ('objective', 'd_loss', r"search.objective='d_loss' is not measured"),
    ('num_trials', 0, r'search.num_trials=0 must be an integer >= 1'),
    ('eta', 1, r'search.eta=1 must be an integer >= 2'),
    ('transform', 'sqrt', r"search.transform='sqrt' is not valid"),
    ('pbt_fraction', 0.75, r'search.pbt_fraction=0.75 must be in'),
])
def test_bad_search_settings_are_named(tmp_path, field, value, message):
  cfg = synthetic.config('random')
  cfg.search[field] = value
  with pytest.raises(ValueError, match=message):
    tune(cfg, tmp_path)
  assert not os.path.exists(tmp_path / 'trials.jsonl')


def test_another_search_config_is_refused_and_nothing_is_lost(tmp_path):
  cfg = synthetic.config('random', num_trials=4, population=4)
  tune(cfg, tmp_path)
  before = stored(tmp_path)
  cfg.search.method = 'bayes'
  with pytest.raises(ValueError, match=r"search.method: 'random' -> 'bayes'"):
    tune(cfg, tmp_path)
  assert stored(tmp_path) == before


def test_tiny_gan_search_end_to_end(tmp_path, compile_counter):
  cfg = tiny_config(penalty='r1')
  cfg.search.update(method='random', num_trials=4, population=4)
  cfg.train.update(num_steps=30, chunk_steps=10)
  best = search.tune(cfg, str(tmp_path), output=search.Output(lambda _: None))
  trials = stored(tmp_path)
  assert len(trials) == 4 and best.id in {t['id'] for t in trials}
  with open(tmp_path / 'best' / 'metrics.json') as f:
    assert json.load(f) == best.to_json()
  text = (tmp_path / 'report.md').read_text()
  assert f'## Best: trial {best.id}' in text
  assert text.count('| 4 | ') == 1  # the leaderboard's 4th and last rank
  samples = np.load(tmp_path / 'best' / 'samples.npz')['x']
  assert samples.shape == (cfg.train.eval_samples, 2)
  assert (tmp_path / 'best' / 'samples.png').stat().st_size > 0
  assert os.listdir(tmp_path / 'checkpoints' / 'best')

  # The best config retrains the best trial on its own: same numbers.
  with open(tmp_path / 'best' / 'config.json') as f:
    import ml_collections
    best_cfg = ml_collections.ConfigDict(json.load(f))
  again = run.train_one(best_cfg, str(tmp_path / 'again'),
                        log=lambda _: None)
  for name, value in best.metrics.items():
    np.testing.assert_allclose(again[name], value, rtol=1e-4, atol=1e-6)

  # More trials in the same workdir: the second round compiles nothing.
  cfg.search.num_trials = 8
  compiles = compile_counter.count
  search.tune(cfg, str(tmp_path), output=search.Output(lambda _: None))
  assert compile_counter.count == compiles
  assert [t['id'] for t in stored(tmp_path)] == list(range(8))


@pytest.mark.xdist_group('digits_search')
def test_image_search_reports_its_floor_and_ceiling(digits_search):
  cfg, tmp_path, best, lines = digits_search
  reference = json.loads((tmp_path / 'reference.json').read_text())
  floor, untrained = reference['floor']['fid'], reference['untrained']['fid']
  assert reference['samples'] == cfg.train.eval_samples
  assert reference['protocol'] == dict(
      network='classifier', n=64, floor='digits test split, 64 images',
      reference='digits train split (1297 images; KID and precision/recall: '
      '64 of them)')
  assert 0 <= floor < untrained
  assert best.objective == best.metrics['fid']
  assert lines[-1].startswith(f'best: trial {best.id}, objective '
                              f'{best.objective:.4g} (floor {floor:.4g}, '
                              f'untrained {untrained:.4g})')
  text = (tmp_path / 'report.md').read_text()
  assert (f'| fid | {floor:.4g} | {best.objective:.4g} | {untrained:.4g} |'
          in text)
  assert f'## Best: trial {best.id}' in text and '| rank | trial | fid |' in text
  assert ('Measured in the `classifier` feature space against the digits '
          'train split' in text)
  samples = np.load(tmp_path / 'best' / 'samples.npz')['x']
  assert samples.shape == (results.IMAGE_SAMPLES, 8, 8, 1)
  assert samples.min() >= 0.0 and samples.max() <= 1.0


def test_a_diverged_member_is_flagged_in_the_store_and_the_report(tmp_path):
  cfg = synthetic.searching(lr_g='choice:0.001,1e30')  # a real tiny GAN
  cfg.search.update(method='grid', num_trials=2, population=2,
                    baseline=False)
  search.tune(cfg, str(tmp_path), output=search.Output(lambda _: None, ()))
  trials = stored(tmp_path)
  [bad] = [t for t in trials if t['hparams']['lr_g'] > 1]
  [good] = [t for t in trials if t['hparams']['lr_g'] < 1]
  assert bad['diverged'] and bad['status'] == 'diverged'
  assert bad['flags']['diverged'].startswith(
      'a non-finite loss, gradient or parameter by step ')
  assert None in bad['curves']['g_loss'] and 'diverged' not in good['flags']
  text = (tmp_path / 'report.md').read_text()
  assert '1 diverged (%d)' % bad['id'] in text
  problems = text[text.index('## Diverged'):].splitlines()
  assert any(line.startswith(f'| {bad["id"]} | ') and line.endswith(
      f' | diverged | {bad["flags"]["diverged"]} |') for line in problems)
  assert 'diverged' in (tmp_path / 'report.html').read_text()


def test_image_objectives_are_offered_for_image_data(tmp_path):
  cfg = tiny_config('digits', penalty='r1')
  cfg.search.objective = 'partition_kl'
  with pytest.raises(ValueError, match=r"search.objective='partition_kl' is "
                     r"not measured on data.name='digits' with a direction; "
                     r"choose one of \['class_kl', 'classes', 'fid', "
                     r"'inception_score', 'kid', 'precision', 'recall'\]"):
    search.tune(cfg, str(tmp_path))
  assert not os.listdir(tmp_path)


def test_the_default_objective_follows_the_data(tmp_path):
  np.save(tmp_path / 'points.npy', np.random.default_rng(0).normal(
      size=(40, 2)))
  for name, objective in (('grid25', 'partition_kl'), ('digits', 'fid'),
                          (f'array:{tmp_path}/points.npy',
                           'energy_distance')):
    cfg = tiny_config()
    cfg.data.name = name
    assert cfg.search.objective == ''
    assert search.with_objective(cfg).search.objective == objective
    assert cfg.search.objective == ''
  cfg.search.objective = 'fid'
  assert search.with_objective(cfg) is cfg


def test_a_conditional_space_searches_a_name_only_under_its_choice(tmp_path):
  cfg = synthetic.searching(penalty='r1', lr_d='log:1e-4:1e-2')
  cfg.search.space.update(penalty='choice:gp,r1',
                          gp_weight='log:0.1:100 if penalty=gp')
  cfg.search.update(method='random', num_trials=8, population=4)
  tune(cfg, tmp_path)
  trials = stored(tmp_path)
  assert {t['bucket']['penalty'] for t in trials} == {'gp', 'r1'}
  for t in trials:
    if t['bucket']['penalty'] == 'gp':
      assert 0.1 <= t['setting']['gp_weight'] <= 100
      assert t['hparams']['gp_weight'] == pytest.approx(
          t['setting']['gp_weight'])
    else:
      assert t['setting']['gp_weight'] is None
      assert t['hparams']['gp_weight'] == cfg.hparams.gp_weight
  text = (tmp_path / 'report.md').read_text()
  assert '| rank | trial | partition_kl |' in text
  assert ('Searched only under a choice (blank where inactive): `gp_weight` '
          'where penalty is gp.') in text


@pytest.mark.parametrize('field,value,message', [
    ('seeds', 3, r'search.num_trials=10 must be a multiple of '
     r'search.seeds=3'),
    ('seed_statistic', 'median', r"search.seed_statistic='median' is not "
     'valid'),
    ('confirm_top', -1, r'search.confirm_top=-1 must be an integer >= 0'),
])
def test_bad_seed_settings_are_named(tmp_path, field, value, message):
  cfg = synthetic.config('random', num_trials=10, population=6)
  cfg.search[field] = value
  with pytest.raises(ValueError, match=message):
    tune(cfg, tmp_path)


def test_an_objective_to_maximise_is_maximised(tmp_path):
  # high_quality = 1 / (1 + partition_kl) on the synthetic population.
  cfg = synthetic.config('halving', num_trials=9, eta=3, rungs=2,
                         objective='high_quality', transform='none',
                         baseline=False)
  best = tune(cfg, tmp_path)
  trials = [t for t in stored(tmp_path) if t['objective'] is not None]
  assert best.direction == 'max' and best.objective == max(
      t['objective'] for t in trials)
  assert best.id == min(trials, key=floor)['id']
  assert {t['id'] for t in trials if t['steps'] == 20} == {
      t['id'] for t in sorted(trials, key=floor)[:3]}
  assert '(higher is better)' in (tmp_path / 'report.md').read_text()


