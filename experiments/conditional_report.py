"""Class by class: a conditional GAN's best trial against the real held-out
images of each class and against its untrained generator.

For every class, the samples G makes when asked for it (as many as the test
split holds of that class, a fixed latent key) are measured in the feature
space the search used: classification accuracy (the classifier reads the
class asked for), recall within the class (Kynkäänniemi et al. 2019) and
FID within the class, each beside its floor, the class's held-out real
images measured the same way. About 50 images a class make small-sample
covariances, so an intra-class FID means something only next to its floor.

  jaxgan tune --config=experiments/configs/conditional_digits.py --workdir=W
  python experiments/conditional_report.py --workdir=W
"""

import argparse
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import config, data, evaluate, metrics
from jaxgan.metrics import conditional, features

COLUMNS = ('accuracy', 'recall', 'fid')


def per_class(cfg, fns, state) -> tuple[dict, dict, dict]:
  """Per-class accuracy, recall and FID of the trained generator, of the
  untrained one, and of the test split (the floor): ``{column: (classes,)}``
  each."""
  dataset = fns.dataset
  net = features.make_feature_net(cfg.eval.features, data.config_key(cfg),
                                  tuple(sorted(cfg.eval.items())))
  real, _ = metrics.apply_in_batches(net.apply, dataset.train.x, net.batch)
  scale = net.scale(real)
  real = real / scale
  real_y = jnp.asarray(dataset.train.labels)
  classes = dataset.num_classes
  asked = jnp.asarray(dataset.test.labels)

  @jax.jit
  def measured(feats, logits, y):
    feats = feats / scale
    asked_for = jax.nn.one_hot(y, classes)
    hits = (jnp.argmax(logits, 1) == y)[:, None] * asked_for
    return {'accuracy': hits.sum(0) / asked_for.sum(0),
            'recall': conditional.per_class_recall(
                real, real_y, feats, y, cfg.eval.nearest_k, classes),
            'fid': conditional.per_class_fid(real, real_y, feats, y, classes)}

  def measure(feats, logits, y):
    return {k: np.asarray(v) for k, v in measured(feats, logits, y).items()}

  def of_generator(s):
    z = jax.random.normal(jax.random.key(0), (len(asked),
                                              cfg.model.latent_dim))
    x = jax.jit(fns.decode)(s, z, metrics.Asked(y=asked))
    return measure(*net.apply(x), asked)

  untrained = jax.jit(fns.init)(jax.random.key(0),
                                config.hparams_from_config(cfg))
  floor = measure(*metrics.apply_in_batches(net.apply, dataset.test.x,
                                            net.batch), asked)
  return of_generator(state), of_generator(untrained), floor


def table(trained: dict, untrained: dict, floor: dict) -> str:
  """Markdown: one row per class (and the mean), trained | floor |
  untrained for each column."""
  head = ' | '.join(f'{c} trained | {c} floor | {c} untrained'
                    for c in COLUMNS)
  lines = [f'| class | {head} |', '|---' * (1 + 3 * len(COLUMNS)) + '|']
  rows = [(str(c), *({k: v[c] for k, v in d.items()}
                      for d in (trained, floor, untrained)))
          for c in range(len(floor['fid']))]
  rows.append(('mean', *({k: v.mean() for k, v in d.items()}
                         for d in (trained, floor, untrained))))
  for name, t, f, u in rows:
    cells = ' | '.join(f'{t[c]:.3g} | {f[c]:.3g} | {u[c]:.3g}'
                       for c in COLUMNS)
    lines.append(f'| {name} | {cells} |')
  return '\n'.join(lines)


def main(argv: Sequence[str] | None = None) -> str:
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--workdir', required=True,
                      help='a conditional search (jaxgan tune)')
  args = parser.parse_args(argv)
  cfg = evaluate.best_config(args.workdir)
  fns, state, trial = evaluate.restore_best(args.workdir, cfg)
  text = (f'trial {trial} of {args.workdir}\n\n'
          + table(*per_class(cfg, fns, state)))
  print(text)
  return text


if __name__ == '__main__':
  main()
