"""Orbax checkpoints: numbered snapshots of a pytree in a directory.

A search keeps two kinds under ``W/checkpoints/``: ``population/`` (the
running members of halving and PBT at each round boundary, for resuming) and
``best/`` (the best member's G, D and EMA parameters). Orbax writes each
snapshot to a temporary directory and renames it, so a crash never leaves a
half-written step behind; the older steps are deleted only after a new one is
complete.

Typed PRNG keys are stored as their raw ``uint32`` data and rewrapped on
restore. On several processes every process calls these functions together.
"""

import os

import jax
import orbax.checkpoint as ocp

from jaxgan.types import PyTree


def _is_key(x) -> bool:
  return isinstance(x, jax.Array) and jax.dtypes.issubdtype(
      x.dtype, jax.dtypes.prng_key)


def _manager(directory: str, keep: int) -> ocp.CheckpointManager:
  return ocp.CheckpointManager(
      os.path.abspath(directory),
      options=ocp.CheckpointManagerOptions(max_to_keep=keep, create=True))


def save(directory: str, step: int, tree: PyTree, meta: dict | None = None,
         keep: int = 2) -> None:
  """Writes ``tree`` (and JSON ``meta``) as step ``step``, and waits until
  it is on disk.

  Args:
    directory: the checkpoint directory (created if needed).
    step: the snapshot's number; the ``keep`` highest are kept.
    tree: arrays (sharded or not) and numpy arrays.
    meta: JSON-serialisable host data saved in the same step.
    keep: how many steps to keep.
  """
  raw = jax.tree.map(lambda x: jax.random.key_data(x) if _is_key(x) else x,
                     tree)
  with _manager(directory, keep) as manager:
    manager.save(step, args=ocp.args.Composite(
        arrays=ocp.args.StandardSave(raw),
        meta=ocp.args.JsonSave(meta or {})), force=True)
    manager.wait_until_finished()


def latest_step(directory: str) -> int | None:
  """The highest complete step in ``directory``, or None.

  It reads the directory listing (orbax names a step's directory by its
  number only once the step is complete), so, unlike a checkpoint manager,
  it involves no barrier between processes.
  """
  if not os.path.isdir(directory):
    return None
  steps = [int(name) for name in os.listdir(directory) if name.isdigit()]
  return max(steps, default=None)


def restore_meta(directory: str, step: int) -> dict:
  """The JSON metadata saved with step ``step``."""
  with _manager(directory, keep=1) as manager:
    return manager.restore(step, args=ocp.args.Composite(
        meta=ocp.args.JsonRestore()))['meta']


def restore(directory: str, step: int, like: PyTree) -> PyTree:
  """Reads step ``step``'s arrays into the structure, shapes and shardings
  of ``like`` (typed PRNG keys where ``like`` has them)."""
  raw_like = jax.tree.map(
      lambda x: jax.random.key_data(x) if _is_key(x) else x, like)
  with _manager(directory, keep=1) as manager:
    raw = manager.restore(step, args=ocp.args.Composite(
        arrays=ocp.args.StandardRestore(raw_like)))['arrays']
  return jax.tree.map(
      lambda r, x: jax.random.wrap_key_data(r, impl=jax.random.key_impl(x))
      if _is_key(x) else r, raw, like)
