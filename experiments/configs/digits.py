"""sklearn's 8x8 digits (bundled, offline), judged by FID in the feature space
of a classifier trained on the digits' own training split.

The G and D are MLPs on the flattened 64 pixels (the MLP GAN of Goodfellow
et al. 2014): on a 2-core CPU they train about 50 times faster than the
DCGAN-style conv nets (``--config.model.name=dcgan``), which is what lets a
40-trial search finish in minutes (BUILD_NOTES.md has the measurements).
The non-saturating loss with a light R1 penalty, Adam β1 = 0.5, and a
generator EMA.

  jaxgan train --config=experiments/configs/digits.py --workdir=W
  jaxgan tune --config=experiments/configs/digits.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'digits'
  cfg.model.update(name='mlp', width=256, depth=2, latent_dim=32)
  cfg.hparams.update(lr_g=1e-3, lr_d=1e-3, b2_g=0.999, b2_d=0.999,
                     r1_gamma=0.1)
  cfg.train.update(batch_size=64, num_steps=5000, chunk_steps=1000,
                   eval_samples=1000)
  cfg.search.update(objective='fid', num_trials=40, population=8)
  cfg.search.space.update(lr_g='log:1e-4:1e-2', lr_d='log:1e-4:1e-2',
                          r1_gamma='log:0.01:10')
  return cfg
