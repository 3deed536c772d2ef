"""CycleGAN between the digits and the same digits turned by 30 degrees and
thickened (``digits_turned``), unpaired: two residual MLP translators and
two MLP discriminators on the 64 pixels (the conv translators,
``--config.model.name=dcgan``, train about 30 times slower on a CPU), the
least-squares loss and Adam lr 2e-4, β1 = 0.5 of Zhu et al. 2017, λ_cyc =
10 and λ_id = 5.
The search maximises ``class_accuracy``: the fraction of held-out digits
whose translation the turned digits' classifier reads as the same digit
(chance: 10%).

  jaxgan tune --config=experiments/configs/cyclegan_digits.py --workdir=W
"""

from jaxgan import config


def get_config():
  cfg = config.get_config()
  cfg.program = 'cyclegan'
  cfg.data.update(source='digits', name='digits_turned')
  cfg.model.update(name='mlp', width=256, depth=2)
  cfg.hparams.update(loss='least_squares', lr_g=2e-4, lr_d=2e-4, b1_g=0.5,
                     b1_d=0.5, b2_g=0.999, b2_d=0.999, r1_gamma=0.1,
                     cycle_weight=10.0, identity_weight=5.0, ema_decay=0.99)
  cfg.train.update(batch_size=64, num_steps=6000, chunk_steps=1000,
                   eval_samples=500)
  cfg.search.update(objective='class_accuracy', transform='none',
                    num_trials=16, population=8)
  for name in cfg.search.space:
    if isinstance(cfg.search.space[name], str):
      cfg.search.space[name] = ''
  cfg.search.space.update(lr_g='log:1e-4:3e-3', lr_d='log:1e-4:3e-3',
                          cycle_weight='log:1:100',
                          identity_weight='log:0.1:30')
  return cfg
