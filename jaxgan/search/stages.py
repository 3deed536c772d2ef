"""Staged searches: architecture, then the optimiser; or a cheap proxy
first, then the full run.

``search.stages`` is a list of stages, each a dict::

  dict(name='architecture',
       space={'model.width': 'choice:32,64,128', 'model.depth': 'int:2,4'},
       overrides={'train.num_steps': 2000, 'search.num_trials': 16})
  dict(name='optimiser',
       space={'lr_g': 'log:1e-4:1e-2', 'lr_d': 'log:1e-4:1e-2'},
       narrow=10.0)

Stage ``k`` is a whole search of its own in ``W/stages/K-NAME/``: the
config with the stage's ``overrides`` (dotted paths), searching exactly the
stage's ``space``. Every name it does not search is fixed at the previous
stage's best trial (its dynamic hyperparameters and its static values). A
stage with ``narrow`` = f > 1 narrows each range it shares with the previous
stage around that stage's best value: a log range to ``[best / f,
best * f]``, a rate's ``1 - value`` likewise, a uniform or integer one to
``1/f`` of its width centred on the best, all kept inside the stage's own
range (choices are kept whole). A later stage that searches exactly the
earlier one's names, with a model-based method, is told the earlier trials
that lie in its ranges (a warm start). ``W/stages.json`` and
``W/report.md`` list each stage's best.
"""

import dataclasses
import math
import os
from typing import Any

import ml_collections

from jaxgan import config
from jaxgan.search.space import Space, parse_dimension
from jaxgan.search.trial import Trial

STAGE_KEYS = ('name', 'space', 'overrides', 'narrow')


@dataclasses.dataclass(frozen=True)
class Stage:
  """One checked stage of ``search.stages`` (see the module docstring)."""
  name: str
  space: dict[str, str]
  overrides: dict[str, Any]
  narrow: float = 0


@dataclasses.dataclass(frozen=True)
class Result:
  """What a staged search's ``W/stages.json`` holds of one stage.

  Attributes:
    stage: its name.
    workdir: where it ran.
    trial: its best trial's id.
    objective: that trial's objective.
    setting: that trial's setting.
    trials: how many trials it stored.
  """
  stage: str
  workdir: str
  trial: int
  objective: float | None
  setting: dict[str, Any]
  trials: int

  def to_json(self) -> dict:
    return dataclasses.asdict(self)

  @classmethod
  def from_json(cls, row: dict) -> 'Result':
    return cls(**row)


def check(cfg: ml_collections.ConfigDict) -> list[Stage]:
  """The stages of ``cfg``, their shape checked (each stage's search is
  validated as a search of its own by the caller).

  Raises:
    ValueError: naming ``search.stages`` and what is wrong.
  """
  stages = list(cfg.search.stages or ())
  names = []
  for k, stage in enumerate(stages):
    field = f'search.stages[{k}]'
    if not isinstance(stage, (dict, ml_collections.ConfigDict)):
      raise ValueError(f'{field}={stage!r} must be a dict with keys '
                       f'{list(STAGE_KEYS)}')
    unknown = sorted(set(stage) - set(STAGE_KEYS))
    if unknown:
      raise ValueError(f'{field} has unknown keys {unknown}; a stage has '
                       f'{list(STAGE_KEYS)}')
    name = stage.get('name')
    if not isinstance(name, str) or not name.isidentifier() or name in names:
      raise ValueError(f'{field}.name={name!r} must be a distinct identifier')
    names.append(name)
    if not stage.get('space'):
      raise ValueError(f'{field}.space searches nothing')
    narrow = stage.get('narrow', 0)
    if not (narrow == 0 or (isinstance(narrow, (int, float))
                            and narrow > 1)):
      raise ValueError(f'{field}.narrow={narrow!r} must be 0 (off) or a '
                       'factor > 1')
    for path in stage.get('overrides', {}):
      if path.startswith('search.stages') or path.startswith(
          'search.space'):
        raise ValueError(f'{field}.overrides cannot set {path!r}: a stage '
                         'searches its own space')
  return [Stage(stage['name'], dict(stage['space']),
                dict(stage.get('overrides', {})), stage.get('narrow', 0))
          for stage in stages]


def directory(workdir: str, k: int, stage: Stage) -> str:
  """Where stage ``k`` (from 0) runs."""
  return os.path.join(workdir, 'stages', f'{k + 1}-{stage.name}')


def narrowed(text: str, name: str, best: Any, factor: float) -> str:
  """The range ``text`` of ``name`` narrowed by ``factor`` around ``best``
  (see the module docstring); unchanged for a choice, or without a best."""
  d = parse_dimension(name, text)
  if d.kind == 'choice' or best is None or not factor:
    return text
  condition = f' if {d.condition[0]}={",".join(map(str, d.condition[1]))}' \
      if d.condition else ''
  if d.kind == 'log':
    low, high = max(d.low, best / factor), min(d.high, best * factor)
  elif d.kind == 'rate':
    low = max(d.low, 1.0 - (1.0 - best) * factor)
    high = min(d.high, 1.0 - (1.0 - best) / factor)
  else:
    half = (d.high - d.low) / factor / 2
    low, high = max(d.low, best - half), min(d.high, best + half)
  if d.kind == 'int':
    low, high = math.floor(low), math.ceil(high)
  if not low < high:
    return text
  return f'{d.kind}:{low!r}:{high!r}{condition}'


def stage_config(cfg: ml_collections.ConfigDict, stage: Stage, k: int,
                 previous: Trial | None,
                 previous_space: Space | None) -> ml_collections.ConfigDict:
  """The config of stage ``k``: ``cfg`` with the stage's overrides, the
  previous stage's best trial fixed, and the stage's space (narrowed).

  Raises:
    ValueError: an override names no config field.
  """
  out = ml_collections.ConfigDict(cfg.to_dict())
  out.search.stages = ()
  field = f'search.stages[{k}].overrides'
  for path, value in stage.overrides.items():
    config.set_field(out, path, value, f'{field}: ')
  if previous is not None:
    searched = previous_space.names if previous_space is not None else ()
    out.hparams.update({k: v for k, v in previous.hparams.items()
                        if k != 'seed' or 'seed' in searched})
    for path, value in previous.bucket.items():
      config.set_field(out, path, value, f'search.stages[{k - 1}]: ')
  for name in list(_names(out.search.space)):
    config.set_field(out.search.space, name, '',
                     f'search.stages[{k}].space: ')
  best = (previous_space.values(previous.hparams, previous.bucket)
          if previous is not None and previous_space is not None else {})
  for name, text in stage.space.items():
    config.set_field(
        out.search.space, name, narrowed(text, name, best.get(name),
                                         stage.narrow),
        f'search.stages[{k}].space: ')
  return out


def _names(space: ml_collections.ConfigDict, prefix: str = '') -> list[str]:
  out = []
  for key, value in space.items():
    if isinstance(value, ml_collections.ConfigDict):
      out += _names(value, f'{prefix}{key}.')
    else:
      out.append(prefix + key)
  return out
