"""What every preset shares: the digits, DCGAN-style conv nets sized for
8x8 images, and a search narrowed around the preset's own values.

A preset copies its paper's loss, normalisation, regulariser and optimiser
settings, not its architecture: at 8x8 the nets are jaxgan's ``dcgan``
family (two resolution stages). Its values are the search's baseline trial
(``search.baseline``, on by default), and ``search.space`` ranges over a
factor of 3 around them (:func:`jaxgan.search.space.centred`).
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


def centre_search(cfg, names=CENTRED):
  """``cfg`` with its search narrowed around its values of ``names``."""
  cfg.search.space.update(space.centred(cfg, names))
  return cfg
