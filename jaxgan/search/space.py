"""The search space: ranges from the config, validated, as skopt dimensions.

A config's ``search.space`` maps names to range strings::

  lr_d      'log:1e-5:1e-2'          log-uniform real
  b1        'uniform:0:0.9'          uniform real (b1_g and b1_d together)
  ema_decay 'rate:0:0.9999'          a decay: 1 - value log-uniform
  seed      'int:0:99'               integer, both ends included
  loss      'choice:hinge,non_saturating'
  model.width  'choice:64,128'       a static field: one program per value
  gp_weight ''                       not searched
  gp_weight 'log:0.1:100 if penalty=gp'         searched only where penalty=gp
  hinge_margin 'uniform:0.5:2 if loss=hinge'    searched only where loss=hinge

A name with a condition (``if PARENT=V1,V2``) is *active* only where its
parent (a searched, unconditional choice, or a fixed config value) takes one
of those values; elsewhere it keeps its config value and its stored setting
is None. So that a surrogate sees no spurious variation, an inactive name's
coordinate is always the same (the low end of its range, its first choice):
points are *canonical*.

A *point* is the list of values in the order of :attr:`Space.names` (what
skopt asks and is told); a *setting* is the mapping the population trainer
takes (dynamic names and static paths, tied names expanded, inactive names
left out); a trial's *values* map every name to its value (None where
inactive).

A ``rate`` range is for decays (Adam's betas, the EMA decay): what a decay
changes is its horizon ``1 / (1 - value)``, so 0.99 and 0.999 differ as
much as 0.9 and 0.99. Its values are drawn, and surrogates model them, on
the log of ``1 - value`` (:meth:`Dimension.surrogate`), where a uniform
range puts 1% of its draws above 0.99 on ``[0, 0.9999]``.
"""

import itertools
import math
from typing import Any, NamedTuple, Sequence

import ml_collections
import numpy as np
from skopt import space as skspace

from jaxgan import hparams, population, sweep, validation

# Names that set one value for both networks.
TIED = {'lr': ('lr_g', 'lr_d'), 'b1': ('b1_g', 'b1_d'),
        'b2': ('b2_g', 'b2_d')}
KINDS = ('log', 'uniform', 'rate', 'int', 'choice')


class Dimension(NamedTuple):
  """One searched name.

  Attributes:
    name: the space's name (``'lr_d'``, ``'b1'``, ``'model.width'``).
    kind: one of :data:`KINDS`.
    low, high: bounds of a real or integer range (None for a choice); a
      rate's lie in ``[0, 1)``.
    values: the choices (None for a range).
    condition: ``(parent, values)``: the name is searched only where
      ``parent`` takes one of ``values``; None when always.
  """
  name: str
  kind: str
  low: float | None
  high: float | None
  values: tuple | None
  condition: tuple[str, tuple] | None = None

  @property
  def inactive_value(self) -> Any:
    """The coordinate of a point where the name is inactive."""
    return self.values[0] if self.kind == 'choice' else (
        int(self.low) if self.kind == 'int' else self.low)

  def surrogate(self, value: Any) -> Any:
    """``value`` as surrogates see it, or a surrogate's coordinate as the
    value (the map is its own inverse): ``1 - value`` for a rate, ``value``
    otherwise."""
    return 1.0 - value if self.kind == 'rate' else value

  @property
  def surrogate_name(self) -> str:
    """The name of its :meth:`surrogate` coordinate: ``1-NAME`` for a
    rate."""
    return f'1-{self.name}' if self.kind == 'rate' else self.name

  @property
  def surrogate_bounds(self) -> tuple[float, float]:
    """A real range's bounds in :meth:`surrogate` coordinates, low
    first."""
    ends = self.surrogate(self.low), self.surrogate(self.high)
    return min(ends), max(ends)

  def skopt(self) -> skspace.Dimension:
    """The scikit-optimize dimension, over :meth:`surrogate`
    coordinates."""
    if self.kind == 'log':
      return skspace.Real(self.low, self.high, prior='log-uniform',
                          name=self.name)
    if self.kind == 'rate':
      return skspace.Real(*self.surrogate_bounds, prior='log-uniform',
                          name=self.surrogate_name)
    if self.kind == 'uniform':
      return skspace.Real(self.low, self.high, name=self.name)
    if self.kind == 'int':
      return skspace.Integer(int(self.low), int(self.high), name=self.name)
    return skspace.Categorical(list(self.values), name=self.name)

  def grid(self, points: int) -> list:
    """``points`` values spread over the range (every value of a choice)."""
    if self.kind == 'choice':
      return list(self.values)
    if self.kind == 'log':
      return [float(v) for v in np.geomspace(self.low, self.high, points)]
    if self.kind == 'rate':
      return [float(1.0 - v) for v in
              np.geomspace(1.0 - self.low, 1.0 - self.high, points)]
    if self.kind == 'uniform':
      return [float(v) for v in np.linspace(self.low, self.high, points)]
    return sorted({int(round(v)) for v in
                   np.linspace(self.low, self.high, points)})


def parse_dimension(name: str, text: str) -> Dimension:
  """Reads one range string.

  Raises:
    ValueError: naming the field and the value when the string is malformed,
      a range is empty or inverted, a log range touches 0, a rate range
      leaves ``[0, 1)``, a choice has no values, or a condition is not
      ``if PARENT=V1,V2``.
  """
  field = f'search.space.{name}={text!r}'
  text, _, condition = text.partition(' if ')
  dim = _parse_range(field, name, text.strip())
  if not condition:
    return dim
  parent, sep, values = condition.partition('=')
  values = tuple(sweep.number(v.strip()) for v in values.split(',')
                 if v.strip())
  if not sep or not parent.strip() or not values:
    raise ValueError(f'{field}: a condition is "if PARENT=V1,V2"')
  return dim._replace(condition=(parent.strip(), values))


def _parse_range(field: str, name: str, text: str) -> Dimension:
  kind, sep, rest = text.partition(':')
  if not sep or kind not in KINDS:
    raise ValueError(f'{field}: a range is one of '
                     f'{", ".join(k + ":..." for k in KINDS)} (or "" to fix it)')
  if kind == 'choice':
    values = tuple(sweep.number(v.strip()) for v in rest.split(',')
                   if v.strip())
    if not values:
      raise ValueError(f'{field}: a choice needs at least one value')
    if len(set(values)) != len(values):
      raise ValueError(f'{field}: a choice lists a value twice')
    return Dimension(name, kind, None, None, values)
  bounds = rest.split(':')
  if len(bounds) != 2:
    raise ValueError(f'{field}: a range is {kind}:LOW:HIGH')
  try:
    low, high = float(bounds[0]), float(bounds[1])
  except ValueError:
    raise ValueError(f'{field}: LOW and HIGH must be numbers') from None
  if not (math.isfinite(low) and math.isfinite(high)):
    raise ValueError(f'{field}: LOW and HIGH must be finite')
  if not low < high:
    raise ValueError(f'{field}: the range is empty or inverted '
                     f'(LOW={low:g} must be < HIGH={high:g})')
  if kind == 'log' and low <= 0:
    raise ValueError(f'{field}: a log range must stay above 0 (LOW={low:g})')
  if kind == 'rate' and not (low >= 0 and high < 1):
    raise ValueError(f'{field}: a rate range lies in [0, 1) (LOW={low:g}, '
                     f'HIGH={high:g})')
  if kind == 'int' and not (low.is_integer() and high.is_integer()):
    raise ValueError(f'{field}: an int range needs integer bounds')
  return Dimension(name, kind, low, high, None)


def _flatten(node: ml_collections.ConfigDict, prefix: str = '') -> dict:
  out = {}
  for key, value in node.items():
    if isinstance(value, ml_collections.ConfigDict):
      out.update(_flatten(value, f'{prefix}{key}.'))
    else:
      out[prefix + key] = value
  return out


class Space:
  """The searched dimensions of a config, in a fixed order.

  Attributes:
    dimensions: the :class:`Dimension` s, sorted by name.
    names: their names.
  """

  def __init__(self, dimensions: Sequence[Dimension]):
    self.dimensions = sorted(dimensions, key=lambda d: d.name)
    self.names = [d.name for d in self.dimensions]

  @classmethod
  def from_config(cls, cfg: ml_collections.ConfigDict) -> 'Space':
    """Reads and validates ``cfg.search.space`` against ``cfg``.

    Every range's ends (and every choice) are checked as the values they
    would set, so a bad range fails here, before anything trains.

    Raises:
      ValueError: naming the bad field and value.
    """
    dims = []
    for name, text in _flatten(cfg.search.space).items():
      if not isinstance(text, str):
        raise ValueError(f'search.space.{name}={text!r} must be a range '
                         "string such as 'log:1e-4:1e-2'")
      if text.strip():
        dims.append(parse_dimension(name, text.strip()))
    if not dims:
      raise ValueError('search.space searches nothing: give at least one '
                       "name a range, e.g. --config.search.space.lr_d="
                       "'log:1e-4:1e-2'")
    space = cls(dims)
    space._check_names(cfg)
    space = space._resolve_conditions(cfg)
    space._check_values(cfg)
    return space

  def _resolve_conditions(self, cfg: ml_collections.ConfigDict) -> 'Space':
    """Checks every condition; one on a fixed config value is dropped when
    the value satisfies it (the name is always searched).

    Raises:
      ValueError: the parent is unknown, conditional itself, or fixed at a
        value that never satisfies the condition; or a condition's value is
        not one of the parent's choices.
    """
    by_name = {d.name: d for d in self.dimensions}
    fields = {**_flatten(cfg), **dict(cfg.hparams)}
    out = []
    for d in self.dimensions:
      if d.condition is None:
        out.append(d)
        continue
      parent, values = d.condition
      field = f'search.space.{d.name}'
      if parent in by_name:
        p = by_name[parent]
        if p.kind != 'choice' or p.condition is not None:
          raise ValueError(f'{field} is conditional on {parent}, which is '
                           'not an unconditional choice; a condition needs '
                           "one, e.g. search.space.penalty='choice:gp,r1'")
        missing = [v for v in values if v not in p.values]
        if missing:
          raise ValueError(f'{field}: {parent}={missing[0]!r} is not one of '
                           f'search.space.{parent}\'s choices '
                           f'{list(p.values)}')
        out.append(d)
      elif parent in fields and not isinstance(fields[parent],
                                               ml_collections.ConfigDict):
        if fields[parent] not in values:
          raise ValueError(f'{field} is searched only where {parent} is one '
                           f'of {list(values)}, but {parent} is fixed at '
                           f'{fields[parent]!r}: search {parent}, or drop the '
                           'range')
        out.append(d._replace(condition=None))
      else:
        raise ValueError(f'{field} is conditional on {parent!r}, which is '
                         'neither searched nor a config field')
    return Space(out)

  def active(self, point: Sequence[Any]) -> list[bool]:
    """Whether each name matters at ``point``."""
    value = dict(zip(self.names, point))
    return [d.condition is None or value[d.condition[0]] in d.condition[1]
            for d in self.dimensions]

  def canonical(self, point: Sequence[Any]) -> list[Any]:
    """``point`` with every inactive name at its fixed coordinate."""
    return [v if a else d.inactive_value for d, v, a in
            zip(self.dimensions, point, self.active(point))]

  def labelled(self, point: Sequence[Any]) -> dict[str, Any]:
    """A point as a trial's values: None where a name is inactive."""
    return {n: v if a else None for n, v, a in
            zip(self.names, point, self.active(point))}

  def _check_names(self, cfg: ml_collections.ConfigDict) -> None:
    fields = _flatten(cfg)
    for name in self.static_names():
      if name not in fields or name.startswith(('hparams.', 'search.')):
        raise ValueError(
            f'search.space.{name} is neither a dynamic hyperparameter '
            f'({", ".join(hparams.HPARAMS)}), a shared one '
            f'({", ".join(TIED)}) nor a static config field')
    for name in self.names:
      if name in TIED:
        clash = [n for n in TIED[name] if n in self.names]
        if clash:
          raise ValueError(f'search.space.{name} sets {list(TIED[name])}, '
                           f'which search.space.{clash[0]} also searches')
    uses = {'r1_gamma': ('r1',), 'gp_weight': ('gp',)}
    conditional = {d.name for d in self.dimensions if d.condition}
    for name, penalties in uses.items():
      if name in self.names and name not in conditional and (
          'penalty' not in self.names) and cfg.penalty not in penalties:
        raise ValueError(f'search.space.{name} has no effect with '
                         f'penalty={cfg.penalty!r}')

  def _check_values(self, cfg: ml_collections.ConfigDict) -> None:
    ends = []
    for d in self.dimensions:
      values = d.values if d.kind == 'choice' else (d.low, d.high)
      ends.extend((d.name, v) for v in values)
    by_name = {d.name: d for d in self.dimensions}
    for name, value in ends:
      condition = by_name[name].condition
      setting = self.setting(
          [value if n == name else
           condition[1][0] if condition and n == condition[0] else
           self._middle(d) for n, d in zip(self.names, self.dimensions)])
      try:
        [bucket] = population.buckets(cfg, [setting])
        if bucket.static:
          validation.validate(bucket.cfg)
      except ValueError as e:
        raise ValueError(f'search.space.{name}: the value {value!r} is not '
                         f'valid: {e}') from None

  @staticmethod
  def _middle(d: Dimension) -> Any:
    if d.kind == 'choice':
      return d.values[0]
    if d.kind == 'int':
      return int(d.low)
    if d.kind == 'rate':
      return 1.0 - math.sqrt((1.0 - d.low) * (1.0 - d.high))
    return math.sqrt(d.low * d.high) if d.kind == 'log' else (
        d.low + d.high) / 2

  def skopt(self) -> list[skspace.Dimension]:
    """The dimensions for ``skopt.Optimizer``, over :meth:`surrogate`
    points."""
    return [d.skopt() for d in self.dimensions]

  def surrogate(self, point: Sequence[Any]) -> list[Any]:
    """A point as surrogates see it (:meth:`Dimension.surrogate`)."""
    return [d.surrogate(v) for d, v in zip(self.dimensions, point)]

  def from_surrogate(self, point: Sequence[Any]) -> list[Any]:
    """The canonical point of a surrogate's point (numpy scalars as
    Python's, reals kept in their range)."""
    out = []
    for d, v in zip(self.dimensions, point):
      v = d.surrogate(v.item() if isinstance(v, np.generic) else v)
      out.append(min(max(v, d.low), d.high) if d.kind == 'rate' else v)
    return self.canonical(out)

  def setting(self, point: Sequence[Any]) -> dict[str, Any]:
    """A point as a population setting: tied names expanded, inactive names
    left out."""
    out = {}
    for name, value, active in zip(self.names, point, self.active(point)):
      for target in TIED.get(name, (name,)) if active else ():
        out[target] = value
    return out

  def values(self, hparams: dict[str, Any], static: dict[str, Any]
             ) -> dict[str, Any]:
    """The search values of a trained member: its dynamic hyperparameters
    (``b1`` read from ``b1_g``) and its bucket's static values."""
    merged = {**hparams, **static}
    return self.labelled([merged[TIED[n][0] if n in TIED else n]
                          for n in self.names])

  def point(self, values: dict[str, Any]) -> list[Any]:
    """The canonical point of a trial's values (keyed by name; None where
    inactive)."""
    return self.canonical([d.inactive_value if values[d.name] is None
                           else values[d.name] for d in self.dimensions])

  def baseline(self, cfg: ml_collections.ConfigDict) -> list[Any] | None:
    """The config's own values as a point: the status quo a search should
    beat. None when they lie outside the space, or when a shared name's G
    and D values differ."""
    if any(cfg.hparams[g] != cfg.hparams[d]
           for g, d in (TIED[n] for n in self.names if n in TIED)):
      return None
    fields = _flatten(cfg)
    values = self.values(dict(cfg.hparams),
                         {n: fields[n] for n in self.static_names()})
    return self.point(values) if self.contains(values) else None

  def contains(self, values: dict[str, Any]) -> bool:
    """Whether stored search values lie in this space."""
    if set(values) != set(self.names):
      return False
    raw = [d.inactive_value if values[d.name] is None else values[d.name]
           for d in self.dimensions]
    if any(values[n] is None and a
           for n, a in zip(self.names, self.active(raw))):
      return False
    point = self.canonical(raw)
    return all(v in d.values if d.kind == 'choice'
               else d.low <= v <= d.high
               for d, v in zip(self.dimensions, point))

  def sample(self, rng: np.random.Generator) -> list[Any]:
    """A random canonical point (log-uniform where the range is log, in
    ``1 - value`` where it is a rate)."""
    point = []
    for d in self.dimensions:
      if d.kind == 'choice':
        point.append(d.values[rng.integers(len(d.values))])
      elif d.kind == 'int':
        point.append(int(rng.integers(int(d.low), int(d.high) + 1)))
      elif d.kind == 'log':
        point.append(float(np.exp(rng.uniform(np.log(d.low),
                                              np.log(d.high)))))
      elif d.kind == 'rate':
        point.append(float(1.0 - np.exp(rng.uniform(
            np.log(1.0 - d.high), np.log(1.0 - d.low)))))
      else:
        point.append(float(rng.uniform(d.low, d.high)))
    return self.canonical(point)

  def grid(self, points: int) -> list[list[Any]]:
    """Every canonical point of the grid with ``points`` values per range
    (an inactive name's values collapse to one)."""
    out, seen = [], set()
    for p in itertools.product(*(d.grid(points) for d in self.dimensions)):
      p = self.canonical(p)
      if repr(p) not in seen:
        seen.add(repr(p))
        out.append(p)
    return out

  def perturbed(self) -> tuple[tuple[str, ...], ...]:
    """The groups of hyperparameters PBT perturbs: every searched scale or
    rate, tied names as one group."""
    groups = (TIED.get(n, (n,)) for n in self.names)
    return tuple(g for g in groups if g[0] in hparams.perturbable())

  def static_names(self) -> list[str]:
    """Searched names that select a compiled program."""
    return [n for n in self.names
            if n not in hparams.HPARAMS and n not in TIED]


def centred(cfg: ml_collections.ConfigDict, names: Sequence[str],
            factor: float = 3.0) -> dict[str, str]:
  """Search ranges around ``cfg``'s own values: a narrowed search centred
  on a known-good setting (a preset from a paper).

  A scale (learning rates, weights) ranges log-uniformly over ``[v /
  factor, v * factor]``; a rate (betas, EMA decay) is a ``rate`` range over
  the values whose ``1 - rate`` lies within that factor of ``1 - v`` (so
  β2 = 0.9 spans 0.7 to 0.967, β1 = 0 spans 0 to 0.667). A tied name
  (``lr``, ``b1``, ``b2``) is centred on G's value.

  Args:
    cfg: the config whose ``hparams`` are the centre.
    names: dynamic hyperparameters or tied names.
    factor: how far each range reaches (> 1).

  Returns:
    ``{name: range}`` for ``cfg.search.space.update``.

  Raises:
    ValueError: a name is neither a scale nor a rate, or a scale is 0.
  """
  if not factor > 1:
    raise ValueError(f'factor={factor!r} must be > 1')
  out = {}
  for name in names:
    field = TIED[name][0] if name in TIED else name
    value = float(cfg.hparams[field])
    if hparams.HPARAMS[field].kind in hparams.SCALE_KINDS:
      if value <= 0:
        raise ValueError(f'hparams.{field}={value!r}: a range centred on 0 '
                         'has no scale; give it explicitly')
      out[name] = f'log:{value / factor:.6g}:{value * factor:.6g}'
    elif hparams.HPARAMS[field].kind == 'rate':
      gap = 1.0 - value
      low = max(0.0, 1.0 - gap * factor)
      out[name] = f'rate:{low:.6g}:{1.0 - gap / factor:.6g}'
    else:
      raise ValueError(f'{name!r} is a {hparams.HPARAMS[field].kind}; '
                       'centred ranges are for scales and rates')
  return out
