"""A shared study's claims, leases, budget and checks, on SQLite with an
injected clock, and whole searches of workers over the synthetic
population (:mod:`jaxgan.search.shared`)."""

import json
import threading

import pytest

import synthetic
from jaxgan import search
from jaxgan.search import shared
from jaxgan.search.shared import Shared, Study
from jaxgan.search.trial import Trial


class Clock:
  """A clock the test moves."""

  def __init__(self):
    self.now = 1000.0

  def __call__(self) -> float:
    return self.now


def _shared(tmp_path, clock=None, lease=10.0, name='study') -> Shared:
  return Shared(f'sqlite:///{tmp_path}/study.db', name, lease, clock)


def _trial(i: int, steps: int = 10, objective: float = 1.0) -> Trial:
  return Trial(id=i, round=7, setting={'lr_d': 1e-3}, hparams={},
               bucket={}, objective=objective, metrics={}, best_step=steps,
               steps=steps, losses={}, diverged=False, status='finished',
               curves={}, evaluations={}, flags={}, seconds=1.0, budget=0)


def _placed(study, claims):
  study.place([c._replace(point=[float(c.setting)]) for c in claims])


def test_a_lost_claim_is_retrained_once_with_its_ids_and_point(tmp_path):
  clock = Clock()
  cfg = synthetic.config('random', num_trials=4, population=2)
  cfg.train.num_steps = 10
  a = Study.join(_shared(tmp_path, clock), cfg)
  b = Study.join(_shared(tmp_path, clock), cfg)
  assert (a.worker, b.worker) == (0, 1)
  first = a.claim(2)
  assert [c.ids for c in first] == [(0,), (1,)]
  _placed(a, first)
  clock.now += 9
  a.heartbeat()                        # its deadline moves to 1019
  clock.now += 9
  assert [c.ids for c in b.claim(5)] == [(2,), (3,)]   # the budget's rest
  assert b.claim(1) == [] and not b.over()
  clock.now += 2                        # a's lease has passed
  retried = b.claim(2)
  assert [(c.ids, c.point, c.tries) for c in retried] == [
      ((0,), [0.0], 2), ((1,), [1.0], 2)]
  assert a.store(_trial(0), None) is None      # taken: a's result is dropped
  stored = b.store(_trial(0), b'npz')
  assert (stored.budget, stored.elapsed, stored.round) == (10, 20.0, 0)
  assert b.store(_trial(0), None) is None      # stored once
  assert [(t.id, s) for _, t, s in b.stored()] == [(0, b'npz')]
  assert b.retried() == [0]
  assert not b.over()
  for i in (1, 2, 3):
    b.store(_trial(i), None)
  assert b.over() and b.counts() == shared.Counts(4, 0, 0, 4)
  assert [t.budget for _, t, _ in b.stored()] == [10, 20, 30, 40]


def test_a_late_worker_keeps_its_result_if_nobody_took_the_claim(tmp_path):
  clock = Clock()
  cfg = synthetic.config('random', num_trials=2, population=2)
  a = Study.join(_shared(tmp_path, clock), cfg)
  _placed(a, a.claim(1))
  clock.now += 11
  assert a.sweep() == [0]
  assert a.store(_trial(0), None) is not None


def test_the_budget_is_the_studys(tmp_path):
  clock = Clock()
  cfg = synthetic.config('random', num_trials=10, population=4)
  cfg.train.num_steps = 10
  cfg.search.budget = 'member_steps:30'
  a = Study.join(_shared(tmp_path, clock, name='steps'), cfg)
  b = Study.join(_shared(tmp_path, clock, name='steps'), cfg)
  assert len(a.claim(2)) == 2 and len(b.claim(2)) == 1 and a.claim(1) == []
  cfg.search.budget = 'seconds:5'
  c = Study.join(_shared(tmp_path, clock, name='seconds'), cfg)
  assert len(c.claim(1)) == 1
  clock.now += 5
  assert c.claim(1) == []
  cfg.search.budget = ''
  cfg.search.seeds, cfg.search.num_trials = 2, 6
  d = Study.join(_shared(tmp_path, clock, name='seeds'), cfg)
  assert [c.ids for c in d.claim(4)] == [(0, 1), (2, 3), (4, 5)]


def claim_side_by_side(shared_study: Shared) -> None:
  """Asserts that 4 workers claiming, placing and storing at once (threads,
  one connection each) claim and store every id once."""
  cfg = synthetic.config('random', num_trials=60, population=2)
  found, errors = [], []

  def work():
    try:
      study = Study.join(shared_study, cfg)
      while claims := study.claim(1):
        study.place([c._replace(point=[0.0]) for c in claims])
        found.extend(c.ids[0] for c in claims)
        assert study.store(_trial(claims[0].ids[0]), None) is not None
      study.close()
    except Exception as e:    # pylint: disable=broad-except
      errors.append(e)

  threads = [threading.Thread(target=work) for _ in range(4)]
  for t in threads:
    t.start()
  for t in threads:
    t.join()
  assert errors == []
  assert sorted(found) == list(range(60))
  study = Study.join(shared_study, cfg)
  stored = study.stored()
  assert [seq for seq, _, _ in stored] == list(range(60))
  assert sorted(t.id for _, t, _ in stored) == list(range(60))
  assert [t.budget for _, t, _ in stored] == [10 * (k + 1) for k in range(60)]


def test_concurrent_workers_claim_every_id_once_on_sqlite(tmp_path):
  claim_side_by_side(_shared(tmp_path))


def test_a_worker_with_another_config_or_version_is_refused(tmp_path,
                                                          monkeypatch):
  cfg = synthetic.config('random', num_trials=4, population=2)
  Study.join(_shared(tmp_path), cfg)
  other = synthetic.config('random', num_trials=6, population=2)
  with pytest.raises(ValueError, match=r"study 'study' in sqlite:///.* was "
                     r'made with another config.*search.num_trials: 4 -> 6'):
    Study.join(_shared(tmp_path), other)
  monkeypatch.setattr(shared, '_versions', lambda: dict(jaxgan='9', optuna='1'))
  with pytest.raises(ValueError, match=r"jaxgan: '0.1.0' -> '9'"):
    Study.join(_shared(tmp_path), cfg)


def test_passwords_are_never_shown():
  url = 'postgresql+psycopg://me:hunter2@db.lan:5432/jaxgan'
  assert shared.redacted(url) == 'postgresql+psycopg://me:***@db.lan:5432/jaxgan'
  with pytest.raises(ValueError) as e:
    shared.check(Shared('nosuch+driver://me:hunter2@h/db', 's'))
  assert 'hunter2' not in str(e.value)
  assert "no driver for 'nosuch+driver'" in str(e.value)


@pytest.mark.parametrize('method, extra, message', [
    ('bayes', {}, r"search.method='bayes' keeps its state in one process.*"
     r"use one of \[.*'random', 'grid', 'optuna-tpe'"),
    ('halving', {}, r"search.method='halving' keeps its state"),
    ('random', {'warm_start': 'W0'}, r"--warm_start='W0'"),
])
def test_what_cannot_be_shared_is_refused_before_anything_is_written(
    tmp_path, method, extra, message):
  cfg = synthetic.config(method, num_trials=4, population=2)
  with pytest.raises(ValueError, match=message):
    synthetic.tune(cfg, tmp_path / 'w', shared=_shared(tmp_path), **extra)
  assert not (tmp_path / 'w').exists() and not (tmp_path / 'study.db').exists()
  with pytest.raises(ValueError, match='--study is required'):
    shared.check(Shared('sqlite:///x.db', ''))


def test_workers_one_after_another_share_one_study(tmp_path):
  """Worker 0 runs the whole study; worker 1 joins a finished one and only
  mirrors it; the report rebuilt from the database is theirs."""
  cfg = synthetic.config('optuna-tpe', num_trials=6, population=2,
                         initial_points=2, confirm_top=1, confirm_seeds=2,
                         confirm_max_seeds=2)
  lines = []
  first = synthetic.tune(cfg, tmp_path / 'w0', lines.append,
                         shared=_shared(tmp_path))
  assert any('confirming' in line for line in lines)
  stored = synthetic.stored(tmp_path / 'w0')
  assert [t['id'] for t in stored] == list(range(6))
  assert sorted({t['round'] for t in stored}) == [0, 1, 2]
  assert [t['budget'] for t in stored] == [t['steps'] * (i + 1)
                                           for i, t in enumerate(stored)]
  later = []
  second = synthetic.tune(cfg, tmp_path / 'w1', later.append,
                          shared=_shared(tmp_path))
  assert second.id == first.id
  assert later[0].startswith("worker 1 of study 'study' in sqlite:///")
  assert not any('round' in line or 'confirming' in line for line in later)
  assert synthetic.stored(tmp_path / 'w1') == stored
  assert (tmp_path / 'w1' / 'confirm.json').exists()
  assert sorted(p.name for p in (tmp_path / 'w1' / 'samples').iterdir()) == \
      sorted(p.name for p in (tmp_path / 'w0' / 'samples').iterdir())
  shared.export(_shared(tmp_path), str(tmp_path / 'out'))
  search.report.rebuild(str(tmp_path / 'out'))
  for name in ('report.md', 'trials.jsonl', 'confirm.json'):
    assert (tmp_path / 'out' / name).read_text() == \
        (tmp_path / 'w0' / name).read_text(), name
  info = json.loads((tmp_path / 'out' / 'study.json').read_text())
  assert (info['workers'], info['retried']) == (1, [])
  # Every setting, the baseline (trial 0, asked of no Optuna trial) too, was
  # told to the shared Optuna study once.
  import optuna
  told = optuna.load_study(study_name='study',
                           storage=f'sqlite:///{tmp_path}/study.db')
  assert [t.state.name for t in told.get_trials()] == ['COMPLETE'] * 6
  assert sorted(t.value for t in told.get_trials()) == sorted(
      t['objective'] for t in stored)
  with pytest.raises(ValueError, match="no such jaxgan study"):
    shared.export(_shared(tmp_path, name='nope'), str(tmp_path / 'none'))


def test_a_trial_told_by_two_workers_is_told_once(tmp_path):
  from jaxgan.search.methods import optuna_samplers
  cfg = synthetic.config('optuna-tpe', num_trials=4, population=2)
  space = search.Space.from_config(cfg)
  a, b = (optuna_samplers.Shared(space, cfg.search,
                                 Study.join(_shared(tmp_path), cfg))
          for _ in range(2))
  [(point, number)] = a.ask([0])
  [(other, _)] = b.ask([1])
  assert point != other               # seeded apart, worker by worker
  a.tell([number], [point], [0.5])
  b.tell([number], [point], [0.7])    # too late: ignored
  b.tell([None], [other], [0.25])     # a point it did not ask for
  assert [(t.number, t.state.name, t.value) for t in a.study.get_trials()
          ] == [(number, 'COMPLETE', 0.5), (1, 'RUNNING', None),
                (2, 'COMPLETE', 0.25)]
