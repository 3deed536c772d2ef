"""``experiments/conditional_report.py``: class-by-class accuracy, recall
and intra-class FID beside their floors."""

import importlib.util
import os

import jax
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan import config, train

# With the other tests of the literature's families: one digits classifier.
pytestmark = pytest.mark.xdist_group('literature')

SCRIPT = os.path.join(os.path.dirname(__file__), '..', '..', 'experiments',
                      'conditional_report.py')


def test_per_class_table_of_an_untrained_conditional_gan():
  spec = importlib.util.spec_from_file_location('conditional_report', SCRIPT)
  report = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(report)
  cfg = tiny_config('digits')
  cfg.model.update(name='cond_mlp', g_norm='none')
  fns = train.make_program(cfg)
  state = jax.jit(fns.init)(jax.random.key(1),
                            config.hparams_from_config(cfg))
  trained, untrained, floor = report.per_class(cfg, fns, state)
  for part in (trained, untrained, floor):
    assert {k: v.shape for k, v in part.items()} == {
        'accuracy': (10,), 'recall': (10,), 'fid': (10,)}
  assert floor['accuracy'].mean() > 0.9 and floor['recall'].mean() > 0.8
  assert np.all(trained['fid'] > 3 * floor['fid'])
  text = report.table(trained, untrained, floor)
  assert len(text.splitlines()) == 2 + 10 + 1
  assert text.splitlines()[-1].startswith('| mean |')
