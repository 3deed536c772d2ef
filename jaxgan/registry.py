"""Registries: every swappable family of components, looked up by name.

Each family (datasets, model families, losses, penalties, optimisers,
metrics, hyperparameters, loss terms, augmentations, GAN programs, search
methods, trackers, feature networks) is one :class:`Registry`, and its
``register`` is the family's public ``register_*`` function. Registering
under a name that is taken is an error unless ``replace=True``, or unless it
is the same definition again (same module and qualified name: a config file
that is run twice, a notebook cell that is run again), which replaces it.

:func:`generation` identifies what every registry holds (each entry by
identity), and every cache of compiled programs or built components
includes it in its key, so a program compiled before a component was
replaced is never reused, while registries put back as they were find
their programs again.

Example:
  >>> @jaxgan.losses.register_loss('relativistic')
  ... def relativistic(d_real, d_fake, hp):
  ...   diff = d_real - d_fake
  ...   return (jnp.mean(jax.nn.softplus(-diff)),
  ...           jnp.mean(jax.nn.softplus(diff)))
  >>> cfg.hparams.loss = 'relativistic'
"""

import difflib
import importlib
from typing import Any, Callable, Iterator, Mapping, TypeVar

T = TypeVar('T')
_MISSING = object()
_ALL: list['Registry'] = []
# Every value ever registered, so that no id() in a generation is reused.
_EVER: list[Any] = []
_current: list[int | None] = [None]


def generation() -> int:
  """A number that identifies the entries of every registry."""
  if _current[0] is None:
    _current[0] = hash(tuple(
        tuple((name, id(value)) for name, value in r._entries.items())
        for r in _ALL))
  return _current[0]


def _changed() -> None:
  _current[0] = None


def did_you_mean(name: str, choices) -> str:
  """`` (did you mean 'X'?)`` for the choice closest to a mistyped
  ``name``, or ``''`` when none is close."""
  close = difflib.get_close_matches(name, list(choices), n=1)
  return f' (did you mean {close[0]!r}?)' if close else ''


def definition(value: Any) -> Any:
  """What identifies a component's definition: module and qualified name
  for functions and classes (recursively for tuples of them); the value
  itself otherwise."""
  if isinstance(value, tuple):
    return type(value), tuple(definition(v) for v in value)
  if hasattr(value, '__qualname__') and hasattr(value, '__module__'):
    return value.__module__, value.__qualname__
  return value


class Registry(Mapping[str, T]):
  """The components of one family, by name.

  Attributes:
    family: what an entry is (``'loss'``), for messages.
    field: the config field that names an entry (``'hparams.loss'``).
  """

  def __init__(self, family: str, field: str,
               entries: Mapping[str, T] | None = None,
               check: Callable[[str, T], None] | None = None):
    """Args:
      family: what an entry is, for messages.
      field: the config field that names an entry.
      entries: the built-in entries.
      check: ``(name, value) -> None``, raising ValueError for a value this
        family cannot use; run on every registration.
    """
    self.family, self.field = family, field
    self._check = check
    self._entries: dict[str, T] = {}
    for name, value in (entries or {}).items():
      self.register(name, value)
    _ALL.append(self)

  def register(self, name: str, value: Any = _MISSING, *,
               replace: bool = False) -> Any:
    """Adds ``value`` under ``name``; without ``value``, a decorator.

    Args:
      name: the name configs use.
      value: the component.
      replace: allow replacing another definition under ``name``.

    Returns:
      ``value`` (so that it works as a decorator).

    Raises:
      ValueError: ``name`` is not a non-empty string, is taken by another
        definition and ``replace`` is off, or the family's check refuses
        ``value``.
    """
    if value is _MISSING:
      return lambda v: self.register(name, v, replace=replace)
    if not isinstance(name, str) or not name or ':' in name:
      raise ValueError(f'{self.family} name {name!r} must be a non-empty '
                       "string without ':'")
    old = self._entries.get(name, _MISSING)
    if (old is not _MISSING and not replace
        and definition(old) != definition(value)):
      raise ValueError(f'a {self.family} named {name!r} is already '
                       f'registered ({_describe(old)}); pass replace=True '
                       'to replace it')
    if self._check is not None:
      self._check(name, value)
    self._entries[name] = value
    _EVER.append(value)
    _changed()
    return value

  def lookup(self, name: str, field: str | None = None) -> T:
    """The entry ``name``, or the object an import path ``'pkg.mod:Name'``
    names (the big_vision convention), checked as a registration is.

    Args:
      name: a registered name or an import path.
      field: the config field named in errors (default :attr:`field`).

    Raises:
      ValueError: naming the config field, the value and the choices, or
        what failed in the import.
    """
    field = field or self.field
    if isinstance(name, str) and ':' in name:
      value = import_object(field, name)
      if self._check is not None:
        self._check(name, value)
      return value
    if not isinstance(name, str) or name not in self._entries:
      raise ValueError(f'{field}={name!r} is not a registered '
                       f'{self.family} or an import path pkg.module:Name'
                       f'{did_you_mean(str(name), list(self))}; choose one '
                       f'of {sorted(self)}')
    return self._entries[name]

  def listed(self, text: str, field: str | None = None) -> dict[str, T]:
    """The entries a comma-separated config field names, by name.

    Raises:
      ValueError: a name is listed twice, or :meth:`lookup` refuses one.
    """
    field = field or self.field
    names = [n.strip() for n in str(text).split(',') if n.strip()]
    if len(set(names)) != len(names):
      raise ValueError(f'{field}={text!r} lists a {self.family} twice')
    return {name: self.lookup(name, field) for name in names}

  def __getitem__(self, name: str) -> T:
    return self._entries[name]

  def __iter__(self) -> Iterator[str]:
    return iter(self._entries)

  def __len__(self) -> int:
    return len(self._entries)

  def __repr__(self) -> str:
    return f'Registry({self.family!r}, {list(self)})'


def callable_check(signature: str) -> Callable[[str, Any], None]:
  """A registry check that refuses anything not callable, naming the
  ``signature`` the family expects."""
  def check(name: str, value: Any) -> None:
    if not callable(value):
      raise ValueError(f'{name!r}: {value!r} is not callable; expected '
                       f'{signature}')
  return check


def import_object(field: str, path: str) -> Any:
  """The object ``'pkg.module:Name'`` names (``Name`` may be dotted).

  Raises:
    ValueError: naming ``field``, when the module cannot be found or lacks
      the name. An error raised while the module runs propagates as it is,
      with its traceback.
  """
  module_name, _, attr = path.partition(':')
  if not module_name or not attr:
    raise ValueError(f'{field}={path!r}: an import path is pkg.module:Name')
  try:
    value = importlib.import_module(module_name)
  except ModuleNotFoundError as e:
    if e.name is None or not module_name.startswith(e.name):
      raise
    raise ValueError(f'{field}={path!r}: no module named {e.name!r} (is '
                     'its directory on PYTHONPATH, or beside the config '
                     'file?)') from None
  for part in attr.split('.'):
    if not hasattr(value, part):
      raise ValueError(f'{field}={path!r}: {module_name} has no {attr!r}')
    value = getattr(value, part)
  return value


def _describe(value: Any) -> str:
  module, qualname = (getattr(value, '__module__', None),
                      getattr(value, '__qualname__', None))
  return f'{module}.{qualname}' if qualname else type(value).__name__


def snapshot() -> list[dict]:
  """Every registry's entries, for :func:`restore`."""
  return [dict(r._entries) for r in _ALL]


def restore(saved: list[dict]) -> None:
  """Puts back what :func:`snapshot` saw (registries made since keep
  their entries)."""
  for r, entries in zip(_ALL, saved):
    r._entries = dict(entries)
  _changed()
