"""``search.population='auto'``: a round's population sized from the
machine.

A search learns once a round: with a population of ``P`` it asks for ``P``
points, trains them side by side and only then sees their results. A larger
population trains more member-steps per second while the devices still have
work to overlap, and beyond that only delays what the search learns. So the
right size is the smallest that reaches the throughput plateau.

* On CPU that is one member per device (``jaxgan tune`` makes one device per
  core): measured on 2 cores, 2 members train 88–91% of the best rate of
  4, 8 or 16, and a search of 2 a round chose better settings than one of 8
  at equal wall time in 4 of 5 searches (BUILD_NOTES.md, "The population's
  size"). The rule needs no timing, so a CPU search is the same on every
  run.
* Elsewhere (a GPU, a TPU) :func:`probe` times the member program (the
  config's own setting, compiled first, then ``repeats`` chunks) at
  ``devices × 1, 2, 4, ...`` members, and :func:`choose` takes the smallest
  size whose member-steps per second are within :data:`TOLERANCE` of the
  best measured.

Either is rounded up to what the search needs (a multiple of
``search.seeds``; of the devices too for a method whose members are never
padded) and raised to the least population the method works with
(:attr:`jaxgan.search.method.SearchMethod.population`: PBT's lineages, a
CMA-ES generation). :func:`resolve` writes the choice and why (with the
probe's rates) to ``W/population.json`` and says it; a resumed search
reads the file back. An integer ``search.population`` skips all of this.

Example:
  >>> cfg.search.population = 'auto'
  >>> sized = resolve(cfg, mesh, population.make_population, workdir,
  ...                 METHODS.lookup(cfg.search.method))
  >>> sized.search.population
"""

import math
import os
import time
from typing import Callable, NamedTuple, Sequence

import jax
import ml_collections
import numpy as np

from jaxgan import distributed, population
from jaxgan.files import read_json, write_json
from jaxgan.search import members
from jaxgan.search.method import SearchMethod

AUTO = 'auto'
FILE = 'population.json'
# The share of the best measured rate the chosen size must reach: a size
# that trains a little slower but learns twice as often is worth it.
TOLERANCE = 0.8
# Members per device probed, at most.
MOST = 8
# Steps a timed chunk takes, at most (a chunk compiles for its length).
STEPS = 100


class Rate(NamedTuple):
  """Member-steps per second of a population of ``size``."""
  size: int
  member_steps_per_second: float


def probe(cfg: ml_collections.ConfigDict, mesh, make_population: Callable,
          sizes: Sequence[int], repeats: int = 3) -> list[Rate]:
  """The member program's rate at each of ``sizes``: the median of
  ``repeats`` timed chunks of ``train.chunk_steps`` steps (at most
  :data:`STEPS`), after one that compiles it."""
  [bucket] = population.buckets(cfg, [{}])
  steps = min(cfg.train.chunk_steps, STEPS)
  out = []
  for size in sizes:
    grown = bucket._replace(indices=list(range(size)), hparams=population.pad(
        bucket.hparams, size))
    m = members.start(grown, size, mesh, make_population)
    state = m.state
    times = []
    for k in range(repeats + 1):
      began = time.perf_counter()
      state, _ = m.pop.train_chunk(state, m.hp, steps)
      jax.block_until_ready(state)
      if k:
        times.append(time.perf_counter() - began)
    out.append(Rate(size, size * steps / float(np.median(times))))
  return out


def choose(rates: Sequence[Rate], multiple: int) -> int:
  """The smallest probed size within :data:`TOLERANCE` of the best rate,
  rounded up to a multiple of ``multiple``."""
  best = max(r.member_steps_per_second for r in rates)
  size = min(r.size for r in rates
             if r.member_steps_per_second >= TOLERANCE * best)
  return math.ceil(size / multiple) * multiple


def sizes(devices: int, trials: int) -> list[int]:
  """The sizes :func:`probe` times: ``devices × 1, 2, 4, ...`` up to
  :data:`MOST` members a device, and none past what ``trials`` trials
  could fill."""
  out, k = [], 1
  while k <= MOST and (k == 1 or devices * k <= trials):
    out.append(devices * k)
    k *= 2
  return out


def by_rule(mesh) -> bool:
  """Whether ``mesh``'s population is sized by the CPU rule (one member
  per device) rather than by :func:`probe`."""
  return mesh.devices.flat[0].platform == 'cpu'


def resolve(cfg: ml_collections.ConfigDict, mesh, make_population: Callable,
            workdir: str, method: SearchMethod, main: bool = True,
            say: Callable[[str], None] = lambda _: None
            ) -> ml_collections.ConfigDict:
  """``cfg`` with ``search.population='auto'`` replaced by the size for
  this machine (see the module docstring); ``cfg`` itself when the size is
  given. The choice is read from ``W/population.json`` when the workdir
  has one for the same devices, else made and written there (by ``main``;
  every process probes, since the program spans them all).

  Args:
    cfg: the validated config.
    mesh: the search's mesh; its 'pop' axis holds the members.
    make_population: builds compiled populations.
    workdir: the search's directory.
    method: the search method: whether it pads a round to the devices
      (when not, the size is a multiple of them too), and the least
      population it works with (:attr:`SearchMethod.population`).
    main: whether this process writes the search's files.
    say: where the choice is told.
  """
  s = cfg.search
  if s.population != AUTO:
    return cfg
  devices = mesh.shape[population.POP]
  multiple = s.seeds if method.padded else math.lcm(s.seeds, devices)
  whole = lambda n: math.ceil(n / multiple) * multiple
  if method.population is None:   # rounds sized by the method itself
    return _sized(cfg, whole(devices))
  path = os.path.join(workdir, FILE)
  found = read_json(path) if main and os.path.exists(path) else None
  found = distributed.broadcast_json(found)
  if found is not None and found['devices'] == devices:
    say(f'search.population=auto: {found["size"]}, as chosen when this '
        f'search began ({path})')
    return _sized(cfg, found['size'])
  on = f'{devices} device' + ('s' if devices > 1 else '')
  if by_rule(mesh):
    rates, chosen = [], whole(devices)
    why = (f'one member per CPU device, {on}: on CPU a second member per '
           'core adds little throughput and halves how often the search '
           'learns')
  else:
    rates = probe(cfg, mesh, make_population, sizes(devices, s.num_trials))
    chosen = choose(rates, multiple)
    why = (', '.join(f'{r.size}: {r.member_steps_per_second:,.0f}'
                     for r in rates)
           + f' member-steps/s on {on}; the smallest within '
           f'{TOLERANCE:.0%} of the best')
  why += f', a multiple of {multiple}'
  size = max(chosen, whole(method.population))
  if size > chosen:
    why += (f'; search.method={s.method!r} needs at least '
            f'{method.population}')
  if main:
    os.makedirs(workdir, exist_ok=True)
    write_json(path, dict(size=size, devices=devices, why=why,
                          tolerance=TOLERANCE, multiple=multiple,
                          rates=[r._asdict() for r in rates]))
  say(f'search.population=auto: {size} ({why})')
  return _sized(cfg, size)


def _sized(cfg: ml_collections.ConfigDict,
           size: int) -> ml_collections.ConfigDict:
  out = cfg.to_dict()
  out['search']['population'] = size
  return ml_collections.ConfigDict(out)
