"""A study that several workers share through a database: ``jaxgan tune
--storage=URL --study=NAME --workdir=LOCAL``.

The database is the study's one source of truth. It holds the study's config
and the jaxgan and Optuna versions that made it (a worker with any other is
refused, the difference named; ``search.population`` is each worker's own), the sampler's state (an Optuna study of the
same name, for the ``optuna-*`` methods), every trial's claim and, once
stored, its full :class:`~jaxgan.search.trial.Trial` record and kept samples,
the reference metrics and the confirmation. Its tables are Optuna's and four
of jaxgan's (``jaxgan_studies``, ``jaxgan_workers``, ``jaxgan_trials``),
made on first use.

A worker claims trial ids in the database, a setting's ``search.seeds`` ids
at once: ids run 0, 1, ... with no gaps and no duplicates, and the study's
budget (``search.num_trials``, ``search.budget``) is counted over every
worker's claims. A claim is a lease: the worker's heartbeat (a thread, every
quarter of :attr:`Shared.lease`) extends it, and a claim whose deadline has
passed is lost; the next worker to plan a round retrains it, with the same
ids and point (``tries`` counts the attempts), and the one that stores it
first is the only one stored. A worker whose lease lapsed while it trained
keeps its result only if nobody has taken the claim since. Time is the
database's clock, so workers on machines whose clocks differ agree.

A worker that finds nothing to claim while other workers' trials run waits
for them (looking every :data:`POLL` seconds, or every quarter lease if
shorter), so that one of them is retrained if its worker dies. When every trial is stored, the first worker to claim the
confirmation runs it (:mod:`jaxgan.search.confirm`) and stores it; the
others end. Each worker's workdir mirrors the study (``config.json``,
``trials.jsonl``, ``samples/``, ``reference.json``, ``confirm.json``,
:data:`FILE`), so its
report covers every worker's trials; its trackers, ``checkpoints/best`` and
``best/`` hold what it trained itself (the confirming worker's ``best/``:
the answer). :func:`export` writes the mirror anywhere, for ``jaxgan report
--storage=URL --study=NAME --workdir=OUT``.

Example:
  >>> shared = Shared('postgresql+psycopg://me@db.lan/jaxgan', 'grid25-lr')
  >>> search.tune(cfg, '/scratch/w1', shared=shared)
"""

import json
import os
import socket
import threading
import time
from typing import Callable, NamedTuple, Protocol, Sequence, TypeVar

import ml_collections
import numpy as np
import sqlalchemy as sa

import jaxgan
from jaxgan import config
from jaxgan.files import atomic_write, samples_path, write_json
from jaxgan.search import confirm, pareto, schedulers, store
from jaxgan.search.rounds import Budget
from jaxgan.search.schedulers import Plan, Point, Verdict
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# Seconds a claim stays a worker's without a heartbeat.
LEASE = 60.0
# The study's name, storage and workers, in every mirror (for the report).
FILE = 'study.json'
# Seconds at most between a waiting worker's looks at the study.
POLL = 2.0
RUNNING, LOST, STORED = 'running', 'lost', 'stored'

T = TypeVar('T')
_META = sa.MetaData()
_STUDIES = sa.Table(
    'jaxgan_studies', _META,
    sa.Column('name', sa.String(512), primary_key=True),
    sa.Column('config', sa.Text, nullable=False),
    sa.Column('versions', sa.Text, nullable=False),
    sa.Column('started', sa.Float, nullable=False),
    sa.Column('reference', sa.Text),
    sa.Column('confirm_worker', sa.Integer),
    sa.Column('confirm_deadline', sa.Float),
    sa.Column('confirmation', sa.Text),
    sa.Column('rounds', sa.Integer, nullable=False, default=0))
_WORKERS = sa.Table(
    'jaxgan_workers', _META,
    sa.Column('study', sa.String(512), primary_key=True),
    sa.Column('worker', sa.Integer, primary_key=True),
    sa.Column('host', sa.String(256), nullable=False),
    sa.Column('pid', sa.Integer, nullable=False),
    sa.Column('joined', sa.Float, nullable=False))
_TRIALS = sa.Table(
    'jaxgan_trials', _META,
    sa.Column('study', sa.String(512), primary_key=True),
    sa.Column('id', sa.Integer, primary_key=True),
    # The setting's first id: a setting's seeds are claimed together.
    sa.Column('setting', sa.Integer, nullable=False),
    sa.Column('point', sa.Text),
    # The sampler's trial (Optuna's number), None for samplers without one.
    sa.Column('ask', sa.Integer),
    sa.Column('told', sa.Boolean, nullable=False, default=False),
    # The study's round that trains it (numbered over every worker).
    sa.Column('round', sa.Integer),
    sa.Column('worker', sa.Integer, nullable=False),
    sa.Column('deadline', sa.Float, nullable=False),
    sa.Column('state', sa.String(16), nullable=False),
    sa.Column('tries', sa.Integer, nullable=False),
    # The order trials were stored in, and what was stored.
    sa.Column('seq', sa.Integer),
    sa.Column('steps', sa.Integer),
    sa.Column('record', sa.Text),
    sa.Column('samples', sa.LargeBinary),
    sa.UniqueConstraint('study', 'seq'))

# Seconds since the epoch by the database's clock, per SQLAlchemy dialect.
_NOW = {
    'postgresql': 'SELECT EXTRACT(EPOCH FROM clock_timestamp())',
    'sqlite': "SELECT (julianday('now') - 2440587.5) * 86400.0",
    'mysql': 'SELECT UNIX_TIMESTAMP(NOW(6))',
}


class Shared(NamedTuple):
  """Where a search's study lives when workers share it.

  Attributes:
    storage: a SQLAlchemy URL that Optuna's ``RDBStorage`` accepts
      (``postgresql+psycopg://USER:PASSWORD@HOST/DB``;
      ``sqlite:///PATH`` for processes on one machine).
    study: the study's name in it.
    lease: seconds a worker's claims stay its own without a heartbeat; a
      dead worker's trials are retrained about this long after it died.
    clock: seconds now, the same on every worker; None: the database's.
  """
  storage: str
  study: str
  lease: float = LEASE
  clock: Callable[[], float] | None = None


def redacted(url: str) -> str:
  """``url`` with its password hidden, as jaxgan writes it anywhere."""
  try:
    return sa.engine.make_url(url).render_as_string(hide_password=True)
  except sa.exc.ArgumentError:
    return '<a URL that could not be read>'


def check(shared: Shared) -> None:
  """Raises a ValueError naming the flag unless ``shared`` can be used
  (before anything is written)."""
  try:
    url = sa.engine.make_url(shared.storage)
  except sa.exc.ArgumentError:
    raise ValueError(f'--storage={redacted(shared.storage)} is not a '
                     'SQLAlchemy URL (postgresql+psycopg://USER@HOST/DB, '
                     'sqlite:///PATH)') from None
  try:
    url.get_dialect()
  except (sa.exc.NoSuchModuleError, ImportError) as e:
    raise ValueError(f'--storage={redacted(shared.storage)}: no driver for '
                     f'{url.drivername!r} ({e}); for PostgreSQL: pip install '
                     "'jaxgan[postgres]'") from None
  if not shared.study:
    raise ValueError('--study is required with --storage: the name of the '
                     'study the workers share')
  if not shared.lease > 0:
    raise ValueError(f'--lease={shared.lease!r} must be > 0 seconds')


def _engine_kwargs(url: str) -> dict:
  """How jaxgan's and Optuna's engines on ``url`` are made: SQLite waits
  up to 2 minutes for its lock, a server's connections are checked before
  use."""
  return ({'connect_args': {'timeout': 120}} if url.startswith('sqlite')
          else {'pool_pre_ping': True})


def engine(url: str) -> sa.engine.Engine:
  """An engine on ``url``; SQLite's transactions take the write lock when
  they begin and wait for it, so concurrent writers queue instead of
  failing with "database is locked"."""
  e = sa.create_engine(url, **_engine_kwargs(url))
  return _immediate(e) if url.startswith('sqlite') else e


def _immediate(e: sa.engine.Engine) -> sa.engine.Engine:
  """``e`` (SQLite) with every transaction begun by ``BEGIN IMMEDIATE``:
  two deferred transactions that both read and then write would otherwise
  fail at once, whatever the busy timeout."""

  @sa.event.listens_for(e, 'connect')
  def _manual(dbapi_connection, record):
    del record
    dbapi_connection.isolation_level = None

  @sa.event.listens_for(e, 'begin')
  def _begin(connection):
    connection.exec_driver_sql('BEGIN IMMEDIATE')
  e.dispose()    # connections made before are made again, with the above
  return e


def _versions() -> dict:
  import optuna
  return dict(jaxgan=jaxgan.__version__, optuna=optuna.__version__)


class Claim(NamedTuple):
  """One setting a worker trains: its ids (one per seed), its point (None:
  the sampler has not asked for it yet), the sampler's trial and how many
  times it has been claimed."""
  setting: int
  ids: tuple[int, ...]
  point: Point | None
  ask: int | None
  tries: int


class Untold(NamedTuple):
  """A stored setting the sampler has not been told: its sampler trial
  (None: its point was not asked for, the baseline), point and stored
  ids."""
  setting: int
  ask: int | None
  point: Point
  ids: list[int]


class Counts(NamedTuple):
  """The study's trials by state."""
  claimed: int
  running: int
  lost: int
  stored: int


class Study:
  """One worker's handle on a shared study (see the module docstring);
  :meth:`join` makes one."""

  def __init__(self, shared: Shared, db: sa.engine.Engine, worker: int,
               started: float, cfg: ml_collections.ConfigDict):
    self.shared, self.db, self.worker = shared, db, worker
    self.name, self.started, self.cfg = shared.study, started, cfg
    self._optuna = None

  @property
  def url(self) -> str:
    """The storage URL without its password."""
    return redacted(self.shared.storage)

  @classmethod
  def join(cls, shared: Shared, cfg: ml_collections.ConfigDict
           ) -> 'Study':
    """Opens (or starts) the study ``shared.study`` for ``cfg`` and
    registers this process as a new worker.

    Raises:
      ValueError: the study was made by another config, jaxgan or Optuna
        (the differences listed).
    """
    check(shared)
    db = engine(shared.storage)
    _made(lambda: _META.create_all(db))
    made = dict(config=json.dumps(cfg.to_dict(), sort_keys=True),
                versions=json.dumps(_versions(), sort_keys=True))
    study = cls(shared, db, -1, 0.0, cfg)
    where = _STUDIES.c.name == shared.study

    def register(c):
      row = c.execute(sa.select(_STUDIES).where(where)).first()
      if row is None:
        c.execute(_STUDIES.insert().values(name=shared.study,
                                           started=study.now(c), **made))
        row = c.execute(sa.select(_STUDIES).where(where)).first()
      _same(shared, json.loads(row.config), cfg.to_dict(),
            json.loads(row.versions))
      worker = c.execute(sa.select(sa.func.coalesce(
          sa.func.max(_WORKERS.c.worker), -1) + 1).where(
              _WORKERS.c.study == shared.study)).scalar_one()
      c.execute(_WORKERS.insert().values(
          study=shared.study, worker=worker, host=socket.gethostname(),
          pid=os.getpid(), joined=study.now(c)))
      return cls(shared, db, worker, row.started, cfg)

    return _retried(db, register)

  def now(self, c: sa.Connection | None = None) -> float:
    """Seconds since the epoch, by the study's clock (the database's, read
    on ``c`` inside a transaction: SQLite's write lock is the
    connection's)."""
    if self.shared.clock is not None:
      return self.shared.clock()
    sql = _NOW.get(self.db.dialect.name)
    if sql is None:
      return time.time()
    if c is not None:
      return float(c.exec_driver_sql(sql).scalar_one())
    with self.db.connect() as c:
      return float(c.exec_driver_sql(sql).scalar_one())

  def _trials(self):
    return _TRIALS.c.study == self.name

  # Claims.

  def sweep(self) -> list[int]:
    """Marks the running claims whose lease has passed as lost; returns
    their ids."""
    now = self.now()
    where = sa.and_(self._trials(), _TRIALS.c.state == RUNNING,
                    _TRIALS.c.deadline < now)
    with self.db.begin() as c:
      ids = c.execute(sa.select(_TRIALS.c.id).where(where)).scalars().all()
      if ids:
        c.execute(_TRIALS.update().where(where).values(state=LOST))
    return sorted(ids)

  def claim(self, settings: int) -> list[Claim]:
    """Up to ``settings`` settings for this worker: lost ones first (to be
    retrained), then new ones within the study's budget."""
    self.sweep()
    out = self._retries(settings)
    if len(out) < settings:
      out += self._new(settings - len(out))
    return out

  def _retries(self, settings: int) -> list[Claim]:
    with self.db.connect() as c:
      lost = c.execute(
          sa.select(_TRIALS.c.setting).where(
              self._trials(), _TRIALS.c.state == LOST).distinct()
          .order_by(_TRIALS.c.setting)).scalars().all()
    out = []
    for setting in lost[:settings]:
      where = sa.and_(self._trials(), _TRIALS.c.setting == setting,
                      _TRIALS.c.state == LOST)
      with self.db.begin() as c:
        taken = c.execute(_TRIALS.update().where(where).values(
            state=RUNNING, worker=self.worker,
            deadline=self.now(c) + self.shared.lease,
            tries=_TRIALS.c.tries + 1)).rowcount
        if not taken:
          continue    # another worker took it first
        rows = c.execute(sa.select(_TRIALS).where(
            self._trials(), _TRIALS.c.setting == setting).order_by(
                _TRIALS.c.id)).all()
      out.append(Claim(setting, tuple(r.id for r in rows),
                       None if rows[0].point is None
                       else json.loads(rows[0].point), rows[0].ask,
                       rows[0].tries))
    return out

  def _allowed(self, claimed: int, c: sa.Connection | None = None) -> int:
    """How many more trial ids the budget allows after ``claimed``."""
    s, steps = self.cfg.search, self.cfg.train.num_steps
    budget = Budget.parse(s.budget)
    left = s.num_trials - claimed
    if budget.member_steps is not None:
      left = min(left, budget.member_steps // steps - claimed)
    if budget.seconds is not None and (self.now(c) - self.started
                                       >= budget.seconds):
      left = 0
    return max(0, left)

  def _new(self, settings: int) -> list[Claim]:
    seeds = self.cfg.search.seeds

    def insert(c):
      claimed = c.execute(sa.select(sa.func.count()).where(
          self._trials())).scalar_one()
      n = min(settings, self._allowed(claimed, c) // seeds)
      deadline = self.now(c) + self.shared.lease
      ids = [claimed + i for i in range(n * seeds)]
      if ids:
        c.execute(_TRIALS.insert(), [
            dict(study=self.name, id=i,
                 setting=claimed + (i - claimed) // seeds * seeds,
                 worker=self.worker, deadline=deadline, state=RUNNING,
                 tries=1, told=False) for i in ids])
      return [Claim(ids[k * seeds], tuple(ids[k * seeds:(k + 1) * seeds]),
                    None, None, 1) for k in range(n)]
    return _retried(self.db, insert)

  def place(self, claims: Sequence[Claim]) -> int:
    """Records each claim's point and sampler trial, and that they train
    in one new round of the study; returns the round's number (from 0)."""
    where = _STUDIES.c.name == self.name
    with self.db.begin() as c:
      c.execute(_STUDIES.update().where(where).values(
          rounds=_STUDIES.c.rounds + 1))
      number = c.execute(sa.select(_STUDIES.c.rounds).where(
          where)).scalar_one() - 1
      for claim in claims:
        c.execute(_TRIALS.update().where(
            self._trials(), _TRIALS.c.setting == claim.setting).values(
                point=json.dumps(claim.point), ask=claim.ask, round=number))
    return number

  def heartbeat(self) -> None:
    """Extends this worker's leases: its running claims and the
    confirmation it is running."""
    deadline = self.now() + self.shared.lease
    with self.db.begin() as c:
      c.execute(_TRIALS.update().where(
          self._trials(), _TRIALS.c.worker == self.worker,
          _TRIALS.c.state.in_((RUNNING, LOST))).values(
              state=RUNNING, deadline=deadline))
      c.execute(_STUDIES.update().where(
          _STUDIES.c.name == self.name,
          _STUDIES.c.confirm_worker == self.worker,
          _STUDIES.c.confirmation.is_(None)).values(
              confirm_deadline=deadline))

  def counts(self) -> Counts:
    """The study's trials by state."""
    with self.db.connect() as c:
      rows = dict(c.execute(sa.select(_TRIALS.c.state, sa.func.count())
                            .where(self._trials())
                            .group_by(_TRIALS.c.state)).all())
    return Counts(sum(rows.values()), rows.get(RUNNING, 0),
                  rows.get(LOST, 0), rows.get(STORED, 0))

  def over(self) -> bool:
    """Whether nothing is left to train: no claim running or lost, and no
    new one allowed."""
    n = self.counts()
    return (n.running == 0 and n.lost == 0
            and self._allowed(n.claimed) < self.cfg.search.seeds)

  def claims(self) -> list[dict]:
    """Every claim: id, setting, point, worker, state, tries (for tests,
    the report and a user's look at the study)."""
    with self.db.connect() as c:
      rows = c.execute(sa.select(
          _TRIALS.c.id, _TRIALS.c.setting, _TRIALS.c.point,
          _TRIALS.c.worker, _TRIALS.c.state, _TRIALS.c.tries).where(
              self._trials()).order_by(_TRIALS.c.id)).all()
    return [dict(id=r.id, setting=r.setting, worker=r.worker, state=r.state,
                 tries=r.tries,
                 point=None if r.point is None else json.loads(r.point))
            for r in rows]

  # Stored trials.

  def store(self, trial: Trial, samples: bytes | None) -> Trial | None:
    """Stores this worker's ``trial`` unless another worker has taken its
    claim (then None). Its ``budget`` and ``elapsed`` become the study's:
    member-steps stored and seconds since the study began; its ``round``
    the study's."""
    where = sa.and_(self._trials(), _TRIALS.c.id == trial.id)

    def update(c):
      row = c.execute(sa.select(_TRIALS.c.state, _TRIALS.c.worker,
                                _TRIALS.c.round).where(where)).first()
      if row is None or row.state == STORED or row.worker != self.worker:
        return None
      seq, steps = c.execute(sa.select(
          sa.func.coalesce(sa.func.max(_TRIALS.c.seq), -1) + 1,
          sa.func.coalesce(sa.func.sum(_TRIALS.c.steps), 0)).where(
              self._trials())).one()
      out = trial.replace(budget=int(steps) + trial.steps,
                          elapsed=self.now(c) - self.started,
                          round=row.round)
      c.execute(_TRIALS.update().where(where).values(
          state=STORED, seq=seq, steps=out.steps,
          record=json.dumps(out.to_json(), sort_keys=True, allow_nan=False),
          samples=samples))
      return out
    return _retried(self.db, update)

  def stored(self, after: int = -1) -> list[tuple[int, Trial, bytes | None]]:
    """``(seq, trial, samples)`` of the trials stored after ``after``, in
    the order they were stored."""
    with self.db.connect() as c:
      rows = c.execute(sa.select(_TRIALS.c.seq, _TRIALS.c.record,
                                 _TRIALS.c.samples).where(
          self._trials(), _TRIALS.c.state == STORED,
          _TRIALS.c.seq > after).order_by(_TRIALS.c.seq)).all()
    return [(r.seq, Trial.from_json(json.loads(r.record)), r.samples)
            for r in rows]

  def untold(self) -> list['Untold']:
    """The stored settings the sampler has not been told, in id order."""
    with self.db.connect() as c:
      rows = c.execute(sa.select(_TRIALS.c.setting, _TRIALS.c.ask,
                                 _TRIALS.c.point, _TRIALS.c.id).where(
          self._trials(), _TRIALS.c.state == STORED,
          _TRIALS.c.told.is_(False)).order_by(_TRIALS.c.id)).all()
    out: dict[int, Untold] = {}
    for r in rows:
      u = out.setdefault(r.setting, Untold(r.setting, r.ask,
                                           json.loads(r.point), []))
      u.ids.append(r.id)
    return list(out.values())

  def told(self, settings: Sequence[int]) -> list[int]:
    """Marks these settings told; returns those this call marked (another
    worker may have marked some first)."""
    out = []
    with self.db.begin() as c:
      for setting in settings:
        if c.execute(_TRIALS.update().where(
            self._trials(), _TRIALS.c.setting == setting,
            _TRIALS.c.told.is_(False)).values(told=True)).rowcount:
          out.append(setting)
    return out

  def workers(self) -> int:
    """How many workers have stored trials."""
    with self.db.connect() as c:
      return c.execute(sa.select(sa.func.count(
          sa.distinct(_TRIALS.c.worker))).where(
              self._trials(), _TRIALS.c.state == STORED)).scalar_one()

  def retried(self) -> list[int]:
    """The stored trials that were trained more than once (a worker was
    lost while training them)."""
    with self.db.connect() as c:
      return list(c.execute(sa.select(_TRIALS.c.id).where(
          self._trials(), _TRIALS.c.state == STORED, _TRIALS.c.tries > 1)
          .order_by(_TRIALS.c.id)).scalars())

  # The study's other records.

  def _study(self, **values) -> None:
    with self.db.begin() as c:
      c.execute(_STUDIES.update().where(_STUDIES.c.name == self.name)
                .values(**values))

  def _field(self, name: str):
    with self.db.connect() as c:
      return c.execute(sa.select(_STUDIES.c[name]).where(
          _STUDIES.c.name == self.name)).scalar_one()

  def set_reference(self, reference: dict) -> None:
    """Records the reference metrics (the same on every worker)."""
    self._study(reference=json.dumps(reference, sort_keys=True))

  def reference(self) -> dict | None:
    value = self._field('reference')
    return None if value is None else json.loads(value)

  def claim_confirmation(self) -> int | None:
    """Takes the confirmation for this worker unless another live worker
    holds it or it is done; returns None when taken here, else the worker
    holding it (-1 when it is done)."""
    now = self.now()
    free = sa.or_(_STUDIES.c.confirm_worker.is_(None),
                  _STUDIES.c.confirm_deadline < now)
    with self.db.begin() as c:
      taken = c.execute(_STUDIES.update().where(
          _STUDIES.c.name == self.name, _STUDIES.c.confirmation.is_(None),
          free).values(confirm_worker=self.worker,
                       confirm_deadline=now + self.shared.lease)).rowcount
      row = c.execute(sa.select(_STUDIES.c.confirm_worker,
                                _STUDIES.c.confirmation).where(
          _STUDIES.c.name == self.name)).one()
    if taken:
      return None
    return -1 if row.confirmation is not None else row.confirm_worker

  def set_confirmation(self, done: dict) -> None:
    self._study(confirmation=json.dumps(done, sort_keys=True))

  def confirmation(self) -> dict | None:
    value = self._field('confirmation')
    return None if value is None else json.loads(value)

  def optuna_storage(self):
    """Optuna's storage of this study's database (one per worker, made
    when a sampler first needs it)."""
    if self._optuna is None:
      import optuna
      url = self.shared.storage
      self._optuna = _made(lambda: optuna.storages.RDBStorage(
          url, engine_kwargs=_engine_kwargs(url)))
      if url.startswith('sqlite'):
        _immediate(self._optuna.engine)
    return self._optuna

  def close(self) -> None:
    """Closes this worker's connections."""
    self.db.dispose()
    if self._optuna is not None:
      self._optuna.engine.dispose()


def _retried(db: sa.engine.Engine, work: Callable[[sa.Connection], T]
             ) -> T:
  """``work(c)`` in one transaction, run again from the start when another
  worker's transaction took the same key first (the loser's is rolled
  back whole: PostgreSQL aborts a transaction at its first error)."""
  while True:
    try:
      with db.begin() as c:
        return work(c)
    except sa.exc.IntegrityError:
      continue


def _made(make: Callable[[], T], attempts: int = 5) -> T:
  """``make()``, which creates tables if they are missing, run again when
  another worker created them at the same moment (the check and the
  creation are not one transaction, in SQLAlchemy or in Optuna)."""
  for attempt in range(attempts):
    try:
      return make()
    except sa.exc.DBAPIError:
      if attempt == attempts - 1:
        raise


def _same(shared: Shared, old: dict, new: dict, versions: dict) -> None:
  """Raises a ValueError naming the differences unless this worker's config
  and versions are the study's."""
  def plain(c):
    out = json.loads(json.dumps(config.with_defaults(c)))
    # A worker's population is its own: what its devices train at once.
    del out['search']['population']
    return out
  diff = store.differences(plain(old), plain(new))
  diff += store.differences(versions, _versions())
  if diff:
    raise ValueError(
        f'study {shared.study!r} in {redacted(shared.storage)} was made '
        f'with another config or version ({store.listed(diff)}): every '
        "worker runs the study's; use another --study for this one")


class Heartbeat:
  """Extends a worker's leases every quarter lease, on a thread, while the
  worker runs (a context manager)."""

  def __init__(self, study: Study, say: Callable[[str], None]):
    self.study, self.say = study, say
    self._stop = threading.Event()
    self._thread = threading.Thread(target=self._beat, daemon=True,
                                    name='jaxgan-heartbeat')

  def _beat(self) -> None:
    failing = False
    while not self._stop.wait(self.study.shared.lease / 4):
      try:
        self.study.heartbeat()
        failing = False
      except sa.exc.SQLAlchemyError as e:
        if not failing:
          self.say(f'heartbeat: the study database did not answer ({e}); '
                   'retrying')
        failing = True

  def __enter__(self) -> 'Heartbeat':
    self._thread.start()
    return self

  def __exit__(self, *exc) -> None:
    self._stop.set()
    self._thread.join()


class Sampler(Protocol):
  """How a method asks for points in a shared study
  (:attr:`jaxgan.search.SearchMethod.shared`)."""

  def ask(self, settings: Sequence[int]) -> list[tuple[Point, int | None]]:
    """Points for the study's settings number ``settings`` (0, 1, ...),
    each with the sampler's trial (None if it keeps none)."""

  def tell(self, asks: Sequence[int | None], points: Sequence[Point],
           values: Sequence) -> None:
    """The objectives of the sampler's trials ``asks`` (None: a point it
    did not ask for, at ``points``)."""


class Indexed:
  """A sampler whose point for setting ``i`` is ``at(i)`` (random search,
  the grid): workers draw different points because they claim different
  settings."""

  def __init__(self, at: Callable[[int], Point]):
    self.at = at

  def ask(self, settings: Sequence[int]) -> list[tuple[Point, int | None]]:
    return [(self.at(i), None) for i in settings]

  def tell(self, asks: Sequence[int | None], points: Sequence[Point],
           values: Sequence) -> None:
    del asks, points, values


class Claimed:
  """The scheduler of a worker in a shared study: each round claims
  ``search.population`` trials (:meth:`Study.claim`), asks the sampler for
  the new settings' points (the config's own point for setting 0, when
  ``search.baseline`` asks for it) and trains them for ``train.num_steps``
  steps. Stored results are told to the sampler before every round, by
  whichever worker sees them first."""

  perturbs = False

  def __init__(self, cfg: ml_collections.ConfigDict, space: Space,
               say: Callable[[str], None], store: 'SharedStore',
               sampler: Sampler):
    self.cfg, self.space, self.say = cfg, space, say
    self.store, self.study, self.sampler = store, store.study, sampler

  def resume(self, trials, state, prior=(), learned=()) -> None:
    del trials, state, prior, learned

  def settle(self) -> None:
    """Tells the sampler the stored settings it has not been told (every
    seed stored), whoever trained them: a trial it asked for is told, then
    marked (telling twice is harmless); a point it did not ask for is
    marked, then added (adding twice is not)."""
    untold = [u for u in self.study.untold()
              if len(u.ids) == self.cfg.search.seeds]
    if not untold:
      return
    self.store.refresh()
    s = self.cfg.search
    objs = pareto.objectives(self.cfg)
    outcomes = schedulers.outcomes(self.store.trials, s.seed_statistic, objs)
    values = [o.value if o.values is None else o.values for o in outcomes]
    y = np.stack([np.atleast_1d(np.asarray(v, np.float64)) for v in values])
    y = np.stack([schedulers.finite_values(y[:, i])
                  for i in range(y.shape[1])], axis=1)
    of = {o.ids[0]: (list(row) if len(objs) > 1 else float(row[0]))
          for o, row in zip(outcomes, y)}
    asked = [u for u in untold if u.ask is not None and u.setting in of]
    self.sampler.tell([u.ask for u in asked], [u.point for u in asked],
                      [of[u.setting] for u in asked])
    self.study.told([u.setting for u in asked])
    added = set(self.study.told([u.setting for u in untold
                                 if u.ask is None and u.setting in of]))
    added = [u for u in untold if u.setting in added]
    self.sampler.tell([None] * len(added), [u.point for u in added],
                      [of[u.setting] for u in added])

  def plan(self) -> Plan | None:
    s = self.cfg.search
    waiting = False
    while True:
      self.settle()
      claims = self.study.claim(max(1, s.population // s.seeds))
      if claims or self.study.over():
        break
      if not waiting:
        n = self.study.counts()
        self.say(f'waiting: {n.running} trials run on other workers (one '
                 'is retrained here if its worker is lost)')
        waiting = True
      time.sleep(min(POLL, self.study.shared.lease / 4))
    if not claims:
      return None
    for c in claims:
      if c.tries > 1:
        self.say(f'retraining trials {list(c.ids)}: their worker was lost '
                 f'(try {c.tries})')
    new = [c for c in claims if c.point is None]
    first = [c for c in new if c.setting == 0]
    opening = schedulers.baseline(self.cfg, self.space, self.say) \
        if first else []
    asked = self.sampler.ask([c.setting // s.seeds for c in new
                              if not (opening and c.setting == 0)])
    asked = iter(asked)
    placed = []
    for c in claims:
      if c.point is None:
        point, ask = ((opening[0], None) if opening and c.setting == 0
                      else next(asked))
        c = c._replace(point=list(point), ask=ask)
      placed.append(c)
    number = self.study.place(placed)
    return Plan(f'round {number + 1}', [c.point for c in placed],
                self.cfg.train.num_steps, s.num_trials,
                ids=[c.setting for c in placed])

  def tell(self, outcomes) -> Verdict:
    del outcomes
    return Verdict()

  def state(self) -> dict:
    return {}


class SharedStore(store.TrialStore):
  """The trial store of a worker in a shared study: :meth:`append` stores
  in the database, and the workdir mirrors every worker's trials
  (``trials.jsonl`` in the order the study stored them, their samples under
  ``samples/``)."""

  def __init__(self, workdir: str, study: Study):
    super().__init__(os.path.join(workdir, 'trials.jsonl'), [])
    self.workdir, self.study, self.seq = workdir, study, -1
    self.refused: list[int] = []

  @classmethod
  def open(cls, workdir: str, study: Study) -> 'SharedStore':
    """The mirror of ``study`` in ``workdir``, rewritten from the
    database."""
    os.makedirs(workdir, exist_ok=True)
    write_json(os.path.join(workdir, 'config.json'), study.cfg.to_dict())
    atomic_write(os.path.join(workdir, 'trials.jsonl'),
                 lambda tmp: open(tmp, 'w').close())
    out = cls(workdir, study)
    out.refresh()
    return out

  def refresh(self) -> list[Trial]:
    """Mirrors the trials stored since the last look; returns them."""
    new = self.study.stored(self.seq)
    for seq, t, samples in new:
      if samples is not None:
        path = samples_path(self.workdir, t.id)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, lambda tmp, b=samples: _write_bytes(tmp, b))
      super().append(t)
      self.seq = seq
    if new:
      write_json(os.path.join(self.workdir, FILE), dict(
          study=self.study.name, storage=self.study.url,
          workers=self.study.workers(), retried=self.study.retried()))
    return [t for _, t, _ in new]

  def append(self, trial: Trial) -> None:
    """Stores this worker's ``trial`` in the study (with its kept samples),
    then mirrors what the study stored since the last look."""
    path = samples_path(self.workdir, trial.id)
    samples = None
    if os.path.exists(path):
      with open(path, 'rb') as f:
        samples = f.read()
    if self.study.store(trial, samples) is None:
      self.refused.append(trial.id)
    self.refresh()


def _write_bytes(path: str, data: bytes) -> None:
  with open(path, 'wb') as f:
    f.write(data)


def export(shared: Shared, workdir: str) -> None:
  """Writes the study's mirror (config, trials, samples, reference,
  confirmation) to ``workdir``, for :func:`jaxgan.search.report.rebuild`.

  Raises:
    ValueError: no study of that name in the database.
  """
  check(shared)
  db = engine(shared.storage)
  try:
    with db.connect() as c:
      row = (c.execute(sa.select(_STUDIES).where(
          _STUDIES.c.name == shared.study)).first()
             if sa.inspect(db).has_table('jaxgan_studies') else None)
    if row is None:
      raise ValueError(f'--study={shared.study!r}: no such jaxgan study in '
                       f'{redacted(shared.storage)}')
    cfg = ml_collections.ConfigDict(config.with_defaults(
        json.loads(row.config)))
    study = Study(shared, db, -1, row.started, cfg)
    SharedStore.open(workdir, study)
    if row.reference is not None:
      write_json(os.path.join(workdir, 'reference.json'),
                 json.loads(row.reference))
    if row.confirmation is not None:
      write_json(os.path.join(workdir, confirm.FILE),
                 json.loads(row.confirmation))
  finally:
    db.dispose()


def mirror_confirmation(study: Study, workdir: str) -> dict | None:
  """Writes the study's stored confirmation to ``workdir`` and returns it
  (None before there is one)."""
  done = study.confirmation()
  if done is not None:
    write_json(os.path.join(workdir, confirm.FILE), done)
  return done

