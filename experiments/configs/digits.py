"""sklearn's 8x8 digits (bundled, offline) with DCGAN-style conv G and D.

DCGAN settings (Radford et al. 2016): batch norm in G, LeakyReLU 0.2 in D,
Adam β1 = 0.5; the non-saturating loss with a light R1 penalty on D.

  jaxgan train --config=experiments/configs/digits.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'digits'
  cfg.model.update(name='dcgan', width=64, depth=2, latent_dim=32,
                   g_norm='batch', d_norm='none')
  cfg.hparams.update(lr_g=2e-4, lr_d=2e-4, b2_g=0.999, b2_d=0.999,
                     r1_gamma=0.1)
  cfg.train.update(batch_size=64, num_steps=3000, chunk_steps=500)
  return cfg
