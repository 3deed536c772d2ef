"""grid-25: 25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05, MLP G and D.

These are jaxgan's defaults (see ``jaxgan.config.get_config``): the
non-saturating loss + R1 (γ = 0.1), Adam lr 1e-3, β = (0.5, 0.9), a generator
EMA of 0.999, 16k steps of batch 256.

  jaxgan train --config=experiments/configs/grid25.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'grid25'
  return cfg
