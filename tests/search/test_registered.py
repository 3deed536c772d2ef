"""A search method and a tracker registered from outside the package run
like the built-in ones."""

import numpy as np

import jaxgan
import synthetic
from jaxgan import search
from jaxgan.search import store


class Seeded:
  """Point ``i`` from a generator seeded ``[7, i]``: an ask/tell method
  written against the public API, whose points a test can list."""

  def __init__(self, space, search_cfg):
    del search_cfg
    self.space, self.told = space, 0

  def ask(self, n):
    return [self.space.sample(np.random.default_rng([7, self.told + i]))
            for i in range(n)]

  def tell(self, points, values):
    del values
    self.told += len(points)


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
  best = search.tune(cfg, str(tmp_path), log=lambda _: None,
                     make_population=synthetic.make_population,
                     tracker=('recorder',))
  trials = store.read(str(tmp_path))
  assert len(trials) == 6 and best.id in {t.id for t in trials}
  pool = Seeded(search.Space.from_config(cfg), cfg.search).ask(10)
  assert all(t.setting in [dict(zip(('lr_d', 'lr_g'), p)) for p in pool]
             for t in trials if t.id != 0)
  kinds = [s[0] for s in Recorder.seen]
  assert kinds[0] == 'start' and kinds[-1] == 'close'
  assert sorted(s[1] for s in Recorder.seen if s[0] == 'trial') == sorted(
      t.id for t in trials)
