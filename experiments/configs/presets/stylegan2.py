"""StyleGAN2's training recipe (Karras et al. 2020, "Analyzing and
Improving the Image Quality of StyleGAN"), without its architecture: the
non-saturating loss with an R1 penalty on D, a generator weight average
(EMA with a half-life of 10,000 images: decay 0.5^(64 / 10,000) at batch
64), Adam with lr 2e-3, β1 = 0, β2 = 0.99; no normalisation layers. The
paper sets R1's γ by resolution (10 at 1024x1024, down to 0.01 at small
ones); 8x8 digits take the low end.

  jaxgan tune --config=experiments/configs/presets/stylegan2.py --workdir=W
"""

from preset_base import centre_search, digits_dcgan


def get_config():
  cfg = digits_dcgan()
  cfg.model.update(g_norm='none', d_norm='none')
  cfg.penalty = 'r1'
  cfg.hparams.update(loss='non_saturating', r1_gamma=0.01, lr_g=2e-3,
                     lr_d=2e-3, b1_g=0.0, b1_d=0.0, b2_g=0.99, b2_d=0.99,
                     ema_decay=round(0.5 ** (64 / 10_000), 5))
  return centre_search(cfg, ('lr_g', 'lr_d', 'b1', 'b2', 'r1_gamma',
                             'ema_decay'))
