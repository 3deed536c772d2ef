"""Pictures of a search, drawn from its stored trials: convergence, the
objective's partial dependence and evaluations (scikit-optimize), parallel
coordinates of every trial, the importance of each hyperparameter, the
training curves of the best trials and the Pareto front. Each ``*_png``
function writes one PNG file.
"""

import warnings

import numpy as np
import skopt

from jaxgan import plotting
from jaxgan.search.methods import ask_tell
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# Trees, and shuffles per hyperparameter, of the importance estimate.
IMPORTANCE_TREES = 200
IMPORTANCE_REPEATS = 10
# Inches per hyperparameter of the partial dependence and evaluations
# matrices, and the most ticks on one of their numeric axes.
GRID_INCHES = 2.4
GRID_TICKS = 3
# Curves drawn in the best trials' curve figure.
CURVE_PANELS = (('d_loss', 'D loss'), ('g_loss', 'G loss'),
                ('d_grad_norm', 'D grad norm'), ('g_grad_norm', 'G grad norm'))


def _plt():
  import matplotlib
  matplotlib.use('Agg')
  import matplotlib.pyplot as plt
  return plt


def _tidy_grid(axes):
  """The figure of scikit-optimize's matrix of plots (``axes``: what its
  plot function returned), made legible: small tick labels, at most
  :data:`GRID_TICKS` numeric ticks per axis (choices keep theirs), and
  names in a smaller font."""
  from matplotlib import ticker
  fig = np.ravel(axes)[0].figure
  for ax in fig.axes:
    if not ax.axison:
      continue
    ax.tick_params(labelsize=7)
    for axis in (ax.xaxis, ax.yaxis):
      axis.label.set_fontsize(8)
      if isinstance(axis.get_major_formatter(), ticker.FuncFormatter):
        continue  # a choice's names, one per index
      if axis.get_scale() == 'log':
        axis.set_major_locator(ticker.LogLocator(numticks=GRID_TICKS))
        axis.set_minor_formatter(ticker.NullFormatter())
      else:
        axis.set_major_locator(ticker.MaxNLocator(GRID_TICKS, prune='both'))
  return fig


def _save(fig, path: str) -> None:
  fig.savefig(path, dpi=72)
  _plt().close(fig)


def round_seconds(trials: list[Trial]) -> dict[int, float]:
  """Seconds each round of the search took (trials of a round share it)."""
  return {t.round: t.seconds for t in trials}


def elapsed(trials: list[Trial]) -> list[float]:
  """Each trial's wall time since the search began: the seconds of its
  round and of every round before it."""
  seconds = round_seconds(trials)
  rounds = sorted(seconds)
  total = dict(zip(rounds, np.cumsum([seconds[r] for r in rounds])))
  return [float(total[t.round]) for t in trials]


def convergence_png(path: str, trials: list[Trial], objective: str,
                    baseline: frozenset = frozenset()) -> None:
  """Every trial's objective and the best so far, against trials stored
  and wall time. The trials in ``baseline`` (the config's own setting) are
  drawn as a dashed level and left out of the best-so-far line, which then
  shows what the search itself found. The value axis spans the trials'
  range without their worst tenth, so that a few failed trials do not
  flatten it."""
  sign = -1.0 if trials and trials[0].direction == 'max' else 1.0
  values = sign * np.asarray([t.value for t in trials])
  searched = np.asarray([t.id not in baseline for t in trials])
  best = sign * np.minimum.accumulate(
      np.where(searched, [t.value for t in trials], np.inf))
  finite = np.isfinite(values)
  plt = _plt()
  fig, axes = plt.subplots(1, 2, figsize=(11, 4))
  for ax, x, label in ((axes[0], np.arange(1, len(trials) + 1), 'trials'),
                       (axes[1], np.asarray(elapsed(trials)),
                        'wall time (s)')):
    ax.scatter(x[finite & searched], values[finite & searched], s=10,
               alpha=0.5, label='trial')
    shown = np.isfinite(best)
    ax.plot(x[shown], best[shown], drawstyle='steps-post', color='C3',
            label='best so far' + (' (searched)' if baseline else ''))
    level = values[finite & ~searched]
    if len(level):
      ax.axhline(float(np.mean(level)), color='0.3', ls='--', lw=1,
                 label='baseline')
    ax.set(xlabel=label, ylabel=objective, yscale=_scale(values[finite]))
    if finite.sum() >= 10:
      low, high = np.quantile(values[finite], [0.0, 0.9] if sign > 0
                              else [0.1, 1.0])
      if _scale(values[finite]) == 'log':
        ax.set_ylim(low / 1.2, high * 1.2)
      else:
        ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    ax.legend(fontsize=8)
  fig.suptitle('Convergence')
  fig.tight_layout()
  _save(fig, path)


def _scale(values: np.ndarray) -> str:
  return 'log' if len(values) and values.min() > 0 else 'linear'


def _observations(space: Space, trials: list[Trial], transform: str):
  """The points of the trials in the space, and their objectives as the GP
  models them (:func:`jaxgan.search.methods.ask_tell.modelled`)."""
  told = [t for t in trials if space.contains(t.setting)]
  points = [space.point(t.setting) for t in told]
  values = [t.value for t in told]
  return points, ask_tell.modelled(values, transform)


def fitted_result(space: Space, trials: list[Trial], transform: str):
  """A scikit-optimize result whose GP is fitted to every trial in the
  space (non-finite objectives ranked worst, ``log`` of the objective under
  ``transform='log'``, as the Bayesian search models it), or None when the
  trials are too few (fewer than ``dimensions + 2``) or all equal."""
  points, y = _observations(space, trials, transform)
  if len(points) < len(space.names) + 2 or len(set(y.tolist())) < 2:
    return None
  opt = skopt.Optimizer(space.skopt(), base_estimator='GP',
                        n_initial_points=1, random_state=0)
  with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    return opt.tell([space.surrogate(p) for p in points],
                    [float(v) for v in y])


# Behind the labels of the parallel coordinates, over the lines.
_LABEL_BOX = dict(facecolor='white', alpha=0.75, linewidth=0, pad=1)


def parallel_png(path: str, space: Space, trials: list[Trial],
                 objective: str) -> None:
  """Parallel coordinates: one vertical axis per hyperparameter (its
  range, log-uniform ones in log, a rate as ``1-NAME`` in log), one line
  per trial coloured by its
  objective (the best brightest); trials without a finite objective
  dashed grey."""
  plt = _plt()
  told = [t for t in trials if space.contains(t.setting)]
  x = _columns(space, [space.point(t.setting) for t in told])
  dims = skopt.space.Space(space.skopt()).dimensions
  values = np.asarray([t.metrics.get(objective, np.nan)
                       if t.objective is not None else np.nan for t in told])
  finite = np.isfinite(values)
  n = len(dims)
  fig, ax = plt.subplots(figsize=(max(6.0, 1.5 * n + 2.0), 4.2))
  flip = told and told[0].direction == 'max'
  cmap = plt.get_cmap('viridis' if flip else 'viridis_r')
  norm = plt.Normalize(*(np.nanquantile(values, [0.0, 1.0])
                         if finite.any() else (0.0, 1.0)))
  badness = np.where(finite, -values if flip else values, np.inf)
  for i in np.argsort(-badness):  # the failed and worst first, best on top
    if finite[i]:
      ax.plot(range(n), x[i], color=cmap(norm(values[i])), lw=1.2, alpha=0.8)
    else:
      ax.plot(range(n), x[i], color='0.6', lw=0.8, ls='--', alpha=0.6)
  for k, d in enumerate(dims):
    ax.axvline(k, color='0.2', lw=0.8)
    if isinstance(d, skopt.space.Categorical):
      for c, name in enumerate(d.categories):
        ax.text(k + 0.04, c / max(len(d.categories) - 1, 1), str(name),
                fontsize=7, va='center', ha='left', bbox=_LABEL_BOX)
    else:
      for end, y, va in ((d.low, 0.0, 'top'), (d.high, 1.0, 'bottom')):
        ax.text(k, y + (-0.03 if va == 'top' else 0.03), f'{end:.3g}',
                fontsize=7, ha='center', va=va, bbox=_LABEL_BOX)
  ax.set(xlim=(-0.3, n - 0.4), ylim=(-0.12, 1.12), yticks=[],
         xticks=range(n))
  ax.set_xticklabels([d.name for d in dims], rotation=20 if n > 5 else 0,
                     ha='right' if n > 5 else 'center', fontsize=9)
  for side in ('top', 'right', 'left'):
    ax.spines[side].set_visible(False)
  bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax,
                     pad=0.02)
  bar.set_label(objective)
  ax.set_title(f'Every trial in the space, coloured by {objective}')
  fig.tight_layout()
  _save(fig, path)


def partial_dependence_png(path: str, result, label: str) -> None:
  """:func:`skopt.plots.plot_objective`: the GP's partial dependence of the
  objective on each hyperparameter (diagonal) and pair (below). Its
  samples come from NumPy's global generator, seeded here (and restored
  after), so the figure depends only on the trials."""
  _plt()
  from skopt import plots
  state = np.random.get_state()
  np.random.seed(0)
  try:
    with warnings.catch_warnings():
      warnings.simplefilter('ignore')
      axes = plots.plot_objective(result, n_points=20, n_samples=100,
                                  size=GRID_INCHES, wspace=0.45, hspace=0.45)
  finally:
    np.random.set_state(state)
  fig = _tidy_grid(axes)
  fig.suptitle(f'Partial dependence of {label}')
  _save(fig, path)


def evaluations_png(path: str, result) -> None:
  """:func:`skopt.plots.plot_evaluations`: where the search sampled, in
  order (darker is earlier), with histograms of each hyperparameter."""
  _plt()
  from skopt import plots
  with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    axes = plots.plot_evaluations(result, size=GRID_INCHES, wspace=0.45,
                                  hspace=0.45)
  fig = _tidy_grid(axes)
  fig.suptitle('Evaluations')
  _save(fig, path)


def _columns(space: Space, points: list) -> np.ndarray:
  """One column per hyperparameter, each in [0, 1]: scikit-optimize's
  normalised space (log-uniform ranges in log, a rate's ``1 - value`` in
  log, a choice's index over the number of choices less one)."""
  sk = skopt.space.Space(space.skopt())
  sk.set_transformer('normalize')
  return np.asarray([[float(np.ravel(d.transform([v]))[0])
                      for d, v in zip(sk.dimensions, space.surrogate(p))]
                     for p in points])


def importance(space: Space, trials: list[Trial], transform: str
               ) -> dict[str, float] | None:
  """How much each hyperparameter explains the objective.

  A random forest (:data:`IMPORTANCE_TREES` trees) is fitted to the trials'
  objectives (as :func:`fitted_result` models them), one column per
  hyperparameter (:func:`_columns`); a hyperparameter's importance is its
  permutation importance
  (:func:`sklearn.inspection.permutation_importance`): the increase of the
  forest's mean squared error when its values are shuffled across trials
  (:data:`IMPORTANCE_REPEATS` shuffles, averaged), clipped at 0 and
  normalised to sum to 1. None with fewer than 5 trials or a constant
  objective.
  """
  from sklearn.ensemble import RandomForestRegressor
  from sklearn.inspection import permutation_importance
  points, y = _observations(space, trials, transform)
  if len(points) < 5 or np.ptp(y) == 0:
    return None
  x = _columns(space, points)
  forest = RandomForestRegressor(IMPORTANCE_TREES, random_state=0).fit(x, y)
  gains = np.maximum(permutation_importance(
      forest, x, y, scoring='neg_mean_squared_error',
      n_repeats=IMPORTANCE_REPEATS, random_state=0).importances_mean, 0.0)
  total = float(gains.sum())
  return {n: (float(g) / total if total > 0 else 0.0)
          for n, g in zip(space.names, gains)}


def importance_png(path: str, weights: dict[str, float]) -> None:
  """A bar per hyperparameter, most important on top."""
  names = sorted(weights, key=weights.get)
  plt = _plt()
  fig, ax = plt.subplots(figsize=(6, 1.4 + 0.4 * len(names)))
  ax.barh(names, [weights[n] for n in names], color='C0')
  ax.set(xlabel='share of the forest\'s error from shuffling it', xlim=(0, 1),
         title='Hyperparameter importance')
  fig.tight_layout()
  _save(fig, path)


def curves_png(path: str, trials: list[Trial], objective: str) -> None:
  """The training curves (losses and gradient norms) and the objective at
  every evaluation of ``trials``, one colour per trial."""
  plt = _plt()
  fig, axes = plt.subplots(1, len(CURVE_PANELS) + 1,
                           figsize=(3.4 * (len(CURVE_PANELS) + 1), 3))
  for i, t in enumerate(trials):
    colour, label = f'C{i % 10}', f'trial {t.id}'
    for ax, (name, title) in zip(axes, CURVE_PANELS):
      y = np.asarray([np.nan if v is None else v
                      for v in t.curves.get(name, [])], np.float64)
      ax.plot(t.curves['step'][:len(y)], y, color=colour, lw=1,
              label=label)
      ax.set(title=title, xlabel='step')
    y = np.asarray([np.nan if v is None else v
                    for v in t.evaluations.get(objective, [])], np.float64)
    axes[-1].plot(t.evaluations['step'][:len(y)], y, 'o-', color=colour,
                  ms=3, lw=1, label=label)
  axes[-1].set(title=objective, xlabel='step')
  for ax in axes[2:4]:  # gradient norms
    if all(np.nanmin(line.get_ydata(), initial=np.inf) > 0
           for line in ax.get_lines()):
      ax.set_yscale('log')
  axes[-1].legend(fontsize=7)
  fig.tight_layout()
  _save(fig, path)


def pareto_png(path: str, x: np.ndarray, y: np.ndarray, on_front: np.ndarray,
               names: tuple[str, str]) -> None:
  """Every trial's two objectives (as metrics), the Pareto front joined."""
  plt = _plt()
  fig, ax = plt.subplots(figsize=(5, 4))
  ax.scatter(x[~on_front], y[~on_front], s=12, alpha=0.5, label='trial')
  order = np.argsort(x[on_front])
  ax.plot(x[on_front][order], y[on_front][order], 'o-', color='C3', ms=5,
          label='Pareto front')
  ax.set(xlabel=names[0], ylabel=names[1], title='Pareto front')
  ax.legend(fontsize=8)
  fig.tight_layout()
  _save(fig, path)


def samples_png(path: str, samples: np.ndarray,
                landmarks: tuple[np.ndarray, str] | None, title: str) -> None:
  """A trial's kept samples: points against the ``landmarks``
  (:func:`jaxgan.data.landmarks`), or an image grid (images in [0, 1])."""
  if landmarks is None:
    plotting.image_grid_png(path, samples, title)
  else:
    plotting.scatter_png(path, samples, landmarks[0], title, landmarks[1])
