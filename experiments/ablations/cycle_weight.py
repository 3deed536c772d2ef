"""CycleGAN's λ_cyc: does the cycle-consistency term make translations keep
their class?

Digits to turned-and-thickened digits (``experiments/configs/
cyclegan_digits.py`` at the setting its search chose, :data:`TUNED`), λ_cyc
from 0 (no cycle term: the translators only have to fool the
discriminators and stay near the identity through λ_id) to 20, several
seeds each; ``class_accuracy`` is
the fraction of held-out digits whose translation the turned digits'
classifier reads as the same digit (chance 10%, the untranslated digits
34%).

  python experiments/ablations/cycle_weight.py --out=DIR [--smoke] [--seeds=3]
"""

import os
import sys

import common

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'configs'))
import cyclegan_digits  # noqa: E402

WEIGHTS = (0.0, 0.5, 1.5, 5.0, 20.0)
METRICS = ('class_accuracy', 'fid', 'precision', 'recall')
# The best trial of `jaxgan tune --config=experiments/configs/
# cyclegan_digits.py` (search seed 0; BUILD_NOTES.md), at its best step.
TUNED = dict(lr_g=8.55e-4, lr_d=2.52e-3, identity_weight=5.49)
STEPS = 3000


def tuned():
  """The CycleGAN config at its tuned setting."""
  cfg = cyclegan_digits.get_config()
  cfg.hparams.update(TUNED)
  cfg.train.update(num_steps=STEPS, chunk_steps=STEPS // 3)
  return cfg


def main(argv=None):
  args = common.flags(__doc__.split('\n')[0], argv)
  return common.sweep('cycle_weight', tuned(), WEIGHTS,
                      lambda w: dict(cycle_weight=w), args, label='λ_cyc',
                      metrics=METRICS)


if __name__ == '__main__':
  main()
