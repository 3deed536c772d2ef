"""InfoGAN on the digits (Chen et al. 2016, section 7.1): one categorical
code of 10 values and 2 continuous codes uniform in [-1, 1] beside z, Q's
heads sharing D's trunk, the mutual-information weight λ_info searched.
The labels are never shown to the GAN: the search maximises how well the
categorical code decides the digit the classifier reads
(``code_nmi``, normalised mutual information).

  jaxgan tune --config=experiments/configs/infogan_digits.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'digits'
  cfg.model.update(name='info_mlp', width=256, depth=2, latent_dim=32,
                   categories=10, code_dim=2)
  cfg.terms = 'info'
  cfg.hparams.update(lr_g=1e-3, lr_d=2e-4, b1_g=0.5, b1_d=0.5, b2_g=0.999,
                     b2_d=0.999, r1_gamma=0.1, info_weight=1.0)
  cfg.train.update(batch_size=64, num_steps=5000, chunk_steps=1000,
                   eval_samples=500)
  cfg.search.update(objective='code_nmi', transform='none', num_trials=24,
                    population=8)
  cfg.search.space.update(lr_g='log:1e-4:1e-2', lr_d='log:1e-4:1e-2',
                          r1_gamma='log:0.01:10', info_weight='log:0.1:10',
                          loss='')
  return cfg
