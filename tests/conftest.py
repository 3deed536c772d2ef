"""Shared fixtures: tiny configs and a compilation counter.

Each test process caches feature networks in its own data dir
(``TFDS_DATA_DIR``, inherited by the subprocesses it starts), so the digits
classifier trains once per process rather than once per test.
"""

import atexit
import os
import shutil
import tempfile

os.environ['TFDS_DATA_DIR'] = tempfile.mkdtemp(prefix='jaxgan-data-')
atexit.register(shutil.rmtree, os.environ['TFDS_DATA_DIR'], True)

import jax
import pytest
from jax import monitoring

from jaxgan import config

_COMPILE_EVENT = '/jax/core/compile/backend_compile_duration'
_compiles = [0]


def _count(name, duration, **kwargs):
  del duration, kwargs
  if name == _COMPILE_EVENT:
    _compiles[0] += 1


monitoring.register_event_duration_secs_listener(_count)


class CompileCounter:
  """Counts XLA compilations since it was made (or last reset)."""

  def __init__(self):
    self.start = _compiles[0]

  @property
  def count(self) -> int:
    return _compiles[0] - self.start


@pytest.fixture
def compile_counter():
  return CompileCounter()


def tiny_config(data_name: str = 'grid25', penalty: str = 'none'):
  """A config that compiles fast and trains in well under a second per chunk.

  Without a penalty by default: R1's double backward pass doubles compile
  time, and the tests that need a penalty ask for one.
  """
  cfg = config.get_config()
  cfg.data.name = data_name
  cfg.penalty = penalty
  cfg.model.update(width=16, depth=2, latent_dim=4)
  if data_name == 'digits':
    cfg.model.update(name='dcgan', width=16, depth=2, g_norm='batch')
  cfg.train.update(batch_size=16, num_steps=20, chunk_steps=10,
                   eval_samples=64)
  return cfg


@pytest.fixture
def key():
  return jax.random.key(0)
