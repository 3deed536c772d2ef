"""WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"),
Algorithm 1: the Wasserstein critic loss with a gradient penalty of weight
λ = 10, 5 critic steps per generator step, Adam with lr 1e-4, β1 = 0,
β2 = 0.9; no batch norm in the critic (batch norm in G); no weight average.

  jaxgan tune --config=experiments/configs/presets/wgan_gp.py --workdir=W
"""

from preset_base import centre_search, digits_dcgan


def get_config():
  cfg = digits_dcgan()
  cfg.model.update(g_norm='batch', d_norm='none')
  cfg.penalty = 'gp'
  cfg.train.n_disc = 5
  cfg.hparams.update(loss='wasserstein', gp_weight=10.0, lr_g=1e-4,
                     lr_d=1e-4, b1_g=0.0, b1_d=0.0, b2_g=0.9, b2_d=0.9,
                     ema_decay=0.0)
  return centre_search(cfg, ('lr_g', 'lr_d', 'b1', 'b2', 'gp_weight'))
