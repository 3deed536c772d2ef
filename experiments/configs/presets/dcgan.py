"""DCGAN (Radford, Metz & Chintala 2016, "Unsupervised Representation
Learning with Deep Convolutional Generative Adversarial Networks"), section
4: Adam with lr 2e-4 and β1 = 0.5, batch 128, batch norm in G and D,
ReLU in G and LeakyReLU (0.2) in D, the non-saturating loss; no penalty and
no weight average.

  jaxgan tune --config=experiments/configs/presets/dcgan.py --workdir=W
"""

from preset_base import centre_search, digits_dcgan


def get_config():
  cfg = digits_dcgan()
  cfg.model.update(g_norm='batch', d_norm='batch', g_activation='relu',
                   d_activation='leaky_relu')
  cfg.penalty = 'none'
  cfg.train.batch_size = 128
  cfg.hparams.update(loss='non_saturating', lr_g=2e-4, lr_d=2e-4, b1_g=0.5,
                     b1_d=0.5, b2_g=0.999, b2_d=0.999, ema_decay=0.0)
  return centre_search(cfg)
