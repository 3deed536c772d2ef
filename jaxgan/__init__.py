"""jaxgan: tune GAN hyperparameters with vectorised populations in JAX.

The pieces, from config to results:

  >>> import jaxgan
  >>> cfg = jaxgan.get_config()                 # static + dynamic settings
  >>> fns = jaxgan.make_train(cfg)              # pure init / train_chunk
  >>> hp = jaxgan.hparams_from_config(cfg)      # dynamic hyperparameters
  >>> jaxgan.train_one(cfg, '/tmp/run')         # one GAN, end to end
  >>> jaxgan.tune(cfg, '/tmp/search')           # the search of cfg.search
  >>> jaxgan.evaluate_best('/tmp/search')       # its best, as papers measure
"""

from jaxgan.config import (DYNAMIC, get_config, hparams_from_config, load,
                           validate)
from jaxgan.data import DATASETS, Dataset, make_dataset
from jaxgan.evaluate import evaluate_best
from jaxgan.losses import LOSSES, gan_loss
from jaxgan.metrics import (FEATURE_NETS, FeatureNet, make_metrics,
                            mixture_metrics, register_feature_net)
from jaxgan.models import MODELS, make_models
from jaxgan.optim import OPTIMIZERS, make_optimizer
from jaxgan.penalties import PENALTIES
from jaxgan.run import train_one
from jaxgan.search import tune
from jaxgan import threefry
from jaxgan.train import GANState, TrainFns, make_train

__version__ = '0.1.0'

# Before anything is compiled: the same random bits, faster (jaxgan.threefry).
threefry.use_unrolled_on_cpu()
