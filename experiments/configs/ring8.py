"""ring-8: 8 Gaussians on the unit circle, std 0.01, MLP G and D.

The grid-25 recipe; the modes are five times tighter relative to their
spacing, so D's penalty is lighter, and the search looks for R1's γ a decade
lower.

  jaxgan tune --config=experiments/configs/ring8.py --workdir=W
  jaxgan train --config=experiments/configs/ring8.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'ring8'
  cfg.hparams.r1_gamma = 0.01
  cfg.search.space.r1_gamma = 'log:0.001:0.1'
  return cfg
