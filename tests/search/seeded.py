"""A search method written outside jaxgan as one ``SearchMethod``, and a
config file that registers it (``jaxgan --config=tests/search/seeded.py``).
"""

import numpy as np

import jaxgan
from jaxgan import config


class Seeded:
  """Point ``i`` from a generator seeded ``[7, i]``: an ask/tell method
  written against the public API, whose points a test can list."""

  def __init__(self, space, search_cfg):
    del search_cfg
    self.space, self.told = space, 0

  def ask(self, n):
    return [self.space.sample(np.random.default_rng([7, self.told + i]))
            for i in range(n)]

  def tell(self, points, values):
    del values
    self.told += len(points)


SUMMARY = 'points from a generator seeded by how many were told'
METHOD = jaxgan.SearchMethod.ask_tell(Seeded, SUMMARY, warm=True)


def register() -> None:
  jaxgan.register_method('seeded', METHOD, replace=True)


def get_config():
  register()
  cfg = config.get_config()
  cfg.search.method = 'seeded'
  return cfg
