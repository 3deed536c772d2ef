"""Adam's β1: does less momentum make GAN training steadier?

Radford et al. (2016) lowered β1 from 0.9 to 0.5 for DCGAN, and the
WGAN-GP and StyleGAN lines go to 0. This trains β1 = 0, 0.5 and 0.9 (G and
D alike) on grid-25 with the tuned defaults otherwise.

  python experiments/ablations/adam_beta1.py --out=DIR [--smoke] [--seeds=3]
"""

from jaxgan import config

import common

BETA1 = (0.0, 0.5, 0.9)


def main(argv=None):
  args = common.flags(__doc__.split('\n')[0], argv)
  return common.sweep('adam_beta1', config.get_config(), BETA1,
                      lambda b: dict(b1_g=b, b1_d=b), args, label='β1')


if __name__ == '__main__':
  main()
