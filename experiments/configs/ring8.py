"""ring-8: 8 Gaussians on the unit circle, std 0.01, MLP G and D.

The grid-25 recipe; the modes are five times tighter relative to their
spacing, so D's penalty is lighter.

  jaxgan train --config=experiments/configs/ring8.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'ring8'
  cfg.hparams.r1_gamma = 0.01
  return cfg
