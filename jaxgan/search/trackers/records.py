"""What every tracker writes, computed once: a chunk's scalars per member,
a trial's best metrics and hyperparameters, and pictures of samples."""

import importlib
from types import ModuleType

import numpy as np

from jaxgan import data, plotting
from jaxgan.search import members
from jaxgan.search.history import CURVES
from jaxgan.search.trial import Trial

# Pixels per side of the 2-D density pictures.
DENSITY_PIXELS = 96


def density_picture(points: np.ndarray, modes: np.ndarray,
                    pixels: int = DENSITY_PIXELS) -> np.ndarray:
  """2-D samples as an RGB uint8 picture: their density in grey (darker is
  denser), the true modes as red dots, on the square of half-width 1.5 x
  the farthest mode."""
  span = 1.5 * float(np.abs(modes).max())
  edges = np.linspace(-span, span, pixels + 1)
  finite = points[np.all(np.isfinite(points), axis=1)]
  counts, _, _ = np.histogram2d(finite[:, 1], finite[:, 0], (edges, edges))
  counts = np.log1p(counts[::-1])
  shade = 1.0 - counts / max(counts.max(), 1e-12)
  picture = np.repeat((shade * 255).astype(np.uint8)[..., None], 3, axis=-1)
  cells = np.clip(np.floor((modes + span) / (2 * span) * pixels).astype(int),
                  0, pixels - 1)
  rows, cols = pixels - 1 - cells[:, 1], cells[:, 0]
  picture[rows, cols] = (220, 30, 30)
  return picture


def picture(samples: np.ndarray, modes: np.ndarray | None) -> np.ndarray:
  """One member's samples as a picture: a grid of images (generator outputs
  in [-1, 1]) or, given the mixture's ``modes``, a density picture."""
  if modes is not None:
    return density_picture(samples, modes)
  grid = plotting.image_grid(np.clip((samples + 1.0) / 2.0, 0.0, 1.0))
  return (grid * 255).round().astype(np.uint8)


def members_of(chunk: members.Chunk, pictures: bool = True):
  """Each member of ``chunk``, as ``(trial id, its scalars (:func:`scalars`),
  its samples as a picture (:func:`picture`), or None without
  ``pictures``)."""
  modes = None
  if pictures:
    dataset = data.for_config(chunk.cfg)
    found = data.landmarks(dataset)
    modes = None if found is None else found[0]
  for j, trial_id in enumerate(chunk.ids):
    yield (int(trial_id), scalars(chunk, j),
           picture(chunk.samples[j], modes) if pictures else None)


def scalars(chunk: members.Chunk, j: int) -> list[tuple[int, dict]]:
  """Member ``j``'s scalars in ``chunk``, as ``(step, {tag: value})``:
  ``train/*`` at every window of the curves, ``eval/*`` at the chunk's
  end."""
  out = [(int(step), {f'train/{k}': float(chunk.curves[k][j, t])
                      for k in CURVES})
         for t, step in enumerate(chunk.curves['step'])]
  out.append((chunk.steps, {f'eval/{k}': float(v[j])
                            for k, v in chunk.quality.items()}))
  return out


def best(record: Trial) -> dict:
  """A trial's ``best/*`` scalars: its best evaluation and objective."""
  out = {f'best/{k}': v for k, v in record.metrics.items()}
  if record.objective is not None:
    out['best/objective'] = record.objective
  return out


def hparams_of(record: Trial) -> dict:
  """A trial's hyperparameters and static settings, flat."""
  return {**record.hparams, **record.bucket}


# The package each optional tracker imports, and what it is called.
PACKAGES = {'mlflow': ('mlflow', 'MLflow'),
            'wandb': ('wandb', 'Weights & Biases')}


def require(tracker: str) -> ModuleType:
  """Imports the package of ``--tracker=tracker`` (:data:`PACKAGES`), or
  raises ValueError naming the extra (``jaxgan[tracker]``) that installs
  it."""
  module, what = PACKAGES[tracker]
  try:
    return importlib.import_module(module)
  except ImportError:
    raise ValueError(f'--tracker={tracker} needs {what}: pip install '
                     f"'jaxgan[{tracker}]'") from None
