"""The trial store: ``W/trials.jsonl``, one JSON line per finished trial.

Lines are appended, flushed and fsynced one at a time, so a search killed at
any moment leaves every finished trial on disk and at most one half-written
line at the end, which the next open drops with a warning. The workdir's
``config.json`` records the config that made the store; opening the store
with a different config is refused unless forced, because its trials would
not be comparable (fields added to jaxgan since, at their defaults, are not
a difference).
"""

import json
import os
import warnings
from typing import Any

import ml_collections

from jaxgan import config
from jaxgan.files import atomic_write, write_json
from jaxgan.search.trial import Trial

# Config fields that may change between runs of one store: extending (or
# shortening) a search, or its budget, keeps its trials comparable, and the
# confirmation after it is not a trial.
RESUMABLE = ('search.num_trials', 'search.budget', 'search.confirm_top',
             'search.confirm_seeds')


def _comparable(cfg: dict) -> dict:
  out = json.loads(json.dumps(cfg))
  for path in RESUMABLE:
    *parents, leaf = path.split('.')
    node = out
    for p in parents:
      node = node.get(p, {})
    node.pop(leaf, None)
  return out


def differences(a: Any, b: Any, prefix: str = '') -> list[str]:
  """Each leaf where two JSON trees differ, as ``'path: a -> b'``."""
  if isinstance(a, dict) and isinstance(b, dict):
    out = []
    for k in sorted(set(a) | set(b)):
      out += differences(a.get(k), b.get(k), f'{prefix}{k}.')
    return out
  return [] if a == b else [f'{prefix[:-1]}: {a!r} -> {b!r}']


def listed(diff: list[str]) -> str:
  """The first five :func:`differences`, as an error message lists
  them."""
  return '; '.join(diff[:5]) + ('; ...' if len(diff) > 5 else '')


class TrialStore:
  """Append-only store of finished trials.

  Attributes:
    path: the ``trials.jsonl`` file.
    trials: every :class:`~jaxgan.search.trial.Trial` read or appended, in
      order.
    write: whether :meth:`append` writes the file (only process 0 of a
      multi-host run does; the others keep the list).
  """

  def __init__(self, path: str, trials: list[Trial], write: bool = True):
    self.path = path
    self.trials = trials
    self.write = write

  @classmethod
  def open(cls, workdir: str, cfg: ml_collections.ConfigDict,
           force: bool = False) -> 'TrialStore':
    """Opens (or starts) the store of ``workdir`` for ``cfg``.

    Args:
      workdir: the search's directory.
      cfg: the config of this run.
      force: resume even if ``workdir`` was made by another config; its
        ``config.json`` is then replaced.

    Raises:
      ValueError: the workdir was made by a different config (the
        differences are listed) and ``force`` is off, or a line other than
        the last is not valid JSON.
    """
    path = os.path.join(workdir, 'trials.jsonl')
    config_path = os.path.join(workdir, 'config.json')
    new = cfg.to_dict()
    if os.path.exists(config_path):
      with open(config_path) as f:
        old = config.with_defaults(json.load(f))
      diff = differences(_comparable(old), _comparable(new))
      if diff and not force:
        raise ValueError(
            f'{workdir} holds a search made with another config '
            f'({listed(diff)}); '
            'use another --workdir, or --force to continue it with this '
            'config')
    trials = _read(path)
    os.makedirs(workdir, exist_ok=True)
    write_json(config_path, new)
    return cls(path, trials)

  def append(self, trial: Trial) -> None:
    """Writes one finished trial: appended, flushed and fsynced."""
    line = json.dumps(trial.to_json(), sort_keys=True, allow_nan=False)
    if self.write:
      with open(self.path, 'a') as f:
        f.write(line + '\n')
        f.flush()
        os.fsync(f.fileno())
    self.trials.append(trial)

  def ids(self) -> set[int]:
    """The ids of the stored trials."""
    return {t.id for t in self.trials}


def _parse(path: str) -> tuple[list[Trial], str]:
  """The complete trials in ``path`` and a half-written last line ('' if
  none)."""
  if not os.path.exists(path):
    return [], ''
  with open(path) as f:
    text = f.read()
  lines = text.split('\n')
  complete, last = lines[:-1], lines[-1]
  trials = []
  for number, line in enumerate(complete, 1):
    try:
      obj = json.loads(line)
    except json.JSONDecodeError:
      if number == len(complete) and not last:
        last = line
        break
      raise ValueError(f'{path} line {number} is not valid JSON; the store '
                       'is damaged beyond its last line') from None
    try:
      trials.append(Trial.from_json(obj))
    except ValueError as e:
      raise ValueError(f'{path} line {number}: {e}') from None
  return trials, last


def read(workdir: str) -> list[Trial]:
  """The trials stored in ``workdir``, read without changing anything: a
  half-written last line (a search may be writing it now) is skipped."""
  return _parse(os.path.join(workdir, 'trials.jsonl'))[0]


def _read(path: str) -> list[Trial]:
  trials, last = _parse(path)
  if last:
    warnings.warn(f'{path}: ignoring a half-written last line '
                  f'({len(last)} characters), left by a run that stopped '
                  'while writing it')
    def rewrite(tmp):
      with open(tmp, 'w') as f:
        f.writelines(json.dumps(t.to_json(), sort_keys=True) + '\n'
                     for t in trials)
    atomic_write(path, rewrite)
  return trials
