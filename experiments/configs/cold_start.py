"""grid-25 from a generic starting point: the recipe a newcomer would write.

The DCGAN paper's Adam (lr 2e-4 for G and D, β = (0.5, 0.999)), no generator
EMA, an R1 weight of 1e-3, and no baseline trial: the search starts from
nothing it was told works. The space is wide: lr 1e-5..1e-2 for G and D, β1
0..0.9, β2 0.9..0.999, R1 γ 1e-3..10, EMA decay 0..0.9999, and the loss
family. The learning rates and γ are drawn on a log scale and the EMA decay
on the scale of its horizon 1 / (1 - decay) (a ``rate`` range: as many draws
in 0.99..0.999 as in 0.9..0.99), each over its whole range. The search trains
every setting with 2 seeds and is told their mean, for 450 seconds of rounds,
then confirms its top 2 settings with fresh seeds: the whole command takes
under 10 minutes on 2 CPU cores. jaxgan's
own defaults (``experiments/configs/grid25.py``) are the hand-tuned answer
the search should find, or beat.

  jaxgan tune --config=experiments/configs/cold_start.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.data.name = 'grid25'
  cfg.hparams.update(lr_g=2e-4, lr_d=2e-4, b1_g=0.5, b1_d=0.5, b2_g=0.999,
                     b2_d=0.999, ema_decay=0.0, r1_gamma=1e-3)
  # Rounds of 8 trials (4 settings × 2 seeds), as its measurements in
  # BUILD_NOTES.md were made; search.population='auto' would train one
  # setting's 2 seeds a round on 2 cores.
  cfg.search.update(baseline=False, num_trials=10_000, budget='seconds:450',
                    seeds=2, population=8)
  cfg.search.space.update(
      lr_g='log:1e-5:1e-2', lr_d='log:1e-5:1e-2', b1='uniform:0:0.9',
      b2='uniform:0.9:0.999', r1_gamma='log:1e-3:10',
      ema_decay='rate:0:0.9999',
      loss='choice:non_saturating,hinge,least_squares')
  return cfg
