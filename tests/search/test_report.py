import base64
import fcntl
import itertools
import json
import os
import re
import shutil
import subprocess

import ml_collections
import numpy as np
import pytest

import synthetic
from jaxgan import config, files, run, search
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
  reference = run.Reference(floor={'fid': 0.1}, untrained={'fid': 30.0},
                            samples=500)
  text = report.markdown(cfg, trials, reference)
  assert '3 of 5 trials stored; 1 diverged (1); 2 flagged.' in text
  assert 'Training took 20s for 600 member-steps (30 member-steps/s).' in text
  assert '## Best: trial 2' in text
  assert '| fid | 0.1 | 0.5 | 30 |' in text
  assert "cfg.hparams.update(loss='hinge', lr_d=0.003)" in text
  assert 'cfg.model.width = 32' in text
  board = text[text.index('## Leaderboard'):text.index('## Samples')]
  assert board.index('| 1 | 2 | 0.5 |') < board.index('| 2 | 0 | 2 |')
  assert '| 2 | 0 | 2 | 0.001 | 200 | oscillating |' in board
  assert '| 3 |' not in board  # the diverged trial has no objective
  problems = text[text.index('## Diverged'):]
  assert '| 1 |  | diverged | a non-finite loss by step 40 |' in problems
  assert '| 0 | 2 | oscillating | fid reversed 2 times |' in problems


def test_report_before_any_finite_trial():
  cfg = ml_collections.ConfigDict(config.get_config().to_dict())
  text = report.markdown(cfg, [trial(0, None, diverged=True)], None)
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
       'parallel.png', 'partial_dependence.png']
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
  assert f'<h2 id="best-trial-{top[0]}">Best: trial {top[0]}</h2>' in page
  assert '<table class="sortable">' in page and '<script>' in page
  assert 'http' not in page  # self-contained: nothing from the network


def test_rebuild_of_a_directory_without_a_search_is_refused(tmp_path):
  with pytest.raises(FileNotFoundError, match='holds no search'):
    report.rebuild(str(tmp_path))
  assert not list(tmp_path.iterdir())


def chromium():
  return shutil.which('chromium') or shutil.which('chromium-browser')


class DevTools:
  """Chromium, headless, driven over the DevTools protocol on a pipe
  (``--remote-debugging-pipe``: commands on fd 3, replies on fd 4, each a
  JSON message ending in NUL)."""

  def __init__(self, profile):
    to_chrome, self._send = os.pipe()
    self._receive, from_chrome = os.pipe()
    # bash puts the pipes on fds 3 and 4 (this process does not fork),
    # from fds above 9 so that neither move overwrites the other.
    ends = [fcntl.fcntl(end, fcntl.F_DUPFD, 10)
            for end in (to_chrome, from_chrome)]
    os.close(to_chrome)
    os.close(from_chrome)
    self.proc = subprocess.Popen(
        ['bash', '-c', f'exec "$0" "$@" 3<&{ends[0]} 4>&{ends[1]}',
         chromium(), '--headless', '--no-sandbox', '--disable-gpu',
         '--remote-debugging-pipe', f'--user-data-dir={profile}',
         '--window-size=1400,1000', 'about:blank'],
        pass_fds=ends, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for end in ends:
      os.close(end)
    self._ids, self._buffer, self.events = itertools.count(1), b'', []
    target = self.call('Target.createTarget', url='about:blank')['targetId']
    self.session = self.call('Target.attachToTarget', targetId=target,
                             flatten=True)['sessionId']

  def _message(self):
    """The next message; a read waits until chromium writes or closes its
    end of the pipe."""
    while b'\0' not in self._buffer:
      chunk = os.read(self._receive, 1 << 20)
      assert chunk, 'chromium closed its pipe'
      self._buffer += chunk
    raw, self._buffer = self._buffer.split(b'\0', 1)
    return json.loads(raw)

  def call(self, method, session=None, **params):
    """Sends a command and returns its result; events on the way are kept
    in :attr:`events`."""
    ident = next(self._ids)
    message = dict(id=ident, method=method, params=params)
    if session:
      message['sessionId'] = session
    os.write(self._send, json.dumps(message).encode() + b'\0')
    while True:
      reply = self._message()
      if reply.get('id') == ident:
        assert 'error' not in reply, reply
        return reply['result']
      self.events.append(reply)

  def page(self, method, **params):
    return self.call(method, session=self.session, **params)

  def wait_for(self, method):
    while not any(e.get('method') == method for e in self.events):
      self.events.append(self._message())

  def evaluate(self, expression):
    result = self.page('Runtime.evaluate', expression=expression,
                       awaitPromise=True, returnByValue=True)
    assert 'exceptionDetails' not in result, result
    return result['result'].get('value')

  def errors(self):
    """The page's console errors, uncaught exceptions and error log
    entries."""
    out = []
    for e in self.events:
      method, params = e.get('method'), e.get('params', {})
      if method == 'Runtime.exceptionThrown':
        out.append(params['exceptionDetails'])
      elif method == 'Runtime.consoleAPICalled' and params['type'] in (
          'error', 'assert'):
        out.append(params['args'])
      elif method == 'Log.entryAdded' and params['entry']['level'] == 'error':
        out.append(params['entry'])
    return out

  def close(self):
    self.proc.kill()
    self.proc.wait()
    os.close(self._send)
    os.close(self._receive)


@pytest.mark.slow
def test_the_html_report_works_in_a_headless_browser(tmp_path):
  if chromium() is None:
    assert os.environ.get('CI') != 'true', (
        'CI needs chromium for this test: .ci/run installs it')
    pytest.skip('needs a chromium browser (apt-get install chromium)')
  cfg = synthetic.config('random', num_trials=8, population=4)
  search.tune(cfg, str(tmp_path / 'w'),
              output=search.Output(lambda _: None, []),
              trainer=synthetic.TRAINER)
  page = tmp_path / 'w' / 'report.html'
  browser = DevTools(tmp_path / 'profile')
  try:
    for domain in ('Page', 'Runtime', 'Log'):
      browser.page(f'{domain}.enable')
    browser.page('Page.navigate', url=page.as_uri())
    browser.wait_for('Page.loadEventFired')
    images = browser.evaluate(
        'Promise.all(Array.from(document.images).map(i => i.decode().then('
        '() => i.naturalWidth > 0 && i.naturalHeight > 0, () => false)))')
    assert len(images) >= 5 and all(images)
    board = ('Array.from(document.querySelector("#leaderboard ~ '
             '.table-wrap table").tBodies[0].rows).map(r => '
             'Number(r.cells[1].textContent))')
    ranked = browser.evaluate(board)
    assert len(ranked) >= 4
    # Sorting by the trial column, then back by rank.
    browser.evaluate('document.querySelector("#leaderboard ~ .table-wrap '
                     'th:nth-child(2)").click()')
    assert browser.evaluate(board) == sorted(ranked)
    browser.evaluate('document.querySelector("#leaderboard ~ .table-wrap '
                     'th:nth-child(1)").click()')
    assert browser.evaluate(board) == ranked
    shot = browser.page('Page.captureScreenshot', format='png',
                        captureBeyondViewport=True)
    assert browser.errors() == []
  finally:
    browser.close()
  from PIL import Image
  (tmp_path / 'report.png').write_bytes(base64.b64decode(shot['data']))
  picture = Image.open(tmp_path / 'report.png')
  assert picture.size[0] >= 1000 and picture.size[1] > 2000
