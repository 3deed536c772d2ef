"""The ``jaxgan`` command line. It reads flags and calls library functions.

  jaxgan train [--config=experiments/configs/grid25.py] --workdir=W \
      [--config.train.num_steps=2000 ...]

Without ``--config`` the built-in defaults (``jaxgan.config.get_config``,
grid-25) are used.
"""

import functools
import os
import sys

from absl import app, flags, logging
from ml_collections import config_flags

from jaxgan import config, run

_COMMANDS = ('train',)
_DEFAULT_CONFIG = os.path.join(os.path.dirname(__file__), 'config.py')


def _define_flags():
  """Defines the flags; config overrides are applied (and checked) here."""
  cfg = config_flags.DEFINE_config_file(
      'config', _DEFAULT_CONFIG,
      'Python file whose get_config() returns the config; fields can be '
      'overridden with --config.FIELD=VALUE.', lock_config=True)
  workdir = flags.DEFINE_string('workdir', None, 'Output directory.')
  return cfg, workdir


def _main(argv: list[str], cfg_flag, workdir_flag) -> None:
  logging.set_verbosity(logging.WARNING)
  if len(argv) != 2 or argv[1] not in _COMMANDS:
    raise app.UsageError(f'usage: jaxgan {{{"|".join(_COMMANDS)}}} '
                         '--workdir=DIR [--config=FILE]; got '
                         f'{" ".join(argv[1:]) or "no command"}')
  if not workdir_flag.value:
    raise app.UsageError('--workdir is required')
  run.train_one(cfg_flag.value, workdir_flag.value,
                log=lambda line: print(line, flush=True))


def _check_config_path(argv: list[str]) -> None:
  """Loads the file named by --config, so that a bad path gets a clear error."""
  for i, arg in enumerate(argv):
    if arg == '--config' and i + 1 < len(argv):
      config.load(argv[i + 1])
    elif arg.startswith('--config='):
      config.load(arg.split('=', 1)[1])


def main() -> None:
  """Entry point of the ``jaxgan`` console script."""
  try:
    _check_config_path(sys.argv)
    cfg_flag, workdir_flag = _define_flags()
    app.run(functools.partial(_main, cfg_flag=cfg_flag,
                              workdir_flag=workdir_flag))
  except AttributeError as e:
    inner = e.args[0] if e.args else e
    text = inner.args[0] if isinstance(inner, KeyError) else inner
    sys.exit(f'jaxgan: unknown config field {text}')
  except (FileNotFoundError, ValueError) as e:
    sys.exit(f'jaxgan: {e}')
