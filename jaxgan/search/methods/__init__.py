"""The built-in search methods, one module per family, each registering
its methods (:func:`jaxgan.search.method.register_method`) when imported
and describing them in its docstring; this package imports every module in
it, so a new built-in method is one new module here (``optuna_samplers``
holds the default, ``optuna-tpe``).

The ask/tell interface (what :class:`jaxgan.search.schedulers.AskTell` runs,
and what a researcher's method implements): ``method(space, search_cfg)``
builds it; ``ask(n)`` returns ``n`` points to train together as a
population, each a list of raw values in ``space.names`` order;
``tell(points, values)`` hands back one objective value per point, always to
minimise (a maximised objective is negated first; ``inf`` or NaN for a
member that produced nothing finite), or, in a study of several objectives,
a tuple of them per point. The baseline (the config's own setting, with
``search.baseline``) and a warm start's trials are told like any other. A
method rebuilt and told the same history must ask the same points: that is
how a search resumes from its trial store.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
  importlib.import_module(f'{__name__}.{_module.name}')
