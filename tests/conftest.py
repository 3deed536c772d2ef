"""Shared fixtures: tiny configs and a compilation counter.

Each test process caches feature networks in its own data dir
(``TFDS_DATA_DIR``, inherited by the subprocesses it starts), so the digits
classifier trains once per process rather than once per test.

Every process of a test run shares JAX's persistent compilation cache: the
process that starts the run (pytest, or xdist's controller) makes it, and
the xdist workers and the CLI, worker and notebook processes they start
inherit ``JAX_COMPILATION_CACHE_DIR``. A program one process compiled is
loaded, not compiled, by the next; :class:`CompileCounter` counts both.
"""

import atexit
import os
import re
import shutil
import sys
import tempfile

os.environ['TFDS_DATA_DIR'] = tempfile.mkdtemp(prefix='jaxgan-data-')
atexit.register(shutil.rmtree, os.environ['TFDS_DATA_DIR'], True)
if 'PYTEST_XDIST_WORKER' not in os.environ:
  os.environ['JAX_COMPILATION_CACHE_DIR'] = tempfile.mkdtemp(
      prefix='jaxgan-jit-')
  os.environ['JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS'] = '0.3'
  atexit.register(shutil.rmtree, os.environ['JAX_COMPILATION_CACHE_DIR'],
                  True)

import jax
import pytest
from jax import monitoring

import numpy as np

from jaxgan import config, population, registry, train
from jaxgan.metrics import inception, weight_files

FIXTURES = os.path.join(os.path.dirname(__file__), 'metrics', 'fixtures')
sys.path.insert(0, FIXTURES)
# The search's helpers (synthetic, seeded), for tests/search and below.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'search'))
import random_inception  # noqa: E402

_COMPILE_EVENT = '/jax/core/compile/backend_compile_duration'
_CACHE_HIT_EVENT = '/jax/compilation_cache/cache_hits'
_compiles = [0]


def _count(name, duration, **kwargs):
  del duration, kwargs
  if name == _COMPILE_EVENT:
    _compiles[0] += 1


def _count_hit(name, **kwargs):
  del kwargs
  if name == _CACHE_HIT_EVENT:
    _compiles[0] += 1


monitoring.register_event_duration_secs_listener(_count)
monitoring.register_event_listener(_count_hit)


class CompileCounter:
  """Counts programs built since it was made (or last reset): XLA
  compilations and programs loaded from the persistent cache."""

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
  # A fixed round size: 'auto' would give one member per device.
  cfg.search.update(confirm_top=0, population=8)
  return cfg


# G's parameters in SNGAN's ResNets whose gradient is zero in exact
# arithmetic: convolution biases that only a batch norm reads (a block's
# c1, and c2 + c_sc, which the next batch norm reads). Adam turns their
# rounding-level gradients into steps of up to the learning rate, so two
# programs that round differently (Mimicry's and jaxgan's, a population and
# a single run) part in them, and in the running means of the batch norms
# that read them; the losses, D and everything else agree.
RESNET_ROUNDING_ONLY = re.compile(r'block\d\.(c1|c2|c_sc)\.bias')
RESNET_ROUNDING_STATS = re.compile(r'(block\d\.b[12]|b5)\.running_mean')


def tiny_sngan_config():
  """SNGAN's ResNets at width 8, batch 8, on the 32x32 digits, hinge loss."""
  cfg = tiny_config()
  cfg.data.name = 'digits32'
  cfg.model.update(name='sngan', g_width=8, d_width=8, latent_dim=16)
  cfg.train.update(batch_size=8, eval_samples=32)
  cfg.hparams.loss = 'hinge'
  return cfg


@pytest.fixture(autouse=True)
def _registries():
  """Every test leaves the registries as it found them."""
  saved = registry.snapshot()
  yield
  registry.restore(saved)


@pytest.fixture
def key():
  return jax.random.key(0)


@pytest.fixture(scope='session')
def inception_weights(tmp_path_factory):
  """Stand-in FID Inception weights (``fixtures/random_inception.py``, with
  the running statistics the reference script calibrated) as an ``.npz`` of
  pytorch-fid's state dict: ``(path, tensors)``."""
  tensors = random_inception.calibrated_state_dict(
      weight_files.state_dict_shapes(inception.param_shapes()),
      os.path.join(FIXTURES, 'inception_reference.npz'))
  path = str(tmp_path_factory.mktemp('weights') / 'stand_in.npz')
  np.savez(path, **tensors)
  return path, tensors


@pytest.fixture(scope='session')
def digits_search(tmp_path_factory):
  """A tiny random search on the digits by FID, shared by the tests of the
  search's image reports and of ``jaxgan evaluate`` (mark them
  ``xdist_group('digits_search')`` so that one worker runs it):
  ``(cfg, workdir, best trial, printed lines)``."""
  from jaxgan import search
  cfg = tiny_config('digits', penalty='r1')
  cfg.model.update(name='mlp', g_norm='none')
  cfg.search.update(method='random', num_trials=2, population=2,
                    objective='fid')
  workdir = tmp_path_factory.mktemp('digits_search')
  lines = []
  best = search.tune(cfg, str(workdir),
                     output=search.Output(lines.append, ()))
  return cfg, workdir, best, lines


def assert_members_equal_single_runs(cfg, members, steps=24):
  """Trains ``members`` (settings) as one population on the default mesh
  and each alone; asserts their losses and evaluations agree and returns
  the population's ``(step metrics, evaluations)``."""
  hp = population.stack_hparams(cfg, members)
  pop = population.make_population(cfg, population.make_mesh(),
                                   len(members))
  hp_dev = pop.put(hp)
  state, m = pop.train_chunk(pop.init(jax.random.key(0), hp_dev), hp_dev,
                             steps)
  evaluated = pop.evaluate(state)
  fns = train.make_program(cfg)
  init = jax.jit(fns.init)
  chunk = jax.jit(fns.train_chunk, static_argnums=2)
  evaluate = jax.jit(fns.evaluate, static_argnums=1)
  for i in range(len(members)):
    one = {k: v[i] for k, v in hp.items()}
    single, single_m = chunk(init(jax.random.key(0), one), one, steps)
    for k in ('d_loss', 'g_loss', 'g_grad_norm'):
      np.testing.assert_allclose(m[k][i], single_m[k], rtol=2e-5, atol=1e-6,
                                 err_msg=f'member {i}: {k}')
    _, single_eval = evaluate(single, cfg.train.eval_samples)
    for k, v in single_eval.items():
      np.testing.assert_allclose(evaluated[k][i], v, rtol=1e-4, atol=1e-5,
                                 err_msg=f'member {i}: {k}')
  return m, evaluated
