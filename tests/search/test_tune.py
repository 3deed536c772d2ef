import json
import os

import numpy as np
import pytest

import synthetic
from conftest import tiny_config
from jaxgan import population, run, search
from jaxgan.search import results


def stored(workdir):
  with open(os.path.join(workdir, 'trials.jsonl')) as f:
    return [json.loads(line) for line in f]


def tune(cfg, workdir, **kw):
  return search.tune(cfg, str(workdir), log=lambda _: None,
                     make_population=synthetic.make_population, tracker=(),
                     **kw)


@pytest.mark.parametrize('field,value,message', [
    ('method', 'anneal', r"search.method='anneal' is not valid"),
    ('objective', 'fid', r"search.objective='fid' is not measured on "
     r"data.name='grid25'; choose one of \['partition_kl', 'reverse_kl'\]"),
    ('objective', 'modes', r"search.objective='modes' is not measured"),
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


@pytest.mark.parametrize('space,interval,message', [
    ({'model.width': 'choice:8,16'}, 10, r'search.space.model.width is static'),
    ({}, 15, r'search.pbt_interval=15 must be a multiple of '
     r'train.chunk_steps=10'),
])
def test_pbt_refuses_what_it_cannot_do(tmp_path, space, interval, message):
  cfg = synthetic.config('pbt', pbt_interval=interval)
  for name, text in space.items():
    section, leaf = name.split('.')
    cfg.search.space[section][leaf] = text
  with pytest.raises(ValueError, match=message):
    tune(cfg, tmp_path)


@pytest.mark.parametrize('method', sorted(search.METHODS))
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
  assert best['id'] == min(finite, key=lambda t: t['objective'])['id']
  assert trials[-1]['budget'] == 10 * cfg.train.num_steps


class Stop(Exception):
  pass


def test_a_stopped_bayes_search_resumes_where_it_stopped(tmp_path):
  cfg = synthetic.config('bayes', num_trials=12, population=4,
                         initial_points=4)
  tune(cfg, tmp_path / 'whole')

  def stop(line):
    raise Stop(line)
  with pytest.raises(Stop):
    search.tune(cfg, str(tmp_path / 'stopped'), log=stop,
                make_population=synthetic.make_population, tracker=())
  assert len(stored(tmp_path / 'stopped')) == 4
  tune(cfg, tmp_path / 'stopped')
  drop = lambda t: {k: v for k, v in t.items() if k != 'seconds'}
  assert [drop(t) for t in stored(tmp_path / 'stopped')] == [
      drop(t) for t in stored(tmp_path / 'whole')]


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
  best = search.tune(cfg, str(tmp_path), log=lambda _: None)
  trials = stored(tmp_path)
  assert len(trials) == 4 and best['id'] in {t['id'] for t in trials}
  with open(tmp_path / 'best' / 'metrics.json') as f:
    assert json.load(f) == best
  text = (tmp_path / 'report.md').read_text()
  assert f'## Best: trial {best["id"]}' in text
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
  for name, value in best['metrics'].items():
    np.testing.assert_allclose(again[name], value, rtol=1e-4, atol=1e-6)

  # More trials in the same workdir: the second round compiles nothing.
  cfg.search.num_trials = 8
  compiles = compile_counter.count
  search.tune(cfg, str(tmp_path), log=lambda _: None)
  assert compile_counter.count == compiles
  assert [t['id'] for t in stored(tmp_path)] == list(range(8))


@pytest.mark.parametrize('method,search_args', [
    ('bayes', dict(num_trials=16, population=4, initial_points=8)),
    ('random', dict(num_trials=16, population=4)),
    ('grid', dict(num_trials=9, population=3, grid_points=3)),
    ('halving', dict(num_trials=16, eta=2, rungs=3)),
    ('pbt', dict(population=8, pbt_interval=10, pbt_fraction=0.25)),
])
def test_every_method_finds_the_known_optimum(tmp_path, method, search_args):
  # The synthetic objective is lowest at lr_d = 1e-3: every method's best
  # trial lands within half a decade of it.
  cfg = synthetic.config(method, baseline=False, **search_args)
  if method == 'pbt':
    cfg.search.space.lr_g = ''
  best = tune(cfg, tmp_path)
  assert abs(np.log10(best['hparams']['lr_d']) + 3) < 0.5
  finite = [t['objective'] for t in stored(tmp_path)
            if t['objective'] is not None]
  assert best['objective'] == min(finite)


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
  assert best['objective'] == best['metrics']['fid']
  assert lines[-1].startswith(f'best: trial {best["id"]}, objective '
                              f'{best["objective"]:.4g} (floor {floor:.4g}, '
                              f'untrained {untrained:.4g})')
  text = (tmp_path / 'report.md').read_text()
  assert (f'| fid | {floor:.4g} | {best["objective"]:.4g} | {untrained:.4g} |'
          in text)
  assert f'## Best: trial {best["id"]}' in text and '| rank | trial | fid |' in text
  assert ('Measured in the `classifier` feature space against the digits '
          'train split' in text)
  samples = np.load(tmp_path / 'best' / 'samples.npz')['x']
  assert samples.shape == (results.IMAGE_SAMPLES, 8, 8, 1)
  assert samples.min() >= 0.0 and samples.max() <= 1.0


def test_a_diverged_member_is_flagged_in_the_store_and_the_report(tmp_path):
  cfg = synthetic.searching(lr_g='choice:0.001,1e30')  # a real tiny GAN
  cfg.search.update(method='grid', num_trials=2, population=2,
                    baseline=False)
  search.tune(cfg, str(tmp_path), log=lambda _: None, tracker=())
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
  with pytest.raises(ValueError, match=r"search.objective='partition_kl' is "
                     r"not measured on data.name='digits'; choose one of "
                     r"\['class_kl', 'fid', 'kid'\]"):
    search.tune(cfg, str(tmp_path))
  assert not os.listdir(tmp_path)
