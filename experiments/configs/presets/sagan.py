"""SAGAN (Zhang et al. 2019, "Self-Attention Generative Adversarial
Networks"), section 5, as BigGAN (Brock et al. 2019) also trains: a
self-attention block in G and D (here at 4x4, the inner stage of 8x8
digits), spectral norm in both networks, the hinge loss, the two
time-scale update rule with lr_d = 4e-4 and lr_g = 1e-4, Adam β = (0,
0.9); no penalty and no weight average.

  jaxgan tune --config=experiments/configs/presets/sagan.py --workdir=W
"""

from preset_base import centre_search, digits_dcgan


def get_config():
  cfg = digits_dcgan()
  cfg.model.update(g_norm='spectral', d_norm='spectral', attention=4)
  cfg.penalty = 'none'
  cfg.hparams.update(loss='hinge', hinge_margin=1.0, lr_g=1e-4, lr_d=4e-4,
                     b1_g=0.0, b1_d=0.0, b2_g=0.9, b2_d=0.9, ema_decay=0.0)
  return centre_search(cfg)
