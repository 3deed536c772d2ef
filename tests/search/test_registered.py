"""A search method and a tracker registered from outside the package run
like the built-in ones: the method, one object, is confirmed, warm-started,
described in the report and listed by ``jaxgan --help``."""

import os
import subprocess
import sys

import jaxgan
import synthetic
from jaxgan import search
from jaxgan.search import store
from seeded import SUMMARY, Seeded, register

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')


class Recorder:
  """A tracker that keeps what it is handed."""
  seen: list = []

  def __init__(self, workdir, hparam_names, metric_names):
    Recorder.seen.append(('start', tuple(hparam_names), tuple(metric_names)))

  def chunk(self, chunk):
    Recorder.seen.append(('chunk', tuple(int(i) for i in chunk.ids)))

  def trial(self, record):
    Recorder.seen.append(('trial', record.id))

  def close(self):
    Recorder.seen.append(('close',))


def test_a_registered_method_and_tracker_run_a_search(tmp_path):
  search.register_method('seeded', Seeded)
  jaxgan.register_tracker('recorder', Recorder)
  Recorder.seen = []
  cfg = synthetic.config('seeded', num_trials=6, population=3)
  best = search.tune(cfg, str(tmp_path),
                     output=search.Output(lambda _: None, ('recorder',)),
                     trainer=synthetic.TRAINER)
  trials = store.read(str(tmp_path))
  assert len(trials) == 6 and best.id in {t.id for t in trials}
  pool = Seeded(search.Space.from_config(cfg), cfg.search).ask(10)
  assert all(t.setting in [dict(zip(('lr_d', 'lr_g'), p)) for p in pool]
             for t in trials if t.id != 0)
  kinds = [s[0] for s in Recorder.seen]
  assert kinds[0] == 'start' and kinds[-1] == 'close'
  assert sorted(s[1] for s in Recorder.seen if s[0] == 'trial') == sorted(
      t.id for t in trials)


def test_a_method_registered_as_one_object_is_used_everywhere(tmp_path):
  register()
  cfg = synthetic.config('seeded', num_trials=4, population=2)
  cfg.search.update(confirm_top=1, confirm_seeds=2, confirm_max_seeds=2)
  run = lambda workdir, **kw: synthetic.tune(cfg, workdir, **kw)
  run(tmp_path / 'first')
  run(tmp_path / 'second', warm_start=str(tmp_path / 'first'))
  pool = [dict(zip(('lr_d', 'lr_g'), p)) for p in Seeded(
      search.Space.from_config(cfg), cfg.search).ask(12)]
  asked = lambda workdir: [t.setting for t in store.read(str(workdir))
                           if t.id != 0]  # trial 0: the config's own
  # Cold, it asks point 0 beside the baseline, then 2 and 3; told the first
  # search's 4 trials, it starts at point 4.
  assert asked(tmp_path / 'first') == [pool[0], pool[2], pool[3]]
  assert asked(tmp_path / 'second') == [pool[4], pool[6], pool[7]]
  assert (tmp_path / 'first' / 'confirm.json').exists()
  assert f'`seeded`: {SUMMARY}.' in (tmp_path / 'first' /
                                     'report.md').read_text()
  out = subprocess.run(
      [sys.executable, '-m', 'jaxgan', '--help',
       '--config=tests/search/seeded.py'], cwd=ROOT, capture_output=True,
      text=True)
  assert out.returncode == 0, out.stderr
  assert f' + seeded        {SUMMARY}' in out.stdout
  listed = out.stdout.split('search methods')[1].splitlines()[1:]
  assert sorted(line[3:].split()[0] for line in listed) == sorted(
      search.METHODS)
