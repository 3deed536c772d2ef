"""The built-in GAN families of the literature: conditional GANs (projection
and AC-GAN), InfoGAN, CycleGAN, consistency regularisation, DiffAugment and
dropout. Each trains in a population whose members equal their single runs,
its new weights change without recompiling, and it is searched."""

import jax
import numpy as np
import pytest

from conftest import assert_members_equal_single_runs, tiny_config
from jaxgan import population, search, validation
from jaxgan.search import store

# One worker runs them all, so that a family's population compiled for the
# equality test serves its recompilation test and its search (and the
# digits classifier trains once for every test of the literature's
# families, presets and conditional metrics).
pytestmark = pytest.mark.xdist_group('literature')


def conditional(name='cond_mlp', terms=''):
  cfg = tiny_config('ring8')
  cfg.model.name, cfg.terms = name, terms
  return cfg


def infogan():
  cfg = tiny_config('ring8')
  cfg.model.update(name='info_mlp', categories=8, code_dim=2)
  cfg.terms = 'info'
  return cfg


def cyclegan():
  cfg = tiny_config('ring8_turned')
  cfg.program, cfg.data.source = 'cyclegan', 'ring8'
  return cfg


def regularised():
  cfg = tiny_config('ring8')
  cfg.terms, cfg.model.dropout = 'bcr', True
  return cfg


FAMILIES = {
    # name: (config, the settings of three members, the weight each family
    # adds, the metric it adds)
    'projection': (conditional, [{}, {'lr_g': 3e-4}, {'seed': 3}], None,
                   'class_accuracy'),
    # Four members: the population its bayes search pads 3 members to.
    'acgan': (lambda: conditional('acgan_mlp', 'acgan'),
              [{'class_weight': 0.0}, {'class_weight': 3.0},
               {'class_weight': 1.0, 'seed': 2}, {'lr_d': 3e-4}],
              'class_weight', 'class_accuracy'),
    'infogan': (infogan, [{'info_weight': 0.0}, {'info_weight': 2.0},
                          {'info_weight': 1.0, 'seed': 2}], 'info_weight',
                'code_nmi'),
    'cyclegan': (cyclegan, [{'cycle_weight': 0.0}, {'cycle_weight': 10.0},
                            {'identity_weight': 0.0, 'seed': 1}],
                 'cycle_weight', 'class_accuracy'),
    'bcr_dropout': (regularised, [{'bcr_weight': 0.0, 'dropout_d': 0.0},
                                  {'bcr_weight': 10.0, 'dropout_d': 0.0},
                                  {'bcr_weight': 0.0, 'dropout_d': 0.5}],
                    'bcr_weight', 'partition_kl'),
}


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_members_equal_single_runs_and_weights_reach_the_loss(family):
  make, members, weight, metric = FAMILIES[family]
  cfg = make()
  validation.validate(cfg)
  m, evaluated = assert_members_equal_single_runs(cfg, members,
                                                  steps=cfg.train.chunk_steps)
  assert metric in evaluated
  if weight is not None:
    # Member 0 has the family's weight at 0, member 1 not: G's (or D's)
    # gradient differs from the first step on.
    grads = m['g_grad_norm'] if family != 'bcr_dropout' else m['d_grad_norm']
    assert not np.allclose(grads[0], grads[1])
  if family == 'bcr_dropout':
    assert not np.allclose(m['d_grad_norm'][0], m['d_grad_norm'][2])


@pytest.mark.parametrize('family', ['acgan', 'infogan', 'cyclegan',
                                    'bcr_dropout'])
def test_new_weights_change_without_recompiling(family, compile_counter):
  make, members, weight, _ = FAMILIES[family]
  cfg = make()
  pop = population.make_population(cfg, population.make_mesh(),
                                   len(members))
  steps = cfg.train.chunk_steps
  hp = pop.put(population.stack_hparams(cfg, members))
  state = pop.train_chunk(pop.init(jax.random.key(0), hp), hp, steps)[0]
  before = compile_counter.count
  other = [{**m, weight: 7.0, 'dropout_d': 0.25} if family == 'bcr_dropout'
           else {**m, weight: 7.0} for m in members]
  hp = pop.put(population.stack_hparams(cfg, other))
  pop.train_chunk(state, hp, steps)
  assert compile_counter.count == before


# With the populations of the tests above (bayes pads 3 members to 4, PBT
# trains 3 unpadded; one chunk a round), so that the searches compile
# nothing new for training; the InfoGAN is searched on images below.
@pytest.mark.parametrize('family,method', [('acgan', 'bayes'),
                                           ('cyclegan', 'pbt')])
def test_each_family_is_searched(family, method, tmp_path):
  make, _, weight, metric = FAMILIES[family]
  cfg = make()
  cfg.search.update(method=method, num_trials=3, population=3,
                    initial_points=3, objective=metric, transform='none',
                    pbt_interval=cfg.train.chunk_steps)
  cfg.search.space.update(r1_gamma='', loss='', b1='', b2='',
                          **{weight: 'log:0.1:10'})
  best = search.tune(cfg, str(tmp_path),
                     output=search.Output(lambda _: None, ()))
  trials = store.read(str(tmp_path))
  assert best.objective is not None and metric in best.metrics
  assert all(0.1 <= t.hparams[weight] <= 10 for t in trials
             if t.parent is None)


def test_an_infogan_search_on_images_pictures_its_codes(tmp_path):
  cfg = tiny_config('digits')
  cfg.model.update(name='info_mlp', categories=3, code_dim=1, g_norm='none')
  cfg.terms = 'info'
  cfg.search.update(method='random', num_trials=2, population=2,
                    objective='code_nmi', transform='none')
  cfg.search.space.update(r1_gamma='', loss='', info_weight='log:0.1:10')
  search.tune(cfg, str(tmp_path), output=search.Output(lambda _: None, ()))
  trials = store.read(str(tmp_path))
  assert all(0.1 <= t.hparams['info_weight'] <= 10 for t in trials)
  grid = np.load(tmp_path / 'best' / 'codes.npz')['x']
  assert grid.shape == (3 * 10, 8, 8, 1)
  assert 0 <= grid.min() and grid.max() <= 1
  assert (tmp_path / 'report' / 'codes.png').stat().st_size > 0
  assert 'report/codes.png' in (tmp_path / 'report.md').read_text()
