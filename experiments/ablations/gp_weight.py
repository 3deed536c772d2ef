"""WGAN-GP's λ: how strongly to hold D's gradient norm at 1.

Gulrajani et al. (2017) use λ = 10 with the Wasserstein loss, 5 D steps per
G step and Adam(lr 1e-4, β1 0, β2 0.9). This sweeps λ from 0.1 to 100 with
those settings on grid-25 (lr 1e-3: 1e-4 needs far more steps than the
budget here).

  python experiments/ablations/gp_weight.py --out=DIR [--smoke] [--seeds=3]
"""

from jaxgan import config

import common

WEIGHTS = (0.1, 1.0, 10.0, 100.0)


def wgan_gp():
  """Grid-25 with the WGAN-GP recipe."""
  cfg = config.get_config()
  cfg.penalty = 'gp'
  cfg.train.n_disc = 5
  cfg.hparams.update(loss='wasserstein', lr_g=1e-3, lr_d=1e-3, b1_g=0.0,
                     b1_d=0.0, b2_g=0.9, b2_d=0.9)
  return cfg


def main(argv=None):
  args = common.flags(__doc__.split('\n')[0], argv)
  return common.sweep('gp_weight', wgan_gp(), WEIGHTS,
                      lambda w: dict(gp_weight=w), args, label='λGP',
                      log_x=True)


if __name__ == '__main__':
  main()
