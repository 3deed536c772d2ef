"""cGAN-PD (Miyato & Koyama 2018, "cGANs with Projection Discriminator")
as Mimicry reproduces it (Lee & Town 2020), the whole recipe: SNGAN's
32×32 ResNets with conditional batch norm in G and the projection
discriminator (``model.name='cgan_pd'``, G 256 channels, D 128), and
SNGAN's training (:mod:`sngan`: hinge loss, 5 D steps per G step, Adam
2e-4 with β = (0, 0.9), linear decay over 100k G steps, batch 64) on
CIFAR-10's classes. Mimicry's FID for it is 10.84 (README, "Presets").

  jaxgan tune --config=experiments/configs/presets/cgan_pd.py --workdir=W
"""

from preset_base import centre_search, mimicry_resnets


def get_config():
  return centre_search(mimicry_resnets('cgan_pd'))
