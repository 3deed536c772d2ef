"""Batch size: larger batches at the same number of steps and learning rate.

Brock et al. (2019) found large batches help GANs (with more samples seen
per step). This trains batch sizes 32 to 512 for the same number of steps,
on grid-25 with the tuned defaults otherwise; each size is its own compiled
program.

  python experiments/ablations/batch_size.py --out=DIR [--smoke] [--seeds=3]
"""

from jaxgan import config

import common

SIZES = (32, 64, 128, 256, 512)


def main(argv=None):
  args = common.flags(__doc__.split('\n')[0], argv)
  return common.sweep('batch_size', config.get_config(), SIZES,
                      lambda b: {'train.batch_size': b}, args,
                      label='batch size', log_x=True)


if __name__ == '__main__':
  main()
