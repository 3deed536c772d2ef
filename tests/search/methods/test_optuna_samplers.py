"""Optuna's samplers searching through jaxgan's rounds."""

import pytest

import synthetic
from synthetic import stored, tune


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


@pytest.mark.parametrize('name,args', [
    ('optuna-tpe', dict(num_trials=8, population=4, initial_points=4)),
    # CMA-ES and NSGA-II keep state in their study's trials: a resume
    # completes the search, but the points after it may differ (see
    # jaxgan.search.methods.optuna_samplers).
    ('optuna-cmaes', dict(num_trials=8, population=4)),
    ('optuna-nsga2', dict(num_trials=8, population=4, pareto='reverse_kl')),
])
def test_a_stopped_search_resumes_where_it_stopped(tmp_path, name, args):
  cfg = synthetic.config(name, **args)
  cfg.train.update(num_steps=90, chunk_steps=10)
  synthetic.resumes(tmp_path, cfg, same_points=name == 'optuna-tpe')
