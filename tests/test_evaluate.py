"""The paper protocol on a search's best trial (``jaxgan evaluate``)."""

import json
import os

import numpy as np
import pytest

from conftest import tiny_config
from jaxgan import evaluate
from jaxgan.metrics import inception


@pytest.fixture(scope='module')
def stats(tmp_path_factory):
  """Reference statistics in pytorch-fid's layout, with features."""
  features = np.random.default_rng(0).gamma(2.0, 0.5, (40, inception.POOL_DIM))
  path = str(tmp_path_factory.mktemp('stats') / 'stats.npz')
  np.savez(path, mu=features.mean(0), sigma=np.cov(features, rowvar=False),
           features=np.float32(features))
  return path


@pytest.mark.xdist_group('digits_search')
def test_the_best_trial_is_measured_and_stored_with_its_protocol(
    digits_search, stats, inception_weights):
  _, workdir, best, _ = digits_search
  workdir = str(workdir)
  lines = []
  record = evaluate.evaluate_best(
      workdir, evaluate.Counts(num_samples=12, ppl_samples=20),
      evaluate.Overrides(inception_weights[0], resize='clean',
                         reference_stats=stats), lines.append)
  assert record['trial'] == best.id
  assert record['network'] == 'pt_inception-2015-12-05'
  assert record['resize'] == 'clean' and record['n'] == 12
  assert record['reference'] == f'statistics from {stats}'
  assert record['weights'].startswith('stand_in.npz (sha256 ')
  assert record['ppl'] == dict(space='classifier', n=20, epsilon=1e-4,
                               latent='z, slerp on the sphere of radius '
                               'sqrt(latent_dim)')
  metrics = record['metrics']
  assert set(metrics) == {'fid', 'inception_score', 'inception_score_std',
                          'kid', 'kid_std', 'precision', 'recall',
                          'ppl_classifier'}
  assert all(np.isfinite(v) for v in metrics.values())
  assert metrics['fid'] > 0 and metrics['inception_score'] >= 1.0
  assert metrics['ppl_classifier'] > 0 and record['seconds'] > 0
  assert lines[-1].startswith('paper protocol: fid=') and 'resize clean' in (
      lines[-1])
  stored = json.loads(open(os.path.join(workdir, 'best',
                                        'metrics.json')).read())
  assert stored['protocol'] == record and stored['id'] == best.id
  text = open(os.path.join(workdir, 'report.md')).read()
  assert '### Paper protocol' in text
  assert f'| fid | {metrics["fid"]:.4g} |' in text
  assert 'resize `clean`, 12 generated images' in text


@pytest.mark.xdist_group('digits_search')
def test_bad_requests_fail_before_compiling(digits_search, inception_weights,
                                            tmp_path, monkeypatch,
                                            compile_counter):
  workdir = str(digits_search[1])
  monkeypatch.delenv(inception.WEIGHTS_ENV, raising=False)
  with pytest.raises(FileNotFoundError, match=r'has no best trial'):
    evaluate.evaluate_best(str(tmp_path))
  with pytest.raises(FileNotFoundError, match=r'pytorch-fid'):
    evaluate.evaluate_best(workdir)
  with pytest.raises(ValueError, match=r"ppl_features='lpips' is not"):
    evaluate.evaluate_best(workdir, evaluate.Counts(ppl_features='lpips'),
                           evaluate.Overrides(inception_weights[0]))
  with pytest.raises(ValueError, match=r"eval.resize='bicubic' is not valid"):
    evaluate.evaluate_best(workdir, overrides=evaluate.Overrides(
        inception_weights[0], resize='bicubic'))
  points = tmp_path / 'points'
  (points / 'best').mkdir(parents=True)
  (points / 'best' / 'config.json').write_text(
      json.dumps(tiny_config().to_dict()))
  with pytest.raises(ValueError, match=r"data.name='grid25' holds points"):
    evaluate.evaluate_best(str(points),
                           overrides=evaluate.Overrides(inception_weights[0]))
  assert compile_counter.count == 0
  assert 'protocol' not in json.loads(
      (tmp_path / 'points' / 'best' / 'config.json').read_text())
