"""Staged searches."""

import json

import pytest

import synthetic
from jaxgan import search
from jaxgan.search import report
from synthetic import stored


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
  best = search.tune(cfg, str(tmp_path),
                     output=search.Output(lines.append, ()),
                     trainer=synthetic.TRAINER)
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
  again = search.tune(cfg, str(tmp_path),
                      output=search.Output(lambda _: None, ()),
                      trainer=synthetic.TRAINER)
  assert again == best
