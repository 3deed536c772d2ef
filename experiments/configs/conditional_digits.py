"""A class-conditional GAN on the digits: G takes the label's one-hot
beside z, D conditions by projection (Miyato & Koyama 2018), both MLPs on
the 64 pixels as in ``digits.py``. The search minimises intra-class FID in
the digits classifier's feature space, and reports classification accuracy
of the samples for the label they were asked for and per-class recall
(``jaxgan.metrics.conditional``).

  jaxgan tune --config=experiments/configs/conditional_digits.py --workdir=W
  python experiments/conditional_report.py --workdir=W   # class by class
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'digits'
  cfg.model.update(name='cond_mlp', width=256, depth=2, latent_dim=32)
  cfg.hparams.update(lr_g=1e-3, lr_d=1e-3, b2_g=0.999, b2_d=0.999,
                     r1_gamma=0.1)
  cfg.train.update(batch_size=64, num_steps=5000, chunk_steps=1000,
                   eval_samples=500)
  cfg.search.update(objective='intra_fid', num_trials=24, population=8)
  cfg.search.space.update(lr_g='log:1e-4:1e-2', lr_d='log:1e-4:1e-2',
                          r1_gamma='log:0.01:10')
  return cfg
