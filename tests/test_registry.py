import importlib
import os
import pkgutil
import re
import types

import pytest

import jaxgan
from jaxgan import registry

PUBLIC = {
    'dataset': jaxgan.DATASETS, 'model': jaxgan.MODELS,
    'loss': jaxgan.LOSSES, 'penalty': jaxgan.PENALTIES,
    'optimizer': jaxgan.OPTIMIZERS, 'schedule': jaxgan.SCHEDULES,
    'metric': jaxgan.METRICS,
    'hparam': jaxgan.HPARAMS, 'loss_term': jaxgan.LOSS_TERMS,
    'augmentation': jaxgan.AUGMENTATIONS, 'program': jaxgan.PROGRAMS,
    'method': jaxgan.METHODS,
    'tracker': jaxgan.search.TRACKERS, 'feature_net': jaxgan.FEATURE_NETS,
}


def _fn(*args):
  del args


def _other(*args):
  del args


@pytest.mark.parametrize('family', sorted(PUBLIC))
def test_every_family_has_a_public_register_function(family):
  reg = PUBLIC[family]
  assert isinstance(reg, registry.Registry)
  register = getattr(jaxgan, f'register_{family}', None) or getattr(
      jaxgan.search, f'register_{family}', None)
  assert callable(register), f'jaxgan.register_{family}'
  assert reg.field and reg.family


def test_a_taken_name_needs_replace_and_changes_the_generation():
  reg = registry.Registry('thing', 'cfg.thing', {'a': _fn})
  before = registry.generation()
  with pytest.raises(ValueError, match="thing named 'a' is already.*_fn.*"
                     'replace=True'):
    reg.register('a', _other)
  assert reg['a'] is _fn and registry.generation() == before
  reg.register('a', _other, replace=True)
  assert reg['a'] is _other and registry.generation() != before


def test_the_same_definition_again_replaces_silently():
  reg = registry.Registry('thing', 'cfg.thing')
  first = types.FunctionType(_fn.__code__, globals(), '_fn')
  first.__qualname__ = 'run_twice'
  second = types.FunctionType(_fn.__code__, globals(), '_fn')
  second.__qualname__ = 'run_twice'
  reg.register('a', first)
  reg.register('a', second)
  assert reg['a'] is second


def test_restore_puts_the_generation_back():
  saved = registry.snapshot()
  before = registry.generation()
  jaxgan.register_loss('extra_for_test', _fn)
  assert registry.generation() != before
  registry.restore(saved)
  assert registry.generation() == before and 'extra_for_test' not in (
      jaxgan.LOSSES)


def test_lookup_names_the_field_and_the_choices():
  with pytest.raises(ValueError, match=r"optim.d='adamx' is not a registered "
                     r"optimiser.*\['adam', 'adamw', 'rmsprop', 'sgd'\]"):
    jaxgan.OPTIMIZERS.lookup('adamx', 'optim.d')


def test_lookup_imports_a_path_and_checks_it():
  assert jaxgan.LOSSES.lookup('jaxgan.losses:hinge') is jaxgan.losses.hinge
  with pytest.raises(ValueError, match="no module named 'nowhere_pkg'"):
    jaxgan.LOSSES.lookup('nowhere_pkg.mod:fn')
  with pytest.raises(ValueError, match='jaxgan.losses has no .nope'):
    jaxgan.LOSSES.lookup('jaxgan.losses:nope')
  with pytest.raises(ValueError, match='is not callable'):
    jaxgan.LOSSES.lookup('jaxgan.losses:LOSSES.family')


def test_a_plugin_module_that_fails_to_import_keeps_its_error(tmp_path,
                                                              monkeypatch):
  (tmp_path / 'broken_plugin.py').write_text('import nowhere_dependency\n')
  monkeypatch.syspath_prepend(str(tmp_path))
  with pytest.raises(ModuleNotFoundError, match='nowhere_dependency'):
    jaxgan.MODELS.lookup('broken_plugin:FAMILY')


@pytest.mark.parametrize('name', ['', 'a:b', 3])
def test_bad_names_are_refused(name):
  with pytest.raises(ValueError, match='must be a non-empty string'):
    jaxgan.LOSSES.register(name, _fn)


ROOT = os.path.join(os.path.dirname(__file__), '..')
with open(os.path.join(ROOT, 'README.md')) as _f:
  README = _f.read()


def _row(field: str) -> str:
  """The README's configuration-table row for ``field``."""
  rows = [line for line in README.splitlines()
          if line.startswith(f'| `{field}`')]
  assert len(rows) == 1, field
  return rows[0]


def _named(name: str, text: str) -> bool:
  return re.search(rf'(?<![\w-]){re.escape(name)}(?![\w-])', text) is not None


@pytest.mark.parametrize('field, names', [
    ('program', jaxgan.PROGRAMS), ('penalty', jaxgan.PENALTIES),
    ('terms', [*jaxgan.LOSS_TERMS, *jaxgan.AUGMENTATIONS]),
    ('optim.g', jaxgan.OPTIMIZERS), ('optim.schedule', jaxgan.SCHEDULES),
    ('hparams.*', [*jaxgan.HPARAMS, *jaxgan.LOSSES]),
    ('search.method', jaxgan.METHODS), ('eval.*', jaxgan.FEATURE_NETS),
    ('model.{g,d}_norm', jaxgan.models.NORMS),
    # The row names the variants by their prefixes (`cond_`, ...).
    ('model.name', [n.split('_', 1)[-1] if n.startswith(('cond_', 'acgan_',
                                                          'info_')) else n
                    for n in jaxgan.MODELS]),
])
def test_the_readme_names_every_built_in_component(field, names):
  row = _row(field)
  assert [n for n in names if f'`{n}`' not in row] == []


def _docstring(module) -> str:
  """``module``'s docstring; for the package of built-in search methods,
  the docstrings of the modules in it (each describes its own)."""
  if module is not jaxgan.search.methods:
    return module.__doc__
  return '\n'.join(
      importlib.import_module(f'{module.__name__}.{m.name}').__doc__
      for m in pkgutil.iter_modules(module.__path__))


@pytest.mark.parametrize('module, names', [
    (jaxgan.search.methods, jaxgan.METHODS), (jaxgan.models, jaxgan.MODELS),
    (jaxgan.terms, [*jaxgan.LOSS_TERMS, *jaxgan.AUGMENTATIONS]),
    (jaxgan.losses, jaxgan.LOSSES), (jaxgan.penalties, jaxgan.PENALTIES),
    (jaxgan.optim, [*jaxgan.OPTIMIZERS, *jaxgan.SCHEDULES]),
    (jaxgan.search.trackers, jaxgan.search.TRACKERS),
    (jaxgan.train, jaxgan.PROGRAMS), (jaxgan.data, jaxgan.DATASETS),
    (jaxgan.metrics, jaxgan.FEATURE_NETS),
], ids=lambda v: getattr(v, '__name__', ''))
def test_each_registrys_module_docstring_names_its_built_ins(module, names):
  assert [n for n in names if not _named(n, _docstring(module))] == []
