"""Many hyperparameter settings trained at once, in one compiled program.

A population is a :class:`jaxgan.train.GANState` (and a dict of dynamic
hyperparameters) with a leading member axis. :func:`make_population` wraps the
single-member functions of :func:`jaxgan.train.make_train` as

    jit(shard_map(vmap(fn)))

over a device mesh with axes ``('pop', 'data')``: ``'pop'`` splits the
members over devices, ``'data'`` splits each member's batch (gradients
averaged with ``lax.pmean``). Member ``i`` computes what a single run with
its hyperparameters computes.

Settings whose *static* values differ (``model.width``, ``train.batch_size``,
...) cannot share a program: :func:`buckets` groups them, and each bucket is one
program, padded to a fixed size so that later calls of the same bucket
compile nothing (:func:`make_population` caches the compiled functions).

Example:
  >>> mesh = make_mesh()
  >>> pop = make_population(cfg, mesh, size=16)
  >>> hp = stack_hparams(cfg, [{'lr_d': lr} for lr in np.geomspace(1e-4, 1e-2, 16)])
  >>> state = pop.init(jax.random.key(0), pop.put(hp))
  >>> state, step_metrics = pop.train_chunk(state, pop.put(hp), 1000)
  >>> quality = pop.evaluate(state)           # {'modes': (16,), ...}
"""

import json
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

import jax
import ml_collections
import numpy as np
from jax.sharding import Mesh, NamedSharding

from jaxgan import config, hparams, registry, train, validation
from jaxgan.types import HParams, Metrics, PRNGKey, PyTree

POP, DATA = 'pop', 'data'


def make_mesh(data: int = 1, devices: Sequence[jax.Device] | None = None
              ) -> Mesh:
  """A ('pop', 'data') mesh over ``devices`` (default: every device of every
  process), with ``data`` devices splitting each member's batch.

  The axes are ``Auto``: outside ``shard_map`` (a PBT step gathering parents
  across devices, say) XLA inserts the communication.
  """
  devices = list(jax.devices() if devices is None else devices)
  if data < 1 or len(devices) % data:
    raise ValueError(f'data={data} must be >= 1 and divide the '
                     f'{len(devices)} devices')
  auto = jax.sharding.AxisType.Auto
  return jax.make_mesh((len(devices) // data, data), (POP, DATA),
                       axis_types=(auto, auto), devices=devices)


class Population(NamedTuple):
  """Compiled population functions for one static config and size.

  Attributes:
    size: members (a multiple of the mesh's 'pop' size).
    mesh: the device mesh.
    fns: the single-member functions.
    init: ``(key, hparams) -> state``; member ``i`` gets
      ``fns.init(key, hparams[i])``.
    train_chunk: ``(state, hparams, n_steps) -> (state, step_metrics)``;
      ``step_metrics[k]`` has shape ``(size, n_steps)``. Donates ``state``.
    evaluate: ``state -> metrics`` of shape ``(size,)`` each, from
      ``cfg.train.eval_samples`` samples per member.
    sample: ``(state, n) -> samples`` of shape ``(size, n, ...)`` drawn with
      each member's evaluation key.
    put: places a host array (or dict of them) with a leading member axis on
      the mesh, split over 'pop'.
  """
  size: int
  mesh: Mesh
  fns: train.TrainFns
  init: Callable[[PRNGKey, HParams], train.GANState]
  train_chunk: Callable[[train.GANState, HParams, int],
                        tuple[train.GANState, Metrics]]
  evaluate: Callable[[train.GANState], Metrics]
  sample: Callable[[train.GANState, int], jax.Array]
  put: Callable[[PyTree], PyTree]


def static_key(cfg: ml_collections.ConfigDict) -> str:
  """The part of ``cfg`` that selects a program, as canonical JSON
  (``hparams`` and ``search`` left out)."""
  static = cfg.to_dict()
  static.pop('hparams', None)
  static.pop('search', None)
  return json.dumps(static, sort_keys=True)


# Keyed by the static config, size, mesh, group size and registry generation
# (a replaced component is never served a program compiled before).
_CACHE: dict[tuple[str, int, Mesh, int, int], Population] = {}
# Members a device trains together; see ``make_population``.
GROUP_SIZE = 4


def _grouped(fn: Callable, group: int) -> Callable:
  """Applies a member-batched ``fn(*trees)`` to groups of ``group`` members,
  one group after another, and concatenates the results."""
  def run(*trees):
    members = jax.tree.leaves(trees)[0].shape[0]
    if members <= group:
      return fn(*trees)
    split = lambda x: x.reshape((members // group, group) + x.shape[1:])
    out = jax.lax.map(lambda t: fn(*t), jax.tree.map(split, trees))
    return jax.tree.map(lambda x: x.reshape((members,) + x.shape[2:]), out)
  return run


def make_population(cfg: ml_collections.ConfigDict, mesh: Mesh,
                    size: int, group_size: int = GROUP_SIZE) -> Population:
  """Builds (or returns the cached) compiled population for ``cfg``.

  Each device trains its members in groups of ``group_size``: a group runs
  all the chunk's steps (``vmap`` over the group inside ``lax.scan`` over
  steps) before the next group starts (``lax.map``), so the group's
  parameters and optimiser state stay in cache across steps instead of the
  whole population streaming through memory at every step.

  Args:
    cfg: a validated config; its static fields select the program.
    mesh: a ('pop', 'data') mesh from :func:`make_mesh`.
    size: number of members; must be a multiple of the 'pop' axis size.
    group_size: members trained together on a device; the device's share of
      the members is split into groups of the largest divisor of it that is at
      most ``group_size``.

  Raises:
    ValueError: ``size`` or ``cfg.train.batch_size`` does not split over the
      mesh.
  """
  pop_devices, data_devices = mesh.shape[POP], mesh.shape[DATA]
  if size < 1 or size % pop_devices:
    raise ValueError(f'population size={size} must be a positive multiple of '
                     f"the mesh's 'pop' axis ({pop_devices} devices)")
  if cfg.train.batch_size % data_devices:
    raise ValueError(f'train.batch_size={cfg.train.batch_size} must be '
                     f"divisible by the mesh's 'data' axis ({data_devices})")
  if group_size < 1:
    raise ValueError(f'group_size={group_size} must be >= 1')
  cache_key = (static_key(cfg), size, mesh, group_size,
               registry.generation())
  if cache_key in _CACHE:
    return _CACHE[cache_key]

  fns = train.make_program(cfg, data_axis=DATA)
  members = jax.P(POP)
  split = NamedSharding(mesh, members)
  eval_samples = cfg.train.eval_samples

  def mapped(fn, in_specs):
    return jax.shard_map(fn, mesh=mesh, in_specs=in_specs,
                         out_specs=members, check_vma=False)

  init = jax.jit(mapped(jax.vmap(fns.init, in_axes=(None, 0)),
                        (jax.P(), members)))

  local = size // pop_devices
  group = max(g for g in range(1, min(group_size, local) + 1) if local % g == 0)

  def train_chunk(state, hp, n_steps):
    chunk = jax.vmap(lambda s, h: fns.train_chunk(s, h, n_steps))
    return mapped(_grouped(chunk, group), (members, members))(state, hp)

  def samples_of(state, n):
    return jax.vmap(lambda s: fns.generate(s, train.eval_key(s), n))(state)

  def evaluate(state):
    # Members go one by one: vmapped (batched) LAPACK eigendecompositions,
    # which FID uses, deadlock when two CPU devices run them at once, and
    # the metrics cost little next to training.
    return mapped(lambda s: jax.lax.map(
        lambda m: fns.evaluate(m, eval_samples)[1], s), (members,))(state)

  def sample(state, n):
    return mapped(lambda s: samples_of(s, n), (members,))(state)

  def put(tree):
    return jax.tree.map(
        lambda x: jax.make_array_from_callback(
            np.shape(x), split, lambda idx, x=np.asarray(x): x[idx]), tree)

  population = Population(
      size=size, mesh=mesh, fns=fns, init=init,
      train_chunk=jax.jit(train_chunk, static_argnums=2, donate_argnums=0),
      evaluate=jax.jit(evaluate),
      sample=jax.jit(sample, static_argnums=1), put=put)
  _CACHE[cache_key] = population
  return population


def stack_hparams(cfg: ml_collections.ConfigDict,
                  members: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
  """Per-member hyperparameter arrays: ``cfg.hparams`` overridden per member.

  Args:
    cfg: supplies the defaults and the static settings to validate against.
    members: one mapping of dynamic hyperparameter overrides per member.

  Returns:
    ``{name: array of shape (len(members),)}`` for every name in
    :data:`jaxgan.hparams.HPARAMS`.

  Raises:
    ValueError: an unknown name or a bad value, named.
  """
  base = dict(cfg.hparams)
  rows = []
  for i, member in enumerate(members):
    unknown = sorted(set(member) - set(hparams.HPARAMS))
    if unknown:
      raise ValueError(f'member {i}: {unknown} are not dynamic '
                       f'hyperparameters; those are {list(hparams.HPARAMS)}')
    rows.append({**base, **member})
  hp = hparams.as_arrays({k: [row[k] for row in rows]
                          for k in hparams.HPARAMS})
  validation.validate_hparams(hp, cfg)
  return hp


def pad(hp: Mapping[str, np.ndarray], size: int) -> dict[str, np.ndarray]:
  """Repeats the last member until there are ``size`` members."""
  n = len(next(iter(hp.values())))
  if n > size:
    raise ValueError(f'{n} members do not fit a population of size {size}')
  index = np.minimum(np.arange(size), n - 1)
  return {k: np.asarray(v)[index] for k, v in hp.items()}


def padded_size(n: int, mesh: Mesh) -> int:
  """The smallest multiple of the 'pop' axis that holds ``n`` members."""
  step = mesh.shape[POP]
  return -(-n // step) * step


class Bucket(NamedTuple):
  """Settings that share every static value, hence one compiled program.

  Attributes:
    cfg: the config with this bucket's static overrides applied.
    static: the static overrides, ``{'model.width': 64, ...}``.
    indices: positions of the bucket's settings in the input list.
    hparams: their dynamic hyperparameters, stacked.
  """
  cfg: ml_collections.ConfigDict
  static: dict[str, Any]
  indices: list[int]
  hparams: dict[str, np.ndarray]


def _with_static(cfg: ml_collections.ConfigDict,
                 static: Mapping[str, Any]) -> ml_collections.ConfigDict:
  out = ml_collections.ConfigDict(cfg.to_dict())
  for path, value in static.items():
    refused = ValueError(f'{path!r} is not a static config field nor a '
                         'dynamic hyperparameter '
                         f'({", ".join(hparams.HPARAMS)})')
    if path.startswith(('hparams.', 'search.')):
      raise refused
    try:
      config.set_field(out, path, value)
    except ValueError:
      raise refused from None
  return out


def buckets(cfg: ml_collections.ConfigDict,
            settings: Iterable[Mapping[str, Any]]) -> list[Bucket]:
  """Groups settings by their static values.

  Args:
    cfg: the base config.
    settings: mappings whose keys are dynamic hyperparameter names
      (``'lr_d'``) or static config paths (``'model.width'``, ``'penalty'``).

  Returns:
    One :class:`Bucket` per distinct set of static values, in order of first
    appearance. The buckets' configs are not validated here: the caller
    validates what it has not checked already (``validation.validate``).

  Raises:
    ValueError: a field that is neither static nor dynamic, named.
  """
  groups: dict[str, tuple[dict[str, Any], list[int], list[dict]]] = {}
  for i, setting in enumerate(settings):
    static = {k: v for k, v in setting.items() if k not in hparams.HPARAMS}
    dynamic = {k: v for k, v in setting.items() if k in hparams.HPARAMS}
    key = json.dumps(static, sort_keys=True, default=str)
    _, indices, rows = groups.setdefault(key, (static, [], []))
    indices.append(i)
    rows.append(dynamic)
  out = []
  for static, indices, rows in groups.values():
    bucket_cfg = _with_static(cfg, static)
    out.append(Bucket(bucket_cfg, static, indices,
                      stack_hparams(bucket_cfg, rows)))
  return out
