"""A worker of a shared study over the synthetic population, in its own
process, for the tests of workers that run (and die) side by side.

  python shared_worker.py URL STUDY WORKDIR METHOD TRIALS LEASE [hang]

With ``hang`` its population never finishes a chunk: the worker holds its
first claims, with live heartbeats, until it is killed.
"""

import os
import sys
import threading

sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)),
                os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]

import synthetic  # pylint: disable=wrong-import-position
from jaxgan import search  # pylint: disable=wrong-import-position


def hanging(cfg, mesh, size):
  """The synthetic population, whose training never returns."""
  pop = synthetic.make_population(cfg, mesh, size)

  def train_chunk(state, hp, n_steps):
    del state, hp, n_steps
    print('hanging', flush=True)
    threading.Event().wait()
  return pop._replace(train_chunk=train_chunk)


def main(url, study, workdir, method, trials, lease, *hang):
  cfg = synthetic.config(method, num_trials=int(trials), population=2,
                         initial_points=2, confirm_top=1, confirm_seeds=2,
                         confirm_max_seeds=2)
  make = hanging if hang else synthetic.make_population
  search.tune(cfg, workdir, output=search.Output(
      lambda line: print(line, flush=True), ()),
              trainer=search.Trainer(make_population=make),
              shared=search.Shared(url, study, float(lease)))


if __name__ == '__main__':
  main(*sys.argv[1:])
