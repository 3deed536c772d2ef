import json
import re
import shutil
import subprocess

import ml_collections
import numpy as np
import pytest

from jaxgan import config, files
from jaxgan.search import report
from jaxgan.search.trial import Trial


def trial(i, objective, diverged=False, lr_d=None, lr_g=None):
  lr_d = 1e-3 * (i + 1) if lr_d is None else lr_d
  setting = {'lr_d': lr_d} if lr_g is None else {'lr_d': lr_d, 'lr_g': lr_g}
  steps = [10, 20]
  return Trial(id=i, objective=objective, diverged=diverged, best_step=100,
              steps=200, bucket={'model.width': 32},
              hparams={'lr_d': lr_d, 'loss': 'hinge'},
              setting=setting, round=i // 2, seconds=10.0,
              budget=200 * (i + 1),
              flags={'diverged': 'a non-finite loss by step 40'} if diverged
              else {},
              curves={'step': steps, 'd_loss': [1.0, None if diverged else .9],
                      'g_loss': [2.0, 1.5], 'd_grad_norm': [1.0, 2.0],
                      'g_grad_norm': [0.5, 0.4]},
              evaluations={'step': [20], 'fid': [objective]},
              metrics={'fid': objective} if objective is not None else {},
              status='diverged' if diverged else 'finished', losses={})


def fid_config(num_trials=5, lr_g=''):
  cfg = config.get_config()
  cfg.data.name = 'digits'
  cfg.search.update(objective='fid', num_trials=num_trials)
  cfg.search.space.update(lr_g=lr_g, b1='', b2='', loss='', r1_gamma='')
  return cfg


def test_report_ranks_trials_and_lists_what_went_wrong():
  cfg = fid_config()
  trials = [trial(0, 2.0), trial(1, None, diverged=True), trial(2, 0.5)]
  trials[0] = trials[0].replace(
      flags={'oscillating': 'fid reversed 2 times'})
  reference = dict(floor={'fid': 0.1}, untrained={'fid': 30.0}, samples=500)
  text = report.markdown(cfg, trials, reference)
  assert '3 of 5 trials stored; 1 diverged (1); 2 flagged.' in text
  assert 'Training took 20s for 600 member-steps (30 member-steps/s).' in text
  assert '## Best: trial 2' in text
  assert '| fid | 0.1 | 0.5 | 30 |' in text
  assert "cfg.hparams.update(loss='hinge', lr_d=0.003)" in text
  assert 'cfg.model.width = 32' in text
  board = text[text.index('## Leaderboard'):text.index('## Samples')]
  assert board.index('| 1 | 2 | 0.5 |') < board.index('| 2 | 0 | 2 |')
  assert '| 2 | 0 | 2 | 0.001 | oscillating |' in board
  assert '| 3 |' not in board  # the diverged trial has no objective
  problems = text[text.index('## Diverged'):]
  assert '| 1 |  | diverged | a non-finite loss by step 40 |' in problems
  assert '| 0 | 2 | oscillating | fid reversed 2 times |' in problems


def test_report_before_any_finite_trial():
  cfg = ml_collections.ConfigDict(config.get_config().to_dict())
  text = report.markdown(cfg, [trial(0, None, diverged=True)], {})
  assert 'No trial has a finite objective yet.' in text
  assert 'a non-finite loss by step 40' in text


def write_search(workdir, trials, cfg):
  (workdir / 'config.json').write_text(json.dumps(cfg.to_dict()))
  lines = ''.join(json.dumps(t.to_json()) + '\n' for t in trials)
  (workdir / 'trials.jsonl').write_text(lines + '{"id": 9, "obj')  # mid-write
  (workdir / 'samples').mkdir()
  for t in trials:
    images = np.full((4, 8, 8, 1), t.id * 20, np.uint8)
    np.savez(files.samples_path(str(workdir), t.id), x=images)
  return lines + '{"id": 9, "obj'


def test_rebuild_draws_every_picture_and_inlines_them(tmp_path):
  cfg = fid_config(num_trials=12, lr_g='log:1e-4:1e-2')
  # fid depends on lr_d alone: lowest at 1e-3.
  rng = np.random.default_rng(0)
  lr_d, lr_g = 10 ** rng.uniform(-4, -2, (2, 10))
  trials = [trial(i, float(1 + np.log10(d / 1e-3) ** 2), lr_d=float(d),
                  lr_g=float(g)) for i, (d, g) in enumerate(zip(lr_d, lr_g))]
  top = [t.id for t in sorted(trials, key=lambda t: t.objective)][:4]
  stored = write_search(tmp_path, trials, cfg)
  path = report.rebuild(str(tmp_path))
  assert path == str(tmp_path / 'report.html')
  assert (tmp_path / 'trials.jsonl').read_text() == stored  # untouched
  pictures = sorted(p.name for p in (tmp_path / 'report').iterdir())
  assert pictures == sorted(
      ['convergence.png', 'curves.png', 'evaluations.png', 'importance.png',
       'partial_dependence.png']
      + [f'samples_trial_{i:04d}.png' for i in top])
  text = (tmp_path / 'report.md').read_text()
  for name in pictures:
    assert f'](report/{name})' in text
  importance = text[text.index('| hyperparameter | importance |'):]
  lr_d_share = float(re.search(r'\| lr_d \| ([0-9.]+) \|', importance)[1])
  assert lr_d_share > 0.9  # the forest finds what the objective depends on
  page = (tmp_path / 'report.html').read_text()
  sources = re.findall(r'src="([^"]*)"', page)
  assert len(sources) == len(pictures)
  assert all(s.startswith('data:image/png;base64,') for s in sources)
  assert f'<h2>Best: trial {top[0]}</h2>' in page and '<table>' in page


def test_rebuild_of_a_directory_without_a_search_is_refused(tmp_path):
  with pytest.raises(FileNotFoundError, match='holds no search'):
    report.rebuild(str(tmp_path))
  assert not list(tmp_path.iterdir())


def chromium():
  return shutil.which('chromium') or shutil.which('chromium-browser')


@pytest.mark.skipif(chromium() is None, reason='needs a chromium browser')
def test_the_html_report_renders_in_a_headless_browser(tmp_path):
  cfg = fid_config(num_trials=12, lr_g='log:1e-4:1e-2')
  rng = np.random.default_rng(1)
  lr_d, lr_g = 10 ** rng.uniform(-4, -2, (2, 10))
  write_search(tmp_path, [
      trial(i, float(1 + np.log10(d / 1e-3) ** 2), lr_d=float(d),
            lr_g=float(g)) for i, (d, g) in enumerate(zip(lr_d, lr_g))], cfg)
  page = report.rebuild(str(tmp_path))
  shot = tmp_path / 'screenshot.png'
  out = subprocess.run(
      [chromium(), '--headless', '--no-sandbox', '--disable-gpu',
       f'--screenshot={shot}', '--window-size=1400,5000',
       '--hide-scrollbars', f'file://{page}'],
      capture_output=True, text=True, timeout=120)
  assert shot.exists(), out.stderr
  import matplotlib.image
  pixels = matplotlib.image.imread(shot)[..., :3]
  # The inlined plots render: coloured pixels, which the text and tables
  # (black on white and grey) do not have.
  coloured = np.ptp(pixels, axis=-1) > 0.3
  assert coloured.sum() > 5000
  # Content reaches far down the page: every section rendered.
  rows = np.nonzero((pixels < 0.9).any(axis=(1, 2)))[0]
  assert rows.max() > 1500
