"""Multi-host set-up: every process runs the same program.

On a TPU pod ``initialize()`` with no arguments lets JAX find the coordinator
and the process's rank. Elsewhere (several GPU hosts, or several processes on
one CPU machine) pass them, or set ``JAXGAN_COORDINATOR`` (host:port),
``JAXGAN_NUM_PROCESSES`` and ``JAXGAN_PROCESS_ID``. CPU processes exchange
data through gloo.

After initialisation ``jax.devices()`` lists the devices of every process, so
a mesh from :func:`jaxgan.population.make_mesh` spans all hosts. Process 0
decides (asks the search, writes files); the others follow.
"""

import json
import os

import jax
import numpy as np
from jax.experimental import multihost_utils

from jaxgan.types import PyTree

_ENV = ('JAXGAN_COORDINATOR', 'JAXGAN_NUM_PROCESSES', 'JAXGAN_PROCESS_ID')


def initialize(coordinator_address: str | None = None,
               num_processes: int | None = None,
               process_id: int | None = None) -> None:
  """Joins this process to a multi-process JAX run.

  Arguments left as None are read from the environment (see the module
  docstring). With nothing given anywhere, on a TPU pod JAX detects the
  cluster; on a single machine nothing happens.

  Raises:
    ValueError: only some of the three values are given, or they are
      inconsistent.
  """
  values = [coordinator_address, num_processes, process_id]
  for i, name in enumerate(_ENV):
    if values[i] is None and os.environ.get(name):
      values[i] = os.environ[name]
  address, count, rank = values
  if address is None and count is None and rank is None:
    if _on_tpu_pod():
      jax.distributed.initialize()
    return
  if address is None or count is None or rank is None:
    raise ValueError(
        'multi-process set-up needs all of coordinator_address, '
        f'num_processes and process_id (or {", ".join(_ENV)}); got '
        f'coordinator_address={address!r}, num_processes={count!r}, '
        f'process_id={rank!r}')
  count, rank = int(count), int(rank)
  if count < 1 or not 0 <= rank < count:
    raise ValueError(f'process_id={rank} must be in [0, num_processes={count})')
  # Only the CPU client reads this; GPU and TPU use their own collectives.
  jax.config.update('jax_cpu_collectives_implementation', 'gloo')
  jax.distributed.initialize(address, num_processes=count, process_id=rank)


def _on_tpu_pod() -> bool:
  return bool(os.environ.get('TPU_WORKER_HOSTNAMES')
              or os.environ.get('CLOUD_TPU_TASK_ID'))


def is_main_process() -> bool:
  """True on the process that decides and writes files (process 0)."""
  return jax.process_index() == 0


def to_host(tree: PyTree) -> PyTree:
  """Gathers (possibly multi-host) arrays into numpy arrays on every process."""
  if jax.process_count() == 1:
    return jax.tree.map(np.asarray, tree)
  return jax.tree.map(
      lambda x: np.asarray(multihost_utils.process_allgather(x, tiled=True)),
      tree)


def broadcast_json(obj):
  """Process 0's JSON-serialisable ``obj``, on every process (the others
  pass anything, e.g. None)."""
  if jax.process_count() == 1:
    return obj
  data = np.frombuffer(json.dumps(obj).encode(), np.uint8) if (
      is_main_process()) else np.zeros(0, np.uint8)
  size = int(multihost_utils.broadcast_one_to_all(np.int64(data.size)))
  buffer = np.zeros(size, np.uint8)
  buffer[:data.size] = data
  buffer = multihost_utils.broadcast_one_to_all(buffer)
  return json.loads(np.asarray(buffer, np.uint8).tobytes())
