"""TTUR: does a discriminator that learns faster than the generator help?

Heusel et al. (2017) train D with a larger learning rate than G (the
two time-scale update rule). This sweeps lr_d / lr_g from 1/4 to 8 with
lr_g fixed at 1e-3, on grid-25 with the tuned defaults otherwise.

  python experiments/ablations/ttur.py --out=DIR [--smoke] [--seeds=3]
"""

from jaxgan import config

import common

LR_G = 1e-3
RATIOS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


def main(argv=None):
  args = common.flags(__doc__.split('\n')[0], argv)
  return common.sweep(
      'ttur', config.get_config(), RATIOS,
      lambda r: dict(lr_g=LR_G, lr_d=r * LR_G), args,
      label='lr_d / lr_g', log_x=True)


if __name__ == '__main__':
  main()
