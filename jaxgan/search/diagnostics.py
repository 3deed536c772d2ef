"""Training-dynamics diagnostics: what went wrong with a trial, and where.

:func:`diagnose` reads a trial's history (its training curves and
evaluations, as stored in its record) and returns a flag per failure it finds,
each with a one-line reason:

* ``diverged``: a step produced a non-finite loss, gradient or parameter;
  the member was frozen at its last finite state.
* ``exploding``: the last window of a loss or gradient norm is more than
  :data:`EXPLODE_FACTOR` times ``1 + `` its median over the run: training is
  running away even though every number is still finite.
* ``collapsed`` (mode collapse): a diversity metric (modes captured, recall,
  classes covered) fell at the last evaluation to at most
  :data:`COLLAPSE_FRACTION` of its best value. The reason also says whether
  D was winning there (D's mean logit on real data above that on fakes by
  more than at the start).
* ``oscillating``: the objective changed direction at least
  :data:`OSCILLATION_REVERSALS` times between evaluations, with each of the
  two moves around a reversal at least :data:`OSCILLATION_SWING` of the
  larger of the two values: quality swings instead of settling.

The thresholds are deliberately coarse: they mark trials worth a look in the
report, not a verdict.
"""

import numpy as np

# A loss or gradient norm explodes past this multiple of (1 + its median).
EXPLODE_FACTOR = 100.0
# Diversity at the last evaluation at most this fraction of its best.
COLLAPSE_FRACTION = 0.5
# Diversity metrics: higher means more of the data is covered.
DIVERSITY = ('modes', 'recall', 'classes')
# Relative size of a move between evaluations that counts towards oscillation.
OSCILLATION_SWING = 0.25
# Reversals of such moves that make a trial oscillating.
OSCILLATION_REVERSALS = 2
# Curves checked for explosions.
EXPLODING = ('d_loss', 'g_loss', 'd_grad_norm', 'g_grad_norm')


def _array(values) -> np.ndarray:
  return np.asarray([np.nan if v is None else v for v in values], np.float64)


def _diverged(curves: dict) -> str:
  steps = np.asarray(curves['step'])
  bad = np.zeros(len(steps), bool)
  for k, v in curves.items():
    if k != 'step':
      bad |= ~np.isfinite(_array(v))
  if bad.any():
    return (f'a non-finite loss, gradient or parameter by step '
            f'{int(steps[np.argmax(bad)])}; frozen at its last finite state')
  return 'a non-finite loss, gradient or parameter; frozen at its last finite state'


def _exploding(curves: dict) -> str | None:
  for k in EXPLODING:
    v = np.abs(_array(curves.get(k, [])))
    v = v[np.isfinite(v)]
    if len(v) < 2:
      continue
    limit = EXPLODE_FACTOR * (1.0 + np.median(v))
    if v[-1] > limit:
      return (f'{k} reached {v[-1]:.3g} in the last window, over '
              f'{EXPLODE_FACTOR:g} x (1 + its median {np.median(v):.3g})')
  return None


def _collapsed(curves: dict, evaluations: dict) -> str | None:
  steps = evaluations['step']
  for k in DIVERSITY:
    v = _array(evaluations.get(k, []))
    if len(v) < 2 or not np.isfinite(v[-1]):
      continue
    peak = np.nanmax(v)
    if peak > 0 and v[-1] <= COLLAPSE_FRACTION * peak:
      reason = (f'{k} fell from {peak:.3g} (step '
                f'{steps[int(np.nanargmax(v))]}) to {v[-1]:.3g} (step '
                f'{steps[-1]})')
      gap = _array(curves.get('d_real', [])) - _array(curves.get('d_fake', []))
      gap = gap[np.isfinite(gap)]
      if len(gap) >= 2:
        winning = gap[-1] > gap[0]
        reason += (f'; D {"winning" if winning else "not winning"}: '
                   f'D(x) - D(G(z)) {gap[0]:.3g} -> {gap[-1]:.3g}')
      return reason
  return None


def _oscillating(evaluations: dict, objective: str) -> str | None:
  v = _array(evaluations.get(objective, []))
  v = v[np.isfinite(v)]
  if len(v) < 3:
    return None
  moves = np.diff(v)
  size = np.maximum(np.maximum(np.abs(v[:-1]), np.abs(v[1:])), 1e-12)
  big = np.abs(moves) >= OSCILLATION_SWING * size
  reversals = int(np.sum(big[:-1] & big[1:]
                         & (np.sign(moves[:-1]) != np.sign(moves[1:]))))
  if reversals >= OSCILLATION_REVERSALS:
    return (f'{objective} reversed {reversals} times by at least '
            f'{OSCILLATION_SWING:.0%} between evaluations '
            f'(range {v.min():.3g} to {v.max():.3g})')
  return None


def diagnose(curves: dict, evaluations: dict, diverged: bool,
             objective: str) -> dict[str, str]:
  """The failures visible in one trial's history.

  Args:
    curves: ``{'step': [...], name: [...]}``: window means of the step
      diagnostics (``d_loss``, ``g_loss``, ``d_grad_norm``, ``d_real``, ...);
      None marks a non-finite value.
    evaluations: ``{'step': [...], metric: [...]}`` at every evaluation.
    diverged: the member stopped on a non-finite value.
    objective: the search's objective (lower is better).

  Returns:
    ``{flag: reason}`` for each of ``diverged``, ``exploding``,
    ``collapsed`` and ``oscillating`` that applies; empty for a healthy
    trial.
  """
  flags = {}
  if diverged:
    flags['diverged'] = _diverged(curves)
  for name, reason in (('exploding', _exploding(curves)),
                       ('collapsed', _collapsed(curves, evaluations)),
                       ('oscillating', _oscillating(evaluations, objective))):
    if reason is not None:
      flags[name] = reason
  return flags
