import pytest

from jaxgan.search import diagnostics


def history(d_loss=(1.0, 0.9, 0.8, 0.8), fid=(9.0, 5.0, 3.0, 2.0),
            recall=(0.2, 0.5, 0.6, 0.6), gap=(0.1, 0.2, 0.2, 0.3)):
  steps = [10, 20, 30, 40]
  curves = {'step': steps, 'd_loss': list(d_loss), 'g_loss': [2.0] * 4,
            'd_grad_norm': [1.0] * 4, 'g_grad_norm': [1.0] * 4,
            'd_real': list(gap), 'd_fake': [0.0] * 4}
  evaluations = {'step': steps, 'fid': list(fid), 'recall': list(recall)}
  return curves, evaluations


def test_a_healthy_trial_has_no_flags():
  assert diagnostics.diagnose(*history(), False, 'fid') == {}


def test_divergence_names_the_first_non_finite_window():
  curves, evaluations = history(d_loss=(1.0, 0.9, None, None))
  flags = diagnostics.diagnose(curves, evaluations, True, 'fid')
  assert flags['diverged'].startswith(
      'a non-finite loss, gradient or parameter by step 30')


def test_an_exploding_loss_is_flagged_before_it_is_non_finite():
  # median |d_loss| is 1.05: the limit is 100 x 2.05 = 205.
  curves, evaluations = history(d_loss=(1.0, 1.1, 1.0, 206.0))
  flags = diagnostics.diagnose(curves, evaluations, False, 'fid')
  assert list(flags) == ['exploding']
  assert flags['exploding'].startswith('d_loss reached 206 in the last window')
  curves, evaluations = history(d_loss=(1.0, 1.1, 1.0, 204.0))
  assert diagnostics.diagnose(curves, evaluations, False, 'fid') == {}


@pytest.mark.parametrize('last,collapsed', [(0.3, True), (0.31, False)])
def test_collapse_is_diversity_falling_to_half_its_best(last, collapsed):
  curves, evaluations = history(recall=(0.2, 0.6, 0.4, last))
  flags = diagnostics.diagnose(curves, evaluations, False, 'fid')
  assert ('collapsed' in flags) == collapsed
  if collapsed:
    assert flags['collapsed'] == (
        'recall fell from 0.6 (step 20) to 0.3 (step 40); D winning: '
        'D(x) - D(G(z)) 0.1 -> 0.3')


@pytest.mark.parametrize('fid,oscillating', [
    ((4.0, 2.0, 4.0, 2.0), True),    # two reversals of 50%
    ((4.0, 2.0, 4.0, 3.9), False),   # one; the last move is small
    ((4.0, 2.0, 2.2, 1.9), False),   # one big move, then noise
    ((4.0, 3.0, 2.0, 1.0), False),   # steady improvement
])
def test_oscillation_counts_big_reversals_of_the_objective(fid, oscillating):
  curves, evaluations = history(fid=fid)
  flags = diagnostics.diagnose(curves, evaluations, False, 'fid')
  assert ('oscillating' in flags) == oscillating
