"""The loss family at tuned settings: non-saturating, hinge, least squares
(each with the tuned R1 penalty) and Wasserstein with a gradient penalty.

Lucic et al. (2018) found that, tuned, the losses end up close to each
other. The first three share the tuned grid-25 defaults; WGAN-GP uses its
own recipe (5 D steps, β1 0, β2 0.9) with the best λ of gp_weight.py's
sweep on grid-25 (1, where the paper's image setting is 10), and trains as
a separate program.

  python experiments/ablations/losses.py --out=DIR [--smoke] [--seeds=3]
"""

from jaxgan import config

import common

LOSSES = ('non_saturating', 'hinge', 'least_squares', 'wasserstein')
WGAN_GP = {'loss': 'wasserstein', 'penalty': 'gp', 'train.n_disc': 5,
           'gp_weight': 1.0, 'lr_g': 1e-3, 'lr_d': 1e-3, 'b1_g': 0.0,
           'b1_d': 0.0}


def main(argv=None):
  args = common.flags(__doc__.split('\n')[0], argv)
  return common.sweep(
      'losses', config.get_config(), LOSSES,
      lambda loss: WGAN_GP if loss == 'wasserstein' else dict(loss=loss),
      args, label='loss')


if __name__ == '__main__':
  main()
