"""Successive halving (``halving``) and Hyperband (``hyperband``): settings
continue from their state while they rank among the best.

* ``halving`` (Jamieson & Talwalkar 2016): ``num_trials`` settings train to
  the first rung; the best ``1/eta`` (by their best evaluation) continue to
  the next rung from their state, and so on for ``rungs`` rungs up to
  ``train.num_steps`` (:func:`rung_steps`). A setting's trial is stored when
  it is stopped (status ``stopped``) or reaches the last rung.
* ``hyperband`` (Li et al. 2017): brackets of successive halving
  (:func:`hyperband_brackets`) from many settings at ``search.min_steps`` to
  few at ``train.num_steps``, repeated until ``num_trials`` are stored.

Both start their settings from the baseline and seeded random points
(:func:`jaxgan.search.schedulers.first_points`).
"""

import math
from typing import Callable, Sequence

import ml_collections

from jaxgan.search.method import SearchMethod, register_method
from jaxgan.search.schedulers import (Learned, Outcome, Plan, Verdict,
                                      first_points)
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial


def rung_steps(num_steps: int, chunk_steps: int, eta: int,
               rungs: int) -> list[int]:
  """The steps each rung trains to: ``num_steps / eta**(rungs - 1 - k)``,
  rounded to whole chunks, strictly increasing, ending at ``num_steps``."""
  out = []
  for k in range(rungs):
    target = num_steps / eta ** (rungs - 1 - k)
    steps = max(chunk_steps, int(round(target / chunk_steps)) * chunk_steps)
    steps = min(steps, num_steps) if k < rungs - 1 else num_steps
    if not out or steps > out[-1]:
      out.append(steps)
  return out


def hyperband_brackets(max_steps: int, min_steps: int, eta: int,
                       chunk_steps: int) -> list[tuple[int, list[int]]]:
  """Hyperband's brackets (Li et al. 2017, Algorithm 1).

  With ``s_max = floor(log_eta(max_steps / min_steps))``, bracket ``s``
  (from ``s_max`` down to 0) starts ``ceil((s_max + 1) / (s + 1) * eta**s)``
  settings and halves them ``s`` times, training them to
  ``max_steps * eta**(i - s)`` steps at rung ``i`` (rounded to whole chunks,
  :func:`rung_steps`). Each rung keeps the best ``1/eta``.

  Returns:
    ``[(settings, steps of each rung)]``, most aggressive bracket first.
  """
  s_max = int(math.floor(math.log(max_steps / min_steps, eta) + 1e-9))
  return [(int(math.ceil((s_max + 1) / (s + 1) * eta ** s)),
           rung_steps(max_steps, chunk_steps, eta, s + 1))
          for s in range(s_max, -1, -1)]


class Halving:
  """Successive halving over brackets (one bracket: ``halving``; several:
  ``hyperband``), continuing members from their state.

  Args:
    cfg: the config.
    space: the search space.
    say: prints a line.
    brackets: ``[(settings, steps of each rung)]``, run in order and repeated
      until ``search.num_trials`` trials are stored (each bracket's settings
      cut to what is left). With ``search.seeds`` = k, each setting trains k
      seeds, and a bracket of n settings stores n·k trials.
  """

  perturbs = False

  def __init__(self, cfg: ml_collections.ConfigDict, space: Space,
               say: Callable[[str], None],
               brackets: list[tuple[int, list[int]]]):
    self.cfg, self.space, self.say = cfg, space, say
    self.brackets = brackets
    self.bracket, self.rung, self.stored, self.drawn = 0, 0, 0, 0

  def _size(self, b: int, drawn: int) -> int:
    """Trials bracket ``b`` starts when ``drawn`` have been."""
    s = self.cfg.search
    return min(self.brackets[b % len(self.brackets)][0] * s.seeds,
               s.num_trials - drawn)

  def resume(self, trials: Sequence[Trial], state: dict | None,
             prior: Sequence[Trial] = (), learned: Learned = ()) -> None:
    del prior, learned
    self.stored = len(trials)
    if state:
      self.bracket, self.rung, self.drawn = (state['bracket'], state['rung'],
                                             state['drawn'])
      return
    # Between brackets: every bracket before is stored (or was cut short by
    # a budget, whose members are stored as stopped).
    self.bracket, self.drawn = 0, 0
    while self.drawn < self.stored:
      self.drawn += self._size(self.bracket, self.drawn)
      self.bracket += 1
    self.rung = 0

  def plan(self) -> Plan | None:
    num_trials = self.cfg.search.num_trials
    if self.rung == 0 and self.drawn >= num_trials:
      return None
    _, steps = self.brackets[self.bracket % len(self.brackets)]
    points = []
    if self.rung == 0:
      points = first_points(self.cfg, self.space,
                            self._size(self.bracket, self.drawn)
                            // self.cfg.search.seeds, self.say,
                            offset=self.drawn,
                            with_baseline=self.drawn == 0)
    label = f'rung {self.rung + 1}/{len(steps)} ({steps[self.rung]} steps)'
    if len(self.brackets) > 1:
      label = (f'bracket {self.bracket + 1} '
               f'({self.bracket % len(self.brackets) + 1} of '
               f'{len(self.brackets)}), {label}')
    return Plan(label, points, steps[self.rung], num_trials)

  def tell(self, outcomes: Sequence[Outcome]) -> Verdict:
    _, steps = self.brackets[self.bracket % len(self.brackets)]
    trials = sum(len(o.trials) for o in outcomes)
    if self.rung == 0:
      self.drawn += trials
    if self.rung == len(steps) - 1:
      self.stored += trials
      self.bracket, self.rung = self.bracket + 1, 0
      return Verdict()
    ranked = sorted(outcomes, key=lambda o: (o.value, o.ids[0]))
    keep = tuple(i for o in ranked[:max(1, len(outcomes)
                                          // self.cfg.search.eta)]
                 for i in o.ids)
    self.stored += trials - len(keep)
    self.rung += 1
    return Verdict(keep=keep, stopped=True)

  def state(self) -> dict:
    return dict(bracket=self.bracket, rung=self.rung, drawn=self.drawn)


def _halving(cfg, space: Space, say, workdir: str) -> Halving:
  del workdir
  s = cfg.search
  return Halving(cfg, space, say, [(s.num_trials, rung_steps(
      cfg.train.num_steps, cfg.train.chunk_steps, s.eta, s.rungs))])


def _brackets(cfg: ml_collections.ConfigDict) -> list:
  s = cfg.search
  return hyperband_brackets(cfg.train.num_steps, s.min_steps, s.eta,
                            cfg.train.chunk_steps)


def _hyperband(cfg, space: Space, say, workdir: str) -> Halving:
  del workdir
  return Halving(cfg, space, say, _brackets(cfg))


def _check_hyperband(cfg: ml_collections.ConfigDict, space: Space) -> None:
  del space
  if not cfg.search.min_steps < cfg.train.num_steps:
    raise ValueError(f'search.min_steps={cfg.search.min_steps} must be '
                     f'below train.num_steps={cfg.train.num_steps} for '
                     'hyperband')


def _hyperband_details(cfg: ml_collections.ConfigDict) -> list[str]:
  return ['Hyperband brackets (η = %d): ' % cfg.search.eta + '; '.join(
      f'{n} settings at {", ".join(map(str, steps))} steps'
      for n, steps in _brackets(cfg)) + '.']


register_method('halving', SearchMethod(
    _halving, 'successive halving: the best 1/eta continue at each rung',
    population=None))
register_method('hyperband', SearchMethod(
    _hyperband, 'brackets of successive halving from search.min_steps',
    check=_check_hyperband, details=_hyperband_details, population=None))
