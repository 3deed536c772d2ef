"""What every preset shares: a search narrowed around the preset's own
values, and the data and networks it trains.

Most presets copy their paper's loss, normalisation, regulariser and
optimiser settings, not its architecture: on the 8x8 digits the nets are
jaxgan's ``dcgan`` family (two resolution stages) (:func:`digits_dcgan`).
SNGAN's and cGAN-PD's presets are the whole recipe as Mimicry trains it,
networks included (:func:`mimicry_resnets`). A preset's values are the
search's baseline trial (``search.baseline``, on by default), and
``search.space`` ranges over a factor of 3 around them
(:func:`jaxgan.search.space.centred`).
"""

from jaxgan import config
from jaxgan.search import space

# What a preset's search varies around its values.
CENTRED = ('lr_g', 'lr_d', 'b1', 'b2')


def digits_dcgan():
  """The digits with the dcgan family, every searched range cleared."""
  cfg = config.get_config()
  cfg.data.name = 'digits'
  cfg.model.update(name='dcgan', width=64, depth=2, latent_dim=32)
  cfg.train.update(batch_size=64, num_steps=5000, chunk_steps=1000,
                   eval_samples=500)
  cfg.search.update(objective='fid', num_trials=16, population=8)
  for name in cfg.search.space:
    if isinstance(cfg.search.space[name], str):
      cfg.search.space[name] = ''
  return cfg


def mimicry_resnets(name: str):
  """Mimicry's training of SNGAN's 32×32 ResNets (``model.name`` ``name``:
  ``'sngan'`` or ``'cgan_pd'``) on CIFAR-10: Mimicry's widths, the hinge
  loss, n_dis 5, Adam 2e-4 with β = (0, 0.9), linear decay over 100k G
  steps, batch 64, no penalty, no weight average."""
  cfg = config.get_config()
  cfg.data.name = 'cifar10'
  cfg.model.update(name=name, g_width=256, d_width=128, d_norm='spectral',
                   latent_dim=128)
  cfg.penalty = 'none'
  cfg.optim.schedule = 'linear'
  cfg.train.update(batch_size=64, n_disc=5, num_steps=100_000,
                   chunk_steps=5000, eval_samples=10_000)
  cfg.hparams.update(loss='hinge', hinge_margin=1.0, lr_g=2e-4, lr_d=2e-4,
                     b1_g=0.0, b1_d=0.0, b2_g=0.9, b2_d=0.9, ema_decay=0.0)
  cfg.search.update(objective='fid', num_trials=16)
  for field in cfg.search.space:
    if isinstance(cfg.search.space[field], str):
      cfg.search.space[field] = ''
  return cfg


def centre_search(cfg, names=CENTRED):
  """``cfg`` with its search narrowed around its values of ``names``."""
  cfg.search.space.update(space.centred(cfg, names))
  return cfg
