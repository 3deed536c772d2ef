"""The ``jaxgan`` command line. It reads flags and calls library functions.

  jaxgan tune [--config=experiments/configs/grid25.py] --workdir=W \
      [--config.search.method=NAME ...] [--force] \
      [--tracker=tensorboard,mlflow,wandb|none] [--quiet]
  jaxgan train [--config=...] --workdir=W [--config.train.num_steps=2000 ...]
  jaxgan train --workdir=W --population='lr_d=log:1e-4:1e-2:4;lr_g=log:1e-4:1e-2:4'
  jaxgan tune --storage=URL --study=NAME --workdir=LOCAL [...]   (on each worker)
  jaxgan report --workdir=W
  jaxgan report --storage=URL --study=NAME --workdir=OUT
  jaxgan evaluate --workdir=W [--inception_weights=PATH] [--resize=pytorch] \
      [--samples=50000] [--ppl_samples=100000] [--ppl_features=classifier]

``jaxgan --help`` lists the commands, the common flags and every search
method (:data:`jaxgan.search.METHODS`, with those a ``--config`` file
registers). Without ``--config`` the built-in defaults
(``jaxgan.config.get_config``, grid-25) are used. ``tune`` runs (or resumes) the search of
:mod:`jaxgan.search`. ``--population`` (a sweep, see :mod:`jaxgan.sweep`)
trains every setting at once and prints a per-member table. ``report``
rebuilds ``W/report.md`` and ``W/report.html`` from a search's files.
With ``--storage`` and ``--study``, ``tune`` joins a study that workers on
several machines share through a database (:mod:`jaxgan.search.shared`) and
``report`` rebuilds its report from the database.
``evaluate`` measures a search's best trial by the paper protocol
(:mod:`jaxgan.evaluate`). On several hosts,
run the same command on each with ``--coordinator``, ``--num_processes`` and
``--process_id`` (or nothing on a TPU pod).
"""

import functools
import os
import sys
import textwrap
import traceback

import jax
import ml_collections
from absl import app, flags, logging
from ml_collections import config_flags

from jaxgan import (config, distributed, evaluate, population, run, search,
                    sweep)
from jaxgan.metrics import protocol
from jaxgan.search import report

COMMANDS = {
    'tune': 'run (or resume) the search of config.search in W',
    'train': 'train one GAN, or a population with --population, in W',
    'report': "rebuild W/report.md and W/report.html from a search's files",
    'evaluate': "measure a search's best trial by the paper protocol",
}
# The flags --help describes; --helpfull lists every one.
COMMON_FLAGS = ('config', 'workdir', 'population', 'tracker', 'warm_start',
                'force', 'quiet', 'data_devices', 'storage', 'study',
                'coordinator')
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_DEFAULT_CONFIG = os.path.join(_PACKAGE, 'config.py')


def _define_flags():
  """Defines the flags; config overrides are applied (and checked) here."""
  cfg = config_flags.DEFINE_config_file(
      'config', _DEFAULT_CONFIG,
      'Python file whose get_config() returns the config; fields can be '
      'overridden with --config.FIELD=VALUE.', lock_config=True)
  flags.DEFINE_string('workdir', None, 'Output directory.')
  flags.DEFINE_string('population', None,
                      'Train a population: a .json sweep file or inline axes '
                      "such as 'lr_d=log:1e-4:1e-2:8;loss=hinge,non_saturating'.")
  flags.DEFINE_bool('force', False,
                    'tune: continue a workdir made by a different config.')
  flags.DEFINE_string('warm_start', '',
                      "tune: an earlier search's workdir (same names, ranges "
                      'may differ) whose trials the search method is told '
                      'first (the methods --help marks +).')
  flags.DEFINE_list('tracker', ['tensorboard'],
                    'tune: experiment trackers, comma-separated: tensorboard '
                    "(W/tensorboard), mlflow (W/mlruns; pip install "
                    "'jaxgan[mlflow]'), wandb (W/wandb, offline unless "
                    "logged in; pip install 'jaxgan[wandb]'), or none.")
  flags.DEFINE_bool('quiet', False,
                    'tune: no progress bars, only a line per round (for '
                    'logs).')
  flags.DEFINE_string('storage', '',
                      'tune, report: a database URL (SQLAlchemy, e.g. '
                      'postgresql+psycopg://USER:PASSWORD@HOST/DB; pip '
                      "install 'jaxgan[postgres]') holding a study that "
                      'workers on several machines share; W then mirrors '
                      'it.')
  flags.DEFINE_string('study', '', 'tune, report: the shared study\'s name '
                      '(with --storage).')
  flags.DEFINE_float('lease', search.shared.LEASE,
                     "tune: seconds a worker's running trials stay its own "
                     'without a heartbeat; a lost worker\'s trials are '
                     'retrained by another after this.')
  flags.DEFINE_integer('data_devices', 1,
                       "Devices that split each member's batch (mesh axis "
                       "'data'); the rest split the members.")
  flags.DEFINE_integer('samples', protocol.PAPER_SAMPLES,
                       'evaluate: generated images for FID, IS, KID and '
                       'precision/recall.')
  flags.DEFINE_integer('ppl_samples', protocol.PPL_SAMPLES,
                       'evaluate: latent pairs for perceptual path length '
                       '(0 skips it).')
  flags.DEFINE_enum('ppl_features', 'classifier', list(evaluate.PPL_FEATURES),
                    'evaluate: the feature space of the path length.')
  flags.DEFINE_string('inception_weights', '',
                      'evaluate: the FID Inception weight file (default: '
                      'eval.inception_weights, then '
                      '$JAXGAN_INCEPTION_WEIGHTS).')
  flags.DEFINE_string('resize', '', 'evaluate: the resize protocol, tf1, '
                      'pytorch or clean (default: eval.resize).')
  flags.DEFINE_string('reference_stats', '',
                      "evaluate: an .npz of reference mu and sigma (pytorch-"
                      "fid's layout) instead of the training split's.")
  flags.DEFINE_string('coordinator', None,
                      'host:port of process 0, for multi-process runs.')
  flags.DEFINE_integer('num_processes', None, 'Processes in the run.')
  flags.DEFINE_integer('process_id', None, 'Rank of this process.')
  return cfg


def _main(argv: list[str], cfg_flag) -> None:
  logging.set_verbosity(logging.WARNING)
  if len(argv) != 2 or argv[1] not in COMMANDS:
    raise app.UsageError(f'usage: jaxgan {{{"|".join(COMMANDS)}}} '
                         '--workdir=DIR [--config=FILE]; got '
                         f'{" ".join(argv[1:]) or "no command"}')
  f = flags.FLAGS
  if not f.workdir:
    raise app.UsageError('--workdir is required')
  log = lambda line: print(line, flush=True)
  shared = (search.Shared(f.storage, f.study, f.lease) if f.storage
            else None)
  if f.study and not f.storage:
    raise app.UsageError('--study names a study in --storage, which is '
                         'missing')
  if shared is not None and argv[1] not in ('tune', 'report'):
    raise app.UsageError('--storage is for jaxgan tune and jaxgan report')
  if argv[1] == 'report':
    if shared is not None:
      search.shared.export(shared, f.workdir)
    log(f'wrote {report.rebuild(f.workdir)}')
    return
  if argv[1] == 'evaluate':
    evaluate.evaluate_best(
        f.workdir, evaluate.Counts(f.samples, f.ppl_samples, f.ppl_features),
        evaluate.Overrides(f.inception_weights, f.resize, f.reference_stats),
        log)
    return
  if argv[1] == 'tune':
    if f.population is not None:
      raise app.UsageError('--population is for jaxgan train; jaxgan tune '
                           'takes its space from --config.search.space')
    search.tune(cfg_flag.value, f.workdir, force=f.force,
                warm_start=f.warm_start, output=search.Output(
                    log, [t for t in f.tracker if t != 'none'], f.quiet),
                trainer=search.Trainer(
                    population.make_mesh(data=f.data_devices)),
                shared=shared)
    return
  if f.population is None:
    run.train_one(cfg_flag.value, f.workdir, log=log)
    return
  settings = sweep.parse(f.population)
  run.train_population(cfg_flag.value, settings, f.workdir,
                       mesh=population.make_mesh(data=f.data_devices), log=log)


def _given(argv: list[str], name: str) -> str | None:
  """The value of ``--name=V`` or ``--name V`` in ``argv``, read before
  absl parses the flags."""
  for i, arg in enumerate(argv):
    if arg.startswith(f'--{name}='):
      return arg.split('=', 1)[1]
    if arg == f'--{name}' and i + 1 < len(argv):
      return argv[i + 1]
  return None


def start_devices(argv: list[str]) -> None:
  """For ``tune`` and ``train --population``: one CPU device per core and
  the multi-process set-up (``--coordinator``, ``--num_processes``,
  ``--process_id`` or the environment), read from ``argv`` before any
  config file runs, so that a config or plug-in may use JAX when it is
  imported."""
  command = argv[1] if len(argv) > 1 else ''
  if command == 'tune' or (command == 'train'
                           and _given(argv, 'population') is not None):
    one_device_per_core()
    distributed.initialize(_given(argv, 'coordinator'),
                           _given(argv, 'num_processes'),
                           _given(argv, 'process_id'))


def one_device_per_core() -> None:
  """Exposes every CPU core as a JAX device (unless JAX_NUM_CPU_DEVICES
  says otherwise), so that a population's members run on every core. XLA's
  CPU client runs these small operations on one thread per device; GPUs and
  TPUs are unaffected."""
  if 'JAX_NUM_CPU_DEVICES' not in os.environ:
    jax.config.update('jax_num_cpu_devices', len(os.sched_getaffinity(0)))


def usage() -> str:
  """What ``jaxgan --help`` prints: the commands, the common flags and
  the search methods registered now."""
  wrap = lambda text: textwrap.fill(text, 79, initial_indent=' ' * 4,
                                    subsequent_indent=' ' * 4)
  lines = ['usage: jaxgan COMMAND --workdir=W [--config=FILE] '
           '[--config.FIELD=VALUE ...]', '', 'commands:']
  lines += [f'  {name:9} {text}' for name, text in COMMANDS.items()]
  lines += ['', 'common flags (jaxgan --helpfull lists every flag):',
            '  --config.FIELD=VALUE', wrap('overrides one field of the config '
                                           '(README: "Configuration")')]
  for name in COMMON_FLAGS:
    lines += [f'  --{name}', wrap(flags.FLAGS[name].help)]
  lines += ['', 'search methods (--config.search.method=NAME; *: the '
            'default, +: takes --warm_start):']
  default = config.get_config().search.method
  for name, method in sorted(search.METHODS.items(),
                             key=lambda item: item[0] != default):
    mark = ('*' if name == default else ' ') + ('+' if method.warm else ' ')
    lines += [f'{mark} {name:13} {method.summary}']
  return '\n'.join(lines)


def _check_config_path(argv: list[str]) -> None:
  """Loads the file named by --config, so that a bad path gets a clear error."""
  for i, arg in enumerate(argv):
    if arg == '--config' and i + 1 < len(argv):
      config.load(argv[i + 1])
    elif arg.startswith('--config='):
      config.load(arg.split('=', 1)[1])


def _raised_in(e: BaseException, directory: str) -> bool:
  """Whether the innermost frame of ``e``'s traceback is under
  ``directory``: the exception was raised there, not passed through."""
  frames = traceback.extract_tb(e.__traceback__)
  return bool(frames) and os.path.abspath(frames[-1].filename).startswith(
      directory + os.sep)


def main() -> None:
  """Entry point of the ``jaxgan`` console script.

  jaxgan's own messages (a bad field, a missing file, a held workdir) are
  printed as one line. Anything raised elsewhere, in a user's config file,
  plug-in or network above all, propagates with its traceback.
  """
  try:
    start_devices(sys.argv)
    _check_config_path(sys.argv)
    cfg_flag = _define_flags()
    if {'--help', '-h', '-?'} & set(sys.argv[1:]) or len(sys.argv) == 1:
      print(usage())
      return
    app.run(functools.partial(_main, cfg_flag=cfg_flag))
  except AttributeError as e:
    if not _raised_in(e, os.path.dirname(ml_collections.__file__)):
      raise
    inner = e.args[0] if e.args else e
    text = inner.args[0] if isinstance(inner, KeyError) else inner
    sys.exit(f'jaxgan: unknown config field {text}')
  except (FileNotFoundError, ValueError, RuntimeError) as e:
    if not _raised_in(e, _PACKAGE):
      raise
    sys.exit(f'jaxgan: {e}')
