"""A pod-sized search: DCGAN on the digits, 256 trials, 64 members a round.

64 members split over every chip of the pod (16 on a v4-32; the population
must be a multiple of the chip count), each member's batch on one chip. The
digits are bundled with scikit-learn, so the workers need no dataset
download; for CIFAR-10 set ``--config.data.name=cifar10
--config.data.download=True`` (the workers have network access).

  experiments/tpu_pod/launch.sh all          # see experiments/tpu_pod/README.md
  jaxgan tune --config=experiments/tpu_pod/config.py --workdir=W   # anywhere
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'digits'
  cfg.model.update(name='dcgan', width=64, depth=2, latent_dim=32)
  cfg.hparams.update(lr_g=2e-4, lr_d=2e-4, b1_g=0.5, b1_d=0.5, b2_g=0.999,
                     b2_d=0.999, r1_gamma=0.1)
  cfg.train.update(batch_size=64, num_steps=20000, chunk_steps=2000,
                   eval_samples=1000)
  cfg.search.update(objective='fid', num_trials=256, population=64,
                    initial_points=64)
  cfg.search.space.update(lr_g='log:1e-5:1e-2', lr_d='log:1e-5:1e-2',
                          b1='uniform:0:0.9', b2='uniform:0.9:0.999',
                          r1_gamma='log:0.01:10',
                          loss='choice:non_saturating,hinge,least_squares')
  return cfg
