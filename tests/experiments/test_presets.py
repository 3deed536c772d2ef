"""``experiments/configs/presets``: every preset from the literature
validates, its search narrowed around it is valid, and its population
compiles and trains; one runs a short real ``jaxgan tune``."""

import os

import jax
import pytest

from jaxgan import config, population, search, validation
from jaxgan.search import space, store

# One worker: the preset compiled here serves the short tune, and the digits
# classifier is shared with the other tests of the literature's families.
pytestmark = pytest.mark.xdist_group('literature')

PRESETS = os.path.join(os.path.dirname(__file__), '..', '..', 'experiments',
                       'configs', 'presets')
NAMES = ('dcgan', 'wgan_gp', 'sngan', 'cgan_pd', 'sagan', 'stylegan2')


def preset(name):
  cfg = config.load(os.path.join(PRESETS, f'{name}.py'))
  cfg.train.update(batch_size=8, eval_samples=32, num_steps=4, chunk_steps=2)
  cfg.model.width = 16
  if cfg.model.name in ('sngan', 'cgan_pd'):
    # The whole recipe on CIFAR-10, here offline at a reduced width.
    cfg.data.name = 'digits32'
    cfg.model.update(g_width=8, d_width=8)
  return cfg


@pytest.mark.parametrize('name', NAMES)
def test_preset_validates_centres_its_search_and_compiles(name):
  cfg = preset(name)
  searched = search.validate(cfg)
  assert {'lr_g', 'lr_d', 'b1', 'b2'} <= set(searched.names)
  lr = space.parse_dimension('lr_d', cfg.search.space.lr_d)
  assert lr.low < cfg.hparams.lr_d < lr.high
  # The population a search of two members trains, one chunk.
  validation.validate(cfg)
  pop = population.make_population(cfg, population.make_mesh(), 2)
  hp = pop.put(population.stack_hparams(cfg, [{}, {'seed': 1}]))
  _, step_metrics = pop.train_chunk(pop.init(jax.random.key(0), hp), hp,
                                    cfg.train.chunk_steps)
  assert step_metrics['d_loss'].shape == (2, cfg.train.chunk_steps)


def test_a_preset_runs_a_short_tune_with_itself_as_the_baseline(tmp_path):
  cfg = preset('sngan')
  cfg.search.update(method='random', num_trials=2, population=2,
                    confirm_top=0)
  search.tune(cfg, str(tmp_path), output=search.Output(lambda _: None, ()))
  trials = store.read(str(tmp_path))
  assert len(trials) == 2
  # Trial 0 is the preset's own setting: Mimicry's Adam.
  assert trials[0].hparams['lr_g'] == pytest.approx(2e-4)
  assert trials[0].hparams['b1_d'] == 0.0
  assert trials[0].hparams['b2_d'] == pytest.approx(0.9)
  assert all(t.metrics.get('fid') is not None for t in trials)
