"""grid-25: 25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05, MLP G and D.

These are jaxgan's defaults (see ``jaxgan.config.get_config``): the
non-saturating loss + R1 (γ = 0.1), Adam lr 5e-3, β = (0.5, 0.9), a generator
EMA of 0.999, 10k steps of batch 128, width 64; the search space covers the
learning rates, β1, β2, the loss family and R1's γ.

  jaxgan tune --config=experiments/configs/grid25.py --workdir=W
  jaxgan train --config=experiments/configs/grid25.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'grid25'
  return cfg
