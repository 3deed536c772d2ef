"""jaxgan: tune GAN hyperparameters with vectorised populations in JAX.

The pieces, from config to results:

  >>> import jaxgan
  >>> cfg = jaxgan.get_config()                 # static + dynamic settings
  >>> fns = jaxgan.make_train(cfg)              # pure init / train_chunk
  >>> hp = jaxgan.hparams_from_config(cfg)      # dynamic hyperparameters
  >>> jaxgan.train_one(cfg, '/tmp/run')         # one GAN, end to end
  >>> jaxgan.tune(cfg, '/tmp/search')           # the search of cfg.search
  >>> jaxgan.evaluate_best('/tmp/search')       # its best, as papers measure

A researcher's own GAN goes in through the ``register_*`` functions below
(one per family, :mod:`jaxgan.registry`), ``data.name='array:PATH'`` /
``'folder:DIR'`` / :func:`from_arrays`, and import paths
``'pkg.module:Name'`` in config fields; the README's "Bring your own GAN"
shows each.
"""

from jaxgan.config import get_config, hparams_from_config, load
from jaxgan.validation import validate
from jaxgan.data import (DATASETS, Dataset, from_arrays, make_dataset,
                         register_dataset)
from jaxgan.evaluate import evaluate_best
from jaxgan.hparams import HPARAMS, HParam, register_hparam
from jaxgan.losses import LOSSES, gan_loss, register_loss
from jaxgan.metrics import (FEATURE_NETS, METRICS, FeatureNet, make_metrics,
                            mixture_metrics, register_feature_net,
                            register_metric)
from jaxgan.models import MODELS, ModelFamily, make_models, register_model
from jaxgan.optim import (OPTIMIZERS, SCHEDULES, make_optimizer,
                          register_optimizer, register_schedule)
from jaxgan.penalties import PENALTIES, register_penalty
from jaxgan.run import train_one
from jaxgan.search import (METHODS, Output, SearchMethod, register_method,
                           register_tracker, tune)
from jaxgan.terms import (AUGMENTATIONS, LOSS_TERMS, TermInputs,
                          register_augmentation, register_loss_term)
from jaxgan import threefry
from jaxgan.train import (PROGRAMS, GANState, TrainFns, make_program,
                          make_train, register_program)
from jaxgan.cyclegan import CycleState, make_cyclegan

__version__ = '0.1.0'

# Before anything is compiled: the same random bits, faster (jaxgan.threefry).
threefry.use_unrolled_on_cpu()
