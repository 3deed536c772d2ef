"""A search's results as it runs: the best trial (``W/best/``,
``W/checkpoints/best``) and the progress line printed after every round."""

import dataclasses
import os
from typing import Any, NamedTuple

import jax
import ml_collections
import numpy as np

from jaxgan import checkpoint, data, plotting, train
from jaxgan.files import atomic_write, save_samples, write_json
from jaxgan.search import decision, members
from jaxgan.search.confirmed import Confirmation, Fresh
from jaxgan.search.trial import Trial

# The fewest generated images ``W/best/samples.npz`` holds.
IMAGE_SAMPLES = 1000


def sample_count(cfg: ml_collections.ConfigDict) -> int:
  """How many samples ``W/best/samples.npz`` holds: ``train.eval_samples``,
  and at least :data:`IMAGE_SAMPLES` images."""
  n = cfg.train.eval_samples
  return max(n, IMAGE_SAMPLES) if data.for_config(cfg).kind == 'images' else n


class Best:
  """The best trial so far, mirrored in ``W/best/`` and
  ``W/checkpoints/best``; after a confirmation, its answer
  (:meth:`fresh`).

  ``W/best/`` holds ``config.json`` (the config that retrains it with
  ``jaxgan train``), ``metrics.json`` (its trial record), ``samples.npz``
  (key ``x``: :func:`sample_count` samples of its generator, in [0, 1]) and
  ``samples.png``; for an InfoGAN on images, ``codes.npz`` and
  ``codes.png`` (:func:`save_code_grid`). ``W/checkpoints/best`` holds its
  G, D and EMA parameters (orbax; the step counts improvements, its
  metadata names the trial, and the seed of a confirmed one).

  During the search these are the best trial's, at its best evaluation. A
  confirmation (:mod:`jaxgan.search.confirm`) replaces them by its answer's
  fresh seeds: the record's ``objective`` becomes their median (a failed
  seed counting as the worst) and its ``metrics`` their means (the
  search's numbers move under ``search``, the seeds' under ``fresh``, the
  rule's evidence under ``decision``), and the networks, samples and config
  are those of its typical seed (the median of its first
  ``search.confirm_seeds``) at its final step.
  """

  def __init__(self, workdir: str, trials: list[Trial], write: bool):
    self.workdir, self.write = workdir, write
    finished = [t for t in trials if t.objective is not None]
    self.trial = min(finished, key=lambda t: (t.value, t.id), default=None)
    self.checkpoints = os.path.join(workdir, 'checkpoints', 'best')
    # Read once, before any process can be saving, then counted here.
    last = checkpoint.latest_step(self.checkpoints)
    self.step = 0 if last is None else last + 1

  @property
  def objective(self) -> float:
    """The best trial's objective (``inf`` before there is one)."""
    return np.inf if self.trial is None else self.trial.objective

  @property
  def value(self) -> float:
    """The best trial's :attr:`Trial.value`, minimised."""
    return np.inf if self.trial is None else self.trial.value

  def offer(self, m: members.Members, trials: list[Trial],
            samples: np.ndarray) -> None:
    """Takes the best of one bucket's ``trials`` (whose members are ``m``
    and whose samples at their best evaluation are ``samples``) if it beats
    the best so far."""
    j = int(np.argmin([t.value for t in trials]))
    if not trials[j].value < self.value:
      return
    self.trial = trials[j]
    self._save(m, j, dict(trial=self.trial.id), trial_config(m.cfg,
                                                             self.trial),
               self.trial.to_json(), samples[j],
               f'trial {self.trial.id}, step {self.trial.best_step}')

  def fresh(self, pick: Fresh) -> None:
    """Takes the answer's typical seed (:class:`Fresh`): ``W/best/`` then
    holds the answer's fresh numbers and the decision."""
    done = pick.confirmation
    row, answer, trial = done.chosen, done.answer, pick.trial
    self.trial = trial
    cfg = trial_config(pick.members.cfg, trial)
    cfg.hparams.seed = answer.seed
    cfg.train.num_steps = row.steps
    failures = answer.failures(row)
    record = dict(trial.to_json(), objective=answer.median(row),
                  metrics=row.metrics,
                  search=dict(objective=trial.objective,
                              metrics=trial.metrics,
                              best_step=trial.best_step),
                  fresh=dict(seeds=list(row.seeds), values=list(row.values),
                             failed=list(failures), mean=row.mean,
                             std=row.std, diverged=row.diverged,
                             steps=row.steps, pictured_seed=answer.seed),
                  decision=decision_record(done))
    self._save(pick.members, pick.member,
               dict(trial=trial.id, seed=answer.seed), cfg, record,
               pick.samples, f'setting of trial {trial.id}, fresh seed '
               f'{answer.seed}, step {row.steps}')

  def _save(self, m: members.Members, j: int, meta: dict,
            cfg: ml_collections.ConfigDict, record: dict,
            samples: np.ndarray, title: str) -> None:
    """Writes member ``j``'s networks to the checkpoint (with ``meta``)
    and, in the writing process, ``W/best/``."""
    checkpoint.save(self.checkpoints, self.step, members.member_state(m, j),
                    meta, keep=1)
    self.step += 1
    if not self.write:
      return
    directory = os.path.join(self.workdir, 'best')
    os.makedirs(directory, exist_ok=True)
    write_json(os.path.join(directory, 'config.json'), cfg.to_dict())
    write_json(os.path.join(directory, 'metrics.json'), record)
    dataset = data.for_config(m.cfg)
    save_samples(directory, samples, dataset, title)
    if (m.cfg.program == 'gan' and m.cfg.model.categories
        and dataset.kind == 'images'):
      save_code_grid(directory, m, j, title)


def decision_record(done: Confirmation) -> dict:
  """What ``W/best/metrics.json`` says of the decision: the rule, the
  incumbent, whether the answer replaced it and on what evidence, and
  each seed's value beside the incumbent's."""
  answer, row, inc = done.answer, done.chosen, done.incumbent
  rule = answer.rule
  side = lambda r: dict(
      trial=r.trial, median=answer.median(r),
      failure_rate=float(np.mean(answer.failures(r))),
      values=list(r.values), seeds=list(r.seeds))
  return dict(
      rule=decision.TEST,
      alpha=rule.alpha, first_seeds=rule.first, most_seeds=rule.most,
      failure_threshold=(None if rule.threshold is None
                         else answer.sign * rule.threshold),
      incumbent=dict(side(inc), kind=answer.incumbent_kind),
      switched=answer.switched, answer=side(row),
      comparison=(None if row.comparison is None
                  else dataclasses.asdict(row.comparison)))


# Latents per code in ``W/best/codes.png``.
CODE_COLUMNS = 10


def save_code_grid(directory: str, m: members.Members, j: int,
                   title: str) -> None:
  """Writes ``codes.npz`` and ``codes.png`` into ``directory``: member
  ``j``'s images with one row per value of its categorical code and one
  column per latent (:func:`jaxgan.train.code_grid`), in [0, 1]."""
  state = train.from_networks(members.member_state(m, j))
  grid = np.asarray(jax.jit(
      lambda s: train.code_grid(m.cfg, m.pop.fns, s, CODE_COLUMNS))(state))
  grid = np.clip((grid + 1.0) / 2.0, 0.0, 1.0)
  atomic_write(os.path.join(directory, 'codes.npz'),
               lambda tmp: np.savez_compressed(tmp, x=grid))
  atomic_write(os.path.join(directory, 'codes.png'),
               lambda tmp: plotting.image_grid_png(
                   tmp, grid, f'{title}: one row per code value',
                   count=len(grid), cols=CODE_COLUMNS))


def trial_config(bucket_cfg: ml_collections.ConfigDict,
                 trial: Trial) -> ml_collections.ConfigDict:
  """The config that trains ``trial`` on its own: its bucket's config with
  its dynamic hyperparameters, and ``train.num_steps`` at its best
  evaluation."""
  cfg = ml_collections.ConfigDict(bucket_cfg.to_dict())
  cfg.hparams.update(trial.hparams)
  cfg.train.num_steps = max(trial.best_step, 1)
  return cfg


class Round(NamedTuple):
  """A finished round, as its progress line tells it.

  Attributes:
    label: the round's name.
    members: the members it trained.
    seconds: its wall time.
    member_steps: the member-steps it trained.
    total: the trials the search asks for.
    budget: the search's :class:`jaxgan.search.rounds.Budget`, or None.
    spent_steps, spent_seconds: what the search has spent so far.
  """
  label: str
  members: int
  seconds: float
  member_steps: int
  total: int
  budget: Any = None
  spent_steps: int = 0
  spent_seconds: float = 0.0


def progress(store, best: Best, done: Round) -> str:
  """One line after a round: its speed, trials stored, the budget spent (if
  there is one), the best so far."""
  budget = done.budget
  line = (f'{done.label}: {done.members} members in {done.seconds:.0f}s '
          f'({done.member_steps / max(done.seconds, 1e-9):.0f} '
          f'member-steps/s); trials {len(store.trials)}/{done.total}')
  if budget is not None and budget.member_steps is not None:
    line += f'; budget {done.spent_steps}/{budget.member_steps} member-steps'
  if budget is not None and budget.seconds is not None:
    line += f'; budget {done.spent_seconds:.0f}/{budget.seconds:.0f}s'
  if best.trial is not None:
    shown = ', '.join(f'{k} {v:.4g}'
                      for k, v in sorted(best.trial.metrics.items()))
    line += (f'; best: trial {best.trial.id}, objective '
             f'{best.objective:.4g} ({shown})')
  return line
