"""SNGAN (Miyato et al. 2018, "Spectral Normalization for Generative
Adversarial Networks"): spectral norm in every layer of D, the hinge loss,
one D step per G step with Adam lr 2e-4, β1 = 0.5, β2 = 0.999 (the
paper's setting C of Table 1); batch norm in G; no penalty and no weight
average.

  jaxgan tune --config=experiments/configs/presets/sngan.py --workdir=W
"""

from preset_base import centre_search, digits_dcgan


def get_config():
  cfg = digits_dcgan()
  cfg.model.update(g_norm='batch', d_norm='spectral')
  cfg.penalty = 'none'
  cfg.hparams.update(loss='hinge', hinge_margin=1.0, lr_g=2e-4, lr_d=2e-4,
                     b1_g=0.5, b1_d=0.5, b2_g=0.999, b2_d=0.999,
                     ema_decay=0.0)
  return centre_search(cfg)
