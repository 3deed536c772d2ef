"""``search.population='auto'`` (:mod:`jaxgan.search.sizing`): one member
per device on CPU, the plateau rule on hand-made rates elsewhere, the probe
on the synthetic population, a method's least population, the choice
stored and read back by a resumed search."""

import json

import pytest

import synthetic
from jaxgan import config, population
from jaxgan.search import sizing
from jaxgan.search.method import SearchMethod, register_method
from jaxgan.search.sizing import Rate

RATES = [Rate(2, 1000.0), Rate(4, 1700.0), Rate(8, 2050.0), Rate(16, 2100.0)]


def test_the_smallest_size_near_the_plateau_is_chosen():
  # 80% of the best (2100) is 1680: 4 members reach it, 2 do not.
  assert sizing.choose(RATES, 1) == 4
  assert sizing.choose(RATES, 3) == 6         # a multiple of search.seeds
  assert sizing.choose(RATES[:1], 1) == 2
  assert sizing.choose([Rate(2, 10.0), Rate(4, 5.0)], 1) == 2


def test_the_probed_sizes_are_multiples_of_the_devices():
  assert sizing.sizes(2, 40) == [2, 4, 8, 16]
  assert sizing.sizes(2, 5) == [2, 4]
  assert sizing.sizes(8, 3) == [8]
  assert sizing.sizes(1, 100) == [1, 2, 4, 8]


def test_the_probe_times_the_member_program():
  cfg = synthetic.config('random', num_trials=8)
  mesh = population.make_mesh()
  rates = sizing.probe(cfg, mesh, synthetic.make_population, [1, 2],
                       repeats=2)
  assert [r.size for r in rates] == [1, 2]
  assert all(r.member_steps_per_second > 0 for r in rates)


def auto_search(tmp_path, num_trials):
  """A random search of ``num_trials`` with ``search.population='auto'``:
  its config, printed lines and ``W/population.json``."""
  cfg = synthetic.config('random', num_trials=num_trials, population='auto',
                         confirm_top=0)
  lines = []
  synthetic.tune(cfg, tmp_path, lines.append)
  return cfg, lines, json.loads((tmp_path / sizing.FILE).read_text())


def test_auto_on_cpu_is_one_member_per_device(tmp_path, monkeypatch):
  monkeypatch.setattr(sizing, 'probe', lambda *a, **k: pytest.fail('probed'))
  _, lines, stored = auto_search(tmp_path, 3)
  assert ('search.population=auto: 1 (one member per CPU device, 1 device: '
          'on CPU a second member per core adds little throughput and halves '
          'how often the search learns, a multiple of 1)') in lines
  assert (stored['size'], stored['devices'], stored['rates']) == (1, 1, [])
  assert [t['round'] for t in synthetic.stored(tmp_path)] == [0, 1, 2]


def _method(**kwargs) -> SearchMethod:
  return SearchMethod(lambda *a: None, 'a method', **kwargs)


@pytest.mark.parametrize('method, seeds, size, says', [
    (_method(), 3, 3, ', a multiple of 3)'),
    (_method(population=8, padded=False), 1, 8,
     "; search.method='random' needs at least 8)"),
    (_method(population=6), 4, 8, "; search.method='random' needs at "
     'least 6)'),
])
def test_auto_rounds_to_the_seeds_and_rises_to_the_methods_least(
    tmp_path, method, seeds, size, says):
  cfg = synthetic.config('random', population='auto', seeds=seeds)
  lines = []
  sized = sizing.resolve(cfg, population.make_mesh(), None, str(tmp_path),
                         method, say=lines.append)
  assert sized.search.population == size
  [line] = lines
  assert line.startswith(f'search.population=auto: {size} (')
  assert line.endswith(says)


def test_auto_leaves_a_method_that_sizes_its_own_rounds(tmp_path):
  cfg = synthetic.config('halving', population='auto')
  sized = sizing.resolve(cfg, population.make_mesh(), None, str(tmp_path),
                         _method(population=None), say=pytest.fail)
  assert sized.search.population == 1
  assert not (tmp_path / sizing.FILE).exists()


def test_a_method_with_a_bad_least_population_is_refused():
  with pytest.raises(ValueError, match="search method 'bad': its "
                     "population=0 is not an integer >= 1 or None"):
    register_method('bad', _method(population=0))


def test_auto_elsewhere_is_probed_once_and_stored(tmp_path, monkeypatch):
  monkeypatch.setattr(sizing, 'by_rule', lambda mesh: False)
  monkeypatch.setattr(sizing, 'probe', lambda *a, **k: RATES)
  cfg, lines, stored = auto_search(tmp_path, 8)
  assert ('search.population=auto: 4 (2: 1,000, 4: 1,700, 8: 2,050, 16: '
          '2,100 member-steps/s on 1 device; the smallest within 80% of the '
          'best, a multiple of 1)') in lines
  assert (stored['size'], stored['tolerance']) == (4, sizing.TOLERANCE)
  saved = json.loads((tmp_path / 'config.json').read_text())
  assert saved['search']['population'] == 4
  trials = synthetic.stored(tmp_path)
  assert [t['round'] for t in trials] == [0] * 4 + [1] * 4
  # Resumed (here: extended), the search keeps its size without probing.
  monkeypatch.setattr(sizing, 'probe', lambda *a, **k: pytest.fail('probed'))
  cfg.search.num_trials = 12
  again = []
  synthetic.tune(cfg, tmp_path, again.append)
  assert any('search.population=auto: 4, as chosen when this search began'
             in line for line in again)
  assert len(synthetic.stored(tmp_path)) == 12


def test_an_integer_population_is_not_probed(tmp_path, monkeypatch):
  monkeypatch.setattr(sizing, 'probe', lambda *a, **k: pytest.fail('probed'))
  cfg = synthetic.config('random', num_trials=4, population=2,
                         confirm_top=0)
  synthetic.tune(cfg, tmp_path)
  assert not (tmp_path / sizing.FILE).exists()


def test_population_takes_an_integer_or_auto():
  cfg = config.get_config()
  cfg.search.population = 'auto'
  cfg.search.population = 4
  cfg = synthetic.config('random', population='many')
  with pytest.raises(ValueError, match="search.population='many' must be an "
                     "integer >= 1 or 'auto'"):
    synthetic.tune(cfg, '/nowhere')
