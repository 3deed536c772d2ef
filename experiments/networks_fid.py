"""SNGAN's ResNets against the DCGAN preset at equal wall time, on the
32×32 digits, on this machine.

Each arm is one GAN (a single run, seed 0) trained in chunks until
``--minutes`` of wall time (compilation included) are spent, its FID (in
the digits classifier's features, against the training split) measured
after every chunk:

* ``sngan``: ``experiments/configs/presets/sngan.py``, Mimicry's whole
  recipe (hinge, n_dis 5, Adam 2e-4 with β = (0, 0.9), linear decay over
  100k G steps, batch 64) with both networks at ``--sngan_width`` channels;
* ``dcgan``: ``experiments/configs/presets/dcgan.py`` (DCGAN's recipe,
  width 64, batch 128) with 3 stages, for 32×32.

The arms run one after another. Writes ``networks_fid.json`` (per arm:
the curve of seconds, G steps and FID, the floor of the held-out images)
and ``networks_fid.md`` (the table), and ``ARM.png``: 64 samples of each
arm at the end.

  python experiments/networks_fid.py --out=/tmp/fid --minutes=15
  python experiments/networks_fid.py --out=/tmp/fid --smoke
"""

import argparse
import json
import os
import time

import jax
import numpy as np

from jaxgan import config, plotting, train

PRESETS = os.path.join(os.path.dirname(__file__), 'configs', 'presets')
ARMS = ('sngan', 'dcgan')


def arm_config(name: str, sngan_width: int, smoke: bool):
  """The arm's preset on the 32×32 digits."""
  cfg = config.load(os.path.join(PRESETS, f'{name}.py'))
  cfg.data.name = 'digits32'
  if name == 'sngan':
    cfg.model.update(g_width=sngan_width, d_width=sngan_width)
  else:
    cfg.model.depth = 3
  cfg.train.eval_samples = 500
  if smoke:
    cfg.model.update(width=8, g_width=8, d_width=8)
    cfg.train.update(batch_size=8, eval_samples=32)
  return cfg


def run_arm(name: str, cfg, seconds: float, chunk: int, out: str,
            log) -> dict:
  """Trains ``cfg`` for ``seconds`` of wall time, evaluating every
  ``chunk`` G steps."""
  start = time.perf_counter()
  fns = train.make_train(cfg)
  hp = config.hparams_from_config(cfg)
  state = jax.jit(fns.init)(jax.random.key(0), hp)
  train_chunk = jax.jit(fns.train_chunk, static_argnums=2)
  evaluate = jax.jit(fns.evaluate, static_argnums=1)
  curve = []
  while True:
    state, _ = train_chunk(state, hp, chunk)
    samples, quality = evaluate(state, cfg.train.eval_samples)
    elapsed = time.perf_counter() - start
    curve.append(dict(seconds=elapsed, steps=int(state.step),
                      fid=float(quality['fid']),
                      diverged=bool(state.diverged)))
    log(f'{name}: {elapsed:7.1f} s  {int(state.step):6d} G steps  '
        f'FID {float(quality["fid"]):.3f}')
    if elapsed >= seconds or bool(state.diverged):
      break
  plotting.image_grid_png(os.path.join(out, f'{name}.png'),
                          (np.asarray(samples) + 1.0) / 2.0,
                          f'{name}: {curve[-1]["steps"]} G steps, FID '
                          f'{curve[-1]["fid"]:.3f}')
  return dict(arm=name, curve=curve, floor=fns.evaluator.floor['fid'],
              best=min(c['fid'] for c in curve), final=curve[-1]['fid'],
              steps_per_second=curve[-1]['steps'] / curve[-1]['seconds'])


def table(results: list[dict], minutes: float) -> str:
  lines = [f'| arm ({minutes:g} min) | G steps | FID at the end | best FID '
           '| floor |', '|---|---|---|---|---|']
  for r in results:
    lines.append(f"| {r['arm']} | {r['curve'][-1]['steps']} | "
                 f"{r['final']:.3f} | {r['best']:.3f} | {r['floor']:.3f} |")
  return '\n'.join(lines) + '\n'


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--out', required=True)
  parser.add_argument('--minutes', type=float, default=15.0)
  parser.add_argument('--sngan_width', type=int, default=16)
  parser.add_argument('--arms', default=','.join(ARMS))
  parser.add_argument('--chunk', type=int, default=100,
                      help='G steps between evaluations')
  parser.add_argument('--smoke', action='store_true',
                      help='width 8, batch 8, one chunk of 2 steps an arm')
  args = parser.parse_args(argv)
  os.makedirs(args.out, exist_ok=True)
  log = lambda line: print(line, flush=True)
  seconds, chunk = args.minutes * 60, args.chunk
  if args.smoke:
    seconds, chunk = 0.0, 2
  results = [run_arm(name, arm_config(name, args.sngan_width, args.smoke),
                     seconds, chunk, args.out, log)
             for name in args.arms.split(',')]
  with open(os.path.join(args.out, 'networks_fid.json'), 'w') as f:
    json.dump(dict(minutes=args.minutes, sngan_width=args.sngan_width,
                   device=jax.devices()[0].device_kind, results=results),
              f, indent=1)
  with open(os.path.join(args.out, 'networks_fid.md'), 'w') as f:
    f.write(table(results, args.minutes))
  log(table(results, args.minutes))
  return results


if __name__ == '__main__':
  main()
