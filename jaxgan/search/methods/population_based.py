"""Population-based training (``pbt``, Jaderberg et al. 2017).

``search.population`` members train in segments of ``pbt_interval`` steps;
after each, the worst ``pbt_fraction`` copy the state and hyperparameters
of the best and perturb them (:func:`jaxgan.pbt.exploit_explore`). Every
segment of every member is a trial whose ``parent`` is the trial it
continued (its own previous segment, or the member it copied), so the stored
trials hold each member's hyperparameter schedule and lineage. Its members
are lineages, not settings, so its result is not confirmed with fresh
seeds.
"""

from typing import Callable, Sequence

import jax
import ml_collections

from jaxgan import hparams, pbt
from jaxgan.search.method import SearchMethod, register_method
from jaxgan.search.schedulers import (Exploit, Learned, Outcome, Plan,
                                      Verdict, first_points)
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial

# The least population under search.population='auto': with
# search.pbt_fraction 0.25, two lineages copy two others each segment.
LINEAGES = 8


def check(cfg: ml_collections.ConfigDict, space: Space) -> None:
  """PBT changes only dynamic hyperparameters, at chunk boundaries, of
  members that are lineages rather than seeds of one setting.

  Raises:
    ValueError: ``search.seeds`` is above 1, the space searches a static
      field or nothing PBT perturbs, or ``pbt_interval`` is not a multiple
      of ``train.chunk_steps``.
  """
  if cfg.search.seeds > 1:
    raise ValueError(f'search.seeds={cfg.search.seeds}: pbt members are '
                     'lineages, not seeds of one setting; use '
                     'search.seeds=1')
  static = space.static_names()
  if static:
    raise ValueError(f'search.method=pbt perturbs dynamic hyperparameters '
                     f'only, but search.space.{static[0]} is static; fix it, '
                     'or use halving')
  if not space.perturbed():
    raise ValueError('search.method=pbt has nothing to perturb: search at '
                     f'least one of {list(hparams.perturbable())} (or lr, '
                     'b1, b2)')
  if cfg.search.pbt_interval % cfg.train.chunk_steps:
    raise ValueError(f'search.pbt_interval={cfg.search.pbt_interval} must be '
                     'a multiple of train.chunk_steps='
                     f'{cfg.train.chunk_steps}')


class PopulationBased:
  """Population-based training (see the module docstring)."""

  perturbs = True

  def __init__(self, cfg: ml_collections.ConfigDict, space: Space,
               say: Callable[[str], None], workdir: str):
    del workdir
    s = cfg.search
    self.cfg, self.space, self.say = cfg, space, say
    self.ends = list(range(s.pbt_interval, cfg.train.num_steps,
                           s.pbt_interval)) + [cfg.train.num_steps]
    self.segment = 0

  def resume(self, trials: Sequence[Trial], state: dict | None,
             prior: Sequence[Trial] = (), learned: Learned = ()) -> None:
    del prior, learned
    size = self.cfg.search.population
    if state:
      self.segment = state['segment']
    elif len(trials) >= size * len(self.ends):
      self.segment = len(self.ends)
    elif trials:
      raise ValueError('the PBT population checkpoint '
                       '(W/checkpoints/population) is missing: the running '
                       'members cannot be resumed')

  def plan(self) -> Plan | None:
    if self.segment >= len(self.ends):
      return None
    size = self.cfg.search.population
    points = (first_points(self.cfg, self.space, size, self.say)
              if self.segment == 0 else [])
    return Plan(f'segment {self.segment + 1}/{len(self.ends)} '
                f'({self.ends[self.segment]} steps)', points,
                self.ends[self.segment], size * len(self.ends),
                padded=False)

  def tell(self, outcomes: Sequence[Outcome]) -> Verdict:
    k, self.segment = self.segment, self.segment + 1
    if k == len(self.ends) - 1:
      return Verdict()
    s = self.cfg.search
    return Verdict(exploit=Exploit(
        jax.random.fold_in(jax.random.key(s.seed), k),
        pbt.Perturbation(s.pbt_fraction, perturb=self.space.perturbed())))

  def state(self) -> dict:
    return dict(segment=self.segment)


register_method('pbt', SearchMethod(
    PopulationBased, 'population-based training: the worst copy the best '
    'and perturb them', confirmed=False, padded=False, check=check,
    population=LINEAGES))
