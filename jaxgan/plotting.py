"""Pictures of samples: scatter plots for 2-D data, grids for images."""

import numpy as np


def _figure(size):
  import matplotlib
  matplotlib.use('Agg')
  import matplotlib.pyplot as plt
  return plt, plt.figure(figsize=size)


def scatter_png(path: str, samples: np.ndarray, modes: np.ndarray,
                title: str = '', label: str = 'modes') -> None:
  """Saves generated points (blue) against the true modes, or held-out
  points, (red), in their first two coordinates."""
  plt, fig = _figure((5, 5))
  ax = fig.add_subplot()
  ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.5, label='generated')
  ax.scatter(modes[:, 0], modes[:, 1], s=18 if label == 'modes' else 3,
             c='red', marker='x' if label == 'modes' else 'o', label=label)
  span = np.abs(modes).max() * 1.5
  ax.set(xlim=(-span, span), ylim=(-span, span), aspect='equal', title=title)
  ax.legend(loc='upper right', fontsize=8)
  fig.savefig(path, dpi=100, bbox_inches='tight')
  plt.close(fig)


def image_grid(images: np.ndarray, cols: int = 8, pad: int = 1) -> np.ndarray:
  """Tiles NHWC images in [0, 1] into one array, ``pad`` white pixels apart."""
  n, h, w, c = images.shape
  rows = -(-n // cols)
  grid = np.ones((rows * (h + pad) - pad, cols * (w + pad) - pad, c),
                 images.dtype)
  for i, img in enumerate(images):
    r, k = divmod(i, cols)
    top, left = r * (h + pad), k * (w + pad)
    grid[top:top + h, left:left + w] = img
  return grid


def image_grid_png(path: str, images: np.ndarray, title: str = '',
                   count: int = 64, cols: int = 8) -> None:
  """Saves the first ``count`` NHWC images in [0, 1] as a grid of ``cols``
  columns."""
  grid = image_grid(images[:count], cols)
  plt, fig = _figure((5, 5))
  ax = fig.add_subplot()
  ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap='gray',
            vmin=0, vmax=1)
  ax.set_axis_off()
  ax.set_title(title)
  fig.savefig(path, dpi=100, bbox_inches='tight')
  plt.close(fig)


def curves_png(path: str, series: dict[str, list[tuple]], xlabel: str,
               ylabel: str, title: str = '') -> None:
  """Saves one median line per name, shaded between the lowest and highest
  of its runs; each run is ``(x, y)``, a step function of x."""
  plt, fig = _figure((7, 4.5))
  ax = fig.add_subplot()
  for name, runs in series.items():
    xs = np.unique(np.concatenate([np.asarray(x) for x, _ in runs]))
    ys = np.array([[_step_at(x, y, at) for at in xs] for x, y in runs])
    line, = ax.plot(xs, np.median(ys, axis=0), label=name,
                    drawstyle='steps-post')
    ax.fill_between(xs, ys.min(axis=0), ys.max(axis=0), alpha=0.15,
                    color=line.get_color(), step='post')
  ax.set(xlabel=xlabel, ylabel=ylabel, title=title, yscale='log')
  ax.legend(fontsize=8)
  fig.savefig(path, dpi=100, bbox_inches='tight')
  plt.close(fig)


def _step_at(x, y, at) -> float:
  """The last ``y`` whose ``x`` is at most ``at`` (NaN before the first)."""
  i = np.searchsorted(np.asarray(x), at, side='right') - 1
  return float(y[i]) if i >= 0 else np.nan
