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
    'method': jaxgan.METHODS, 'scheduler': jaxgan.SCHEDULERS,
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
