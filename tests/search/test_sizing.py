"""``search.population='auto'`` (:mod:`jaxgan.search.sizing`): the rule on
hand-made rates, the probe on the synthetic population, the choice stored
and read back by a resumed search."""

import json

import pytest

import synthetic
from jaxgan import config, population
from jaxgan.search import sizing
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


def test_auto_is_chosen_once_and_stored(tmp_path, monkeypatch):
  monkeypatch.setattr(sizing, 'probe', lambda *a, **k: RATES)
  cfg = synthetic.config('random', num_trials=8, population='auto',
                         confirm_top=0)
  lines = []
  synthetic.tune(cfg, tmp_path, lines.append)
  assert any(line.startswith('search.population=auto: 4 (2: 1,000, 4: '
                             '1,700, 8: 2,050, 16: 2,100 member-steps/s on')
             for line in lines)
  stored = json.loads((tmp_path / sizing.FILE).read_text())
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
