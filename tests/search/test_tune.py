import json
import os

import numpy as np
import pytest

import synthetic
from conftest import tiny_config
from jaxgan import checkpoint, run, search
from jaxgan.search import report, results


def stored(workdir):
  with open(os.path.join(workdir, 'trials.jsonl')) as f:
    return [json.loads(line) for line in f]


def tune(cfg, workdir, **kw):
  return search.tune(cfg, str(workdir), log=lambda _: None,
                     make_population=synthetic.make_population, tracker=(),
                     **kw)


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


def test_the_gp_refuses_the_log_of_a_maximised_objective(tmp_path):
  cfg = synthetic.config('bayes', objective='high_quality')
  with pytest.raises(ValueError, match=(
      r"search.transform='log' models the log of an objective to minimise, "
      r"but search.objective='high_quality' is maximised")):
    tune(cfg, tmp_path)
  # Other methods do not model the objective's log.
  cfg.search.method = 'optuna-tpe'
  search.validate(cfg)


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


class Stop(Exception):
  pass


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
  assert abs(np.log10(best.hparams['lr_d']) + 3) < 0.5
  finite = [t['objective'] for t in stored(tmp_path)
            if t['objective'] is not None]
  assert best.objective == min(finite)


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


def test_the_top_settings_are_confirmed_with_fresh_seeds(tmp_path):
  cfg = synthetic.config('random', num_trials=8, population=4, confirm_top=2,
                         confirm_seeds=3)
  lines = []
  best = search.tune(cfg, str(tmp_path), log=lines.append,
                     make_population=synthetic.make_population, tracker=())
  trials = stored(tmp_path)
  ranked = sorted((t for t in trials if t['objective'] is not None),
                  key=lambda t: t['objective'])
  confirmed = json.loads((tmp_path / 'confirm.json').read_text())
  assert confirmed['trials'] == 8
  rows = confirmed['rows']
  # The top 2, then the config's own setting (the baseline, trial 0) with
  # the same seeds.
  assert ranked[0]['id'] != 0 and ranked[1]['id'] != 0
  expected = ranked[:2] + [t for t in ranked if t['id'] == 0]
  assert [r['trial'] for r in rows] == [t['id'] for t in expected] == [
      ranked[0]['id'], ranked[1]['id'], 0]
  assert [r['baseline'] for r in rows] == [False, False, True]
  for r, t in zip(rows, expected):
    # Fresh seeds 10000, 10001, 10002: 0, 1 and 2 thousandths worse.
    floor = synthetic.quality_floor(t['hparams']['lr_d']) + 1 / 21
    np.testing.assert_allclose(
        r['values'], floor + synthetic.SEED_EFFECT * np.arange(3), rtol=1e-5)
    np.testing.assert_allclose(r['mean'], floor + synthetic.SEED_EFFECT,
                               rtol=1e-5)
    np.testing.assert_allclose(r['std'], synthetic.SEED_EFFECT
                               * np.std([0, 1, 2]), rtol=1e-4)
    assert r['seeds'] == [10000, 10001, 10002] and r['steps'] == 20
    assert r['failed'] == [False] * 3 and r['diverged'] == 0
  assert lines[-4].startswith(f'confirmed trial {ranked[0]["id"]} ')
  assert "in the search, the config's own setting)" in lines[-2]
  assert lines[-1].startswith(f'best: the setting of trial {best.id}, '
                              f'objective {rows[0]["mean"]:.4g} ± ')
  assert best.id == rows[0]['trial']
  # best/ holds the fresh numbers and the median fresh seed, not the best
  # evaluation the search picked.
  record = json.loads((tmp_path / 'best' / 'metrics.json').read_text())
  assert record['objective'] == rows[0]['mean']
  assert record['metrics'] == rows[0]['metrics']
  assert record['search']['objective'] == ranked[0]['objective']
  assert record['fresh']['pictured_seed'] == 10001
  retrain = json.loads((tmp_path / 'best' / 'config.json').read_text())
  assert retrain['hparams']['seed'] == 10001
  assert retrain['train']['num_steps'] == 20
  checkpoints = tmp_path / 'checkpoints' / 'best'
  assert checkpoint.restore_meta(
      str(checkpoints), checkpoint.latest_step(str(checkpoints))) == dict(
          trial=best.id, seed=10001)
  text = (tmp_path / 'report.md').read_text()
  assert '## Confirmed with fresh seeds' in text
  assert '| 0 (baseline) |' in text
  assert f'## Best: the setting of trial {best.id}' in text
  # Nothing new to confirm when the search is run again.
  before = (tmp_path / 'confirm.json').stat().st_mtime_ns
  tune(cfg, tmp_path)
  assert (tmp_path / 'confirm.json').stat().st_mtime_ns == before




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


def floor(trial):
  return float(synthetic.quality_floor(trial['hparams']['lr_d']))


def test_the_pareto_front_of_two_conflicting_objectives(tmp_path):
  # partition_kl is lowest at lr_d = 1e-3, reverse_kl at 1e-2: on the grid
  # 1e-5, 10^-4.5, ..., 1e-1 the front is 1e-3, 10^-2.5 and 1e-2.
  cfg = synthetic.searching(lr_d='log:1e-5:1e-1')
  cfg.search.update(method='grid', grid_points=9, num_trials=9, population=9,
                    pareto='reverse_kl', baseline=False)
  tune(cfg, tmp_path)
  study = json.loads((tmp_path / 'pareto.json').read_text())
  assert study['objectives'] == [['partition_kl', 'min'],
                                 ['reverse_kl', 'min']]
  front = sorted(r['setting']['lr_d'] for r in study['front'])
  np.testing.assert_allclose(front, [1e-3, 10**-2.5, 1e-2], rtol=1e-6)
  text = (tmp_path / 'report.md').read_text()
  assert '## Pareto front' in text and 'pareto.png' in text


def test_parego_scalarises_by_hand():
  from jaxgan.search import pareto
  y = np.array([[1.0, 30.0], [3.0, 10.0], [2.0, 20.0], [np.inf, 0.0]])
  # Scaled: [0, 1], [1, 0], [0.5, 0.5]; weights (0.25, 0.75).
  got = pareto.parego(y, np.array([0.25, 0.75]))
  np.testing.assert_allclose(got[:3], [0.75 + 0.05 * 0.75,
                                       0.25 + 0.05 * 0.25,
                                       0.375 + 0.05 * 0.5])
  assert got[3] == np.inf
  assert pareto.front(y) == [0, 1, 2]
  assert pareto.front(np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 1.0]])) == [0, 2]


def test_bayes_searches_a_front_with_random_scalarisations(tmp_path):
  cfg = synthetic.config('bayes', num_trials=12, population=4,
                         initial_points=4, pareto='reverse_kl')
  tune(cfg, tmp_path / 'whole')
  study = json.loads((tmp_path / 'whole' / 'pareto.json').read_text())
  trials = {t['id']: t for t in stored(tmp_path / 'whole')}
  for r in study['front']:
    t = trials[r['trial']]
    assert r['partition_kl'] == t['metrics']['partition_kl']
    for other in trials.values():
      if other['objective'] is not None:
        assert not (other['metrics']['partition_kl'] < r['partition_kl']
                    and other['metrics']['reverse_kl'] < r['reverse_kl'])
  # Resumed after its first round, it asks what it asked before.
  with pytest.raises(Stop):
    search.tune(cfg, str(tmp_path / 'stopped'), log=stop_at_first,
                make_population=synthetic.make_population, tracker=())
  tune(cfg, tmp_path / 'stopped')
  assert [t['setting'] for t in stored(tmp_path / 'stopped')] == [
      t['setting'] for t in stored(tmp_path / 'whole')]


def stop_at_first(line):
  raise Stop(line)


@pytest.mark.parametrize('method', ['optuna-tpe', 'optuna-cmaes',
                                    'optuna-nsga2'])
def test_optuna_searches_through_the_same_rounds(tmp_path, method):
  import optuna
  cfg = synthetic.config(method, num_trials=12, population=4,
                         initial_points=4)
  if method == 'optuna-nsga2':
    cfg.search.pareto = 'reverse_kl'
  tune(cfg, tmp_path / 'whole')
  trials = stored(tmp_path / 'whole')
  assert [t['round'] for t in trials] == [0] * 4 + [1] * 4 + [2] * 4
  study = optuna.load_study(study_name='jaxgan', storage='sqlite:///'
                            f'{tmp_path / "whole" / "optuna.db"}')
  # Every stored trial is a finished trial of the study, with its value
  # (the baseline added as one; a diverged trial told a finite penalty).
  done = [t for t in study.trials if t.state.name == 'COMPLETE']
  assert len(done) == 12
  for t, s in zip(sorted(done, key=lambda t: t.params['lr_d']),
                  sorted(trials, key=lambda s: s['setting']['lr_d'])):
    assert t.params['lr_d'] == pytest.approx(s['setting']['lr_d'])
    if s['objective'] is not None:
      assert t.values[0] == pytest.approx(s['objective'])
  assert 'optuna-dashboard sqlite:///optuna.db' in (
      tmp_path / 'whole' / 'report.md').read_text()


def test_stages_fix_what_they_do_not_search_at_the_best_before(tmp_path):
  cfg = synthetic.config('random', num_trials=8, population=4)
  cfg.search.stages = (
      dict(name='generator', space={'lr_g': 'log:1e-4:1e-2'}),
      dict(name='both', space={'lr_d': 'log:1e-5:1e-1',
                               'lr_g': 'log:1e-4:1e-2'},
           overrides={'search.method': 'bayes', 'search.initial_points': 4},
           narrow=10.0),
      dict(name='discriminator', space={'lr_d': 'log:1e-5:1e-1'},
           narrow=10.0),
  )
  lines = []
  best = search.tune(cfg, str(tmp_path), log=lines.append,
                     make_population=synthetic.make_population, tracker=())
  rows = json.loads((tmp_path / 'stages.json').read_text())
  assert [r['stage'] for r in rows] == ['generator', 'both', 'discriminator']
  first, second, third = (stored(tmp_path / 'stages' / f'{k}-{n}')
                          for k, n in ((1, 'generator'), (2, 'both'),
                                       (3, 'discriminator')))
  # Stage 1 keeps lr_d at the config's; its best lr_g goes on from there.
  assert [t['hparams']['lr_d'] for t in first] == [
      pytest.approx(cfg.hparams.lr_d)] * 8
  best_g = min((t for t in first if t['objective'] is not None),
               key=lambda t: t['objective'])['hparams']['lr_g']
  # Stage 2 searches both, narrowed to a decade around stage 1's best.
  for t in second:
    assert best_g / 10 * 0.999 <= t['setting']['lr_g'] <= best_g * 10 * 1.001
  assert 'told' not in lines[1]  # other names: no warm start
  # Stage 3 fixes lr_g at stage 2's best, and searches lr_d around its.
  top = min((t for t in second if t['objective'] is not None),
            key=lambda t: t['objective'])
  assert {t['hparams']['lr_g'] for t in third} == {top['hparams']['lr_g']}
  for t in third:
    assert top['setting']['lr_d'] / 10 * 0.999 <= t['setting']['lr_d']
  assert best.id == rows[-1]['trial']
  assert '| generator | 8 |' in (tmp_path / 'report.md').read_text()
  (tmp_path / 'report.md').unlink()
  report.rebuild(str(tmp_path))
  assert '| generator | 8 |' in (tmp_path / 'report.md').read_text()
  # Run again: every stage resumes with nothing to do.
  again = search.tune(cfg, str(tmp_path), log=lambda _: None,
                      make_population=synthetic.make_population, tracker=())
  assert again == best


def test_a_warm_start_tells_bayes_an_earlier_search(tmp_path):
  cfg = synthetic.config('bayes', num_trials=8, population=4,
                         initial_points=4)
  tune(cfg, tmp_path / 'old')
  wider = synthetic.config('bayes', num_trials=4, population=4,
                           initial_points=4)
  wider.search.space.lr_d = 'log:1e-6:1'
  tune(wider, tmp_path / 'cold')
  tune(wider, tmp_path / 'warm', warm_start=str(tmp_path / 'old'))
  # Told 8 trials, bayes asks from its GP at once, not its hypercube.
  cold = [t['setting'] for t in stored(tmp_path / 'cold')]
  warm = [t['setting'] for t in stored(tmp_path / 'warm')]
  assert cold[0] == warm[0] and cold[1:] != warm[1:]
  other = synthetic.config('bayes', num_trials=4)
  other.search.space.b1 = 'uniform:0:0.9'
  with pytest.raises(ValueError, match=r"searched \['lr_d', 'lr_g'\], this "
                     r"search searches \['b1', 'lr_d', 'lr_g'\]"):
    tune(other, tmp_path / 'new', warm_start=str(tmp_path / 'old'))
  assert not (tmp_path / 'new').exists()
  with pytest.raises(ValueError, match=r"a warm start informs"):
    tune(synthetic.config('random'), tmp_path / 'new',
         warm_start=str(tmp_path / 'old'))
