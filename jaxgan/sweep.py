"""Populations written by hand: a sweep file or inline ranges.

Inline, axes are separated by ``;`` and combined as a Cartesian product::

  lr_d=1e-4,2e-4,4e-4;lr_g=1e-4        # explicit values
  lr_d=log:1e-4:1e-2:8                  # 8 log-spaced values
  b1_g=lin:0.0:0.9:4                    # 4 evenly spaced values
  loss=hinge,non_saturating;model.width=64,128

A file (``.json``) holds either a list of settings (``[{"lr_d": 1e-4}, ...]``)
or a mapping of axes to value lists, combined as a product. Keys are dynamic
hyperparameter names or dotted static config paths.
"""

import itertools
import json
import os
from typing import Any

import numpy as np


def number(text: str) -> Any:
  """``text`` as an int, else a float, else the string itself."""
  for cast in (int, float):
    try:
      return cast(text)
    except ValueError:
      pass
  return text


def _values(name: str, text: str) -> list[Any]:
  if text.startswith(('log:', 'lin:')):
    parts = text.split(':')
    if len(parts) != 4:
      raise ValueError(f'{name}={text!r}: a range is KIND:LOW:HIGH:COUNT')
    kind, low, high, count = parts[0], float(parts[1]), float(parts[2]), parts[3]
    if not count.isdigit() or int(count) < 1:
      raise ValueError(f'{name}={text!r}: COUNT must be an integer >= 1')
    if kind == 'log' and (low <= 0 or high <= 0):
      raise ValueError(f'{name}={text!r}: a log range needs LOW and HIGH > 0')
    space = np.geomspace if kind == 'log' else np.linspace
    return [float(v) for v in space(low, high, int(count))]
  values = [number(v.strip()) for v in text.split(',') if v.strip()]
  if not values:
    raise ValueError(f'{name}= has no values')
  return values


def _product(axes: dict[str, list[Any]]) -> list[dict[str, Any]]:
  names = list(axes)
  return [dict(zip(names, combo)) for combo in itertools.product(
      *(axes[n] for n in names))]


def parse(spec: str) -> list[dict[str, Any]]:
  """The settings described by ``spec``: a ``.json`` path or inline axes.

  Raises:
    ValueError: naming the malformed part.
  """
  if spec.endswith('.json'):
    if not os.path.isfile(spec):
      raise ValueError(f'sweep file {spec!r} does not exist')
    with open(spec) as f:
      loaded = json.load(f)
    if isinstance(loaded, list) and all(isinstance(s, dict) for s in loaded):
      return loaded
    if isinstance(loaded, dict) and all(isinstance(v, list)
                                        for v in loaded.values()):
      return _product(loaded)
    raise ValueError(f'sweep file {spec!r} must hold a list of settings or a '
                     'mapping from names to lists of values')
  axes = {}
  for part in filter(None, (p.strip() for p in spec.split(';'))):
    name, sep, text = part.partition('=')
    if not sep or not name.strip():
      raise ValueError(f'population axis {part!r} is not NAME=VALUES')
    axes[name.strip()] = _values(name.strip(), text.strip())
  if not axes:
    raise ValueError(f'population {spec!r} names no axis')
  return _product(axes)
