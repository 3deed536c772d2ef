"""Tune the spiral GAN of ``spiral_gan.py`` on ``spiral.npy``.

  jaxgan tune --config=experiments/custom/config.py --workdir=/tmp/spiral
"""

import os

import jaxgan
import spiral_gan  # noqa: F401 (registers the plug-ins)

HERE = os.path.dirname(os.path.abspath(__file__))


def get_config():
  cfg = jaxgan.get_config()
  cfg.data.name = 'array:' + os.path.join(HERE, 'spiral.npy')
  cfg.model.name = 'spiral_gan:FAMILY'
  cfg.model.width = 64
  cfg.model.blocks = 2
  cfg.terms = 'mode_seeking'
  cfg.eval.metrics = 'coverage'
  cfg.hparams.update(lr_g=1e-3, lr_d=1e-3, ema_decay=0.99)
  cfg.train.update(num_steps=3000, chunk_steps=500, eval_samples=1000)
  cfg.search.update(objective='coverage', transform='none', num_trials=16,
                    population=8, initial_points=8)
  cfg.search.space.update(lr_g='log:1e-4:1e-2', lr_d='log:1e-4:1e-2',
                          mode_seeking='log:1e-3:1', r1_gamma='log:0.01:1',
                          b1='', b2='', loss='')
  return cfg
