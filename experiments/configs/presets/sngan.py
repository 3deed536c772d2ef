"""SNGAN (Miyato et al. 2018, "Spectral Normalization for Generative
Adversarial Networks") as Mimicry reproduces it (Lee & Town 2020), the
whole recipe: its 32×32 ResNets (``model.name='sngan'``, G 256 channels,
D 128, spectral norm in every layer of D, batch norm in G), the hinge
loss, 5 D steps per G step, Adam lr 2e-4 with β = (0, 0.9) for both
networks, the learning rates decayed linearly to 0 over 100k G steps,
batch 64, no penalty and no weight average, on CIFAR-10 (through
tensorflow-datasets). Mimicry's FID for it is 16.77 (50k samples, TF
Inception, against the training split; README, "Presets").

  jaxgan tune --config=experiments/configs/presets/sngan.py --workdir=W
  # offline, on the 32x32 digits at a width a CPU trains:
  jaxgan tune --config=experiments/configs/presets/sngan.py --workdir=W \
      --config.data.name=digits32 --config.model.g_width=32 \
      --config.model.d_width=32
"""

from preset_base import centre_search, mimicry_resnets


def get_config():
  return centre_search(mimicry_resnets('sngan'))
