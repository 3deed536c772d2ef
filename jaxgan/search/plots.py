"""Pictures of a search, drawn from its stored trials: convergence, the
objective's partial dependence and evaluations (scikit-optimize), the
importance of each hyperparameter, the training curves of the best
trials and the Pareto front. Each ``*_png`` function writes one PNG file.
"""

import warnings

import numpy as np
import skopt

from jaxgan import plotting
from jaxgan.search import methods
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# Trees, and shuffles per hyperparameter, of the importance estimate.
IMPORTANCE_TREES = 200
IMPORTANCE_REPEATS = 10
# Curves drawn in the best trials' curve figure.
CURVE_PANELS = (('d_loss', 'D loss'), ('g_loss', 'G loss'),
                ('d_grad_norm', 'D grad norm'), ('g_grad_norm', 'G grad norm'))


def _plt():
  import matplotlib
  matplotlib.use('Agg')
  import matplotlib.pyplot as plt
  return plt


def _figure_of(axes):
  return np.ravel(axes)[0].figure if isinstance(axes, np.ndarray) else (
      axes.figure)


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


def convergence_png(path: str, trials: list[Trial], objective: str) -> None:
  """The best objective so far against trials stored and wall time."""
  sign = -1.0 if trials and trials[0].direction == 'max' else 1.0
  best = sign * np.minimum.accumulate([t.value for t in trials])
  values = sign * np.asarray([t.value for t in trials])
  plt = _plt()
  fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
  for ax, x, label in ((axes[0], np.arange(1, len(trials) + 1), 'trials'),
                       (axes[1], np.asarray(elapsed(trials)),
                        'wall time (s)')):
    finite = np.isfinite(values)
    ax.scatter(x[finite], values[finite], s=10, alpha=0.5, label='trial')
    shown = np.isfinite(best)
    ax.plot(x[shown], best[shown], drawstyle='steps-post', color='C3',
            label='best so far')
    ax.set(xlabel=label, ylabel=objective, yscale=_scale(values[finite]))
    ax.legend(fontsize=8)
  fig.suptitle('Convergence')
  fig.tight_layout()
  _save(fig, path)


def _scale(values: np.ndarray) -> str:
  return 'log' if len(values) and values.min() > 0 else 'linear'


def _observations(space: Space, trials: list[Trial], transform: str):
  """The points of the trials in the space, and their objectives as the GP
  models them (:func:`jaxgan.search.methods.modelled`)."""
  told = [t for t in trials if space.contains(t.setting)]
  points = [space.point(t.setting) for t in told]
  values = [t.value for t in told]
  return points, methods.modelled(values, transform)


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
    return opt.tell([list(p) for p in points], [float(v) for v in y])


def partial_dependence_png(path: str, result, label: str) -> None:
  """:func:`skopt.plots.plot_objective`: the GP's partial dependence of the
  objective on each hyperparameter (diagonal) and pair (below)."""
  _plt()
  from skopt import plots
  with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    axes = plots.plot_objective(result, n_points=20, n_samples=100)
  fig = _figure_of(axes)
  fig.suptitle(f'Partial dependence of {label}')
  _save(fig, path)


def evaluations_png(path: str, result) -> None:
  """:func:`skopt.plots.plot_evaluations`: where the search sampled, in
  order (darker is earlier), with histograms of each hyperparameter."""
  _plt()
  from skopt import plots
  with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    axes = plots.plot_evaluations(result)
  fig = _figure_of(axes)
  fig.suptitle('Evaluations')
  _save(fig, path)


def importance(space: Space, trials: list[Trial], transform: str
               ) -> dict[str, float] | None:
  """How much each hyperparameter explains the objective.

  A random forest (:data:`IMPORTANCE_TREES` trees) is fitted to the trials'
  objectives (as :func:`fitted_result` models them) from their points in
  scikit-optimize's normalised space; a hyperparameter's importance is the
  increase of the forest's mean squared error when its values are shuffled
  across trials (:data:`IMPORTANCE_REPEATS` shuffles, averaged), normalised
  to sum to 1. None with fewer than 5 trials or a constant objective.
  """
  from sklearn.ensemble import RandomForestRegressor
  points, y = _observations(space, trials, transform)
  if len(points) < 5 or np.ptp(y) == 0:
    return None
  sk = skopt.space.Space(space.skopt())
  x = sk.transform([list(p) for p in points])
  columns, start = [], 0
  for d in sk.dimensions:
    columns.append(list(range(start, start + d.transformed_size)))
    start += d.transformed_size
  forest = RandomForestRegressor(IMPORTANCE_TREES, random_state=0).fit(x, y)
  rng = np.random.default_rng(0)
  shuffles = [x]
  for cols in columns:
    for _ in range(IMPORTANCE_REPEATS):
      shuffled = x.copy()
      shuffled[:, cols] = x[rng.permutation(len(x))][:, cols]
      shuffles.append(shuffled)
  # One prediction of every shuffle: the forest's cost is per call.
  errors = np.mean((forest.predict(np.concatenate(shuffles)).reshape(
      len(shuffles), len(x)) - y) ** 2, axis=1)
  gains = [max(float(np.mean(e - errors[0])), 0.0)
           for e in errors[1:].reshape(len(columns), IMPORTANCE_REPEATS)]
  total = sum(gains)
  return {n: (g / total if total > 0 else 0.0)
          for n, g in zip(space.names, gains)}


def importance_png(path: str, weights: dict[str, float]) -> None:
  """A bar per hyperparameter, most important on top."""
  names = sorted(weights, key=weights.get)
  plt = _plt()
  fig, ax = plt.subplots(figsize=(6, 0.5 + 0.4 * len(names)))
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


def samples_png(path: str, samples: np.ndarray, modes: np.ndarray | None,
                title: str) -> None:
  """A trial's kept samples: 2-D points against the ``modes``, or an image
  grid (images in [0, 1])."""
  if modes is None:
    plotting.image_grid_png(path, samples, title)
  else:
    plotting.scatter_png(path, samples, modes, title)
