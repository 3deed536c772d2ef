import os

import numpy as np
import pytest
import skopt
from matplotlib.transforms import Bbox

from jaxgan import config, files
from jaxgan.search import plots, report
from jaxgan.search.report import figures
from jaxgan.search.space import Space
from jaxgan.search.trial import Trial


def space_of(**ranges):
  cfg = config.get_config()
  cfg.search.space.update(b1='', b2='', loss='', lr_d='', lr_g='',
                          r1_gamma='')
  cfg.search.space.update(ranges)
  return Space.from_config(cfg)


def make_trial(i, objective, setting, direction='min'):
  steps = [100 * k for k in range(1, 6)]
  curve = lambda scale: [scale * (1 + 0.1 * k) for k in range(5)]
  return Trial(id=i, objective=objective, setting=setting, round=i // 4,
               hparams=dict(setting), bucket={}, metrics={'fid': objective},
               best_step=500, steps=500, losses={}, diverged=False,
               status='finished', curves={
                   'step': steps, 'd_loss': curve(1.0), 'g_loss': curve(2.0),
                   'd_grad_norm': curve(0.5), 'g_grad_norm': curve(0.3)},
               evaluations={'step': steps, 'fid': curve(objective)},
               flags={}, seconds=3.0, budget=500 * (i + 1),
               direction=direction)


def test_importance_recovers_the_known_order():
  space = space_of(lr_d='log:1e-5:1e-1', lr_g='log:1e-5:1e-1',
                   b1='uniform:0:0.9', loss='choice:non_saturating,hinge')
  rng = np.random.default_rng(0)
  trials = []
  for i in range(60):
    setting = dict(lr_d=float(10 ** rng.uniform(-5, -1)),
                   lr_g=float(10 ** rng.uniform(-5, -1)),
                   b1=float(rng.uniform(0, 0.9)),
                   loss=str(rng.choice(['non_saturating', 'hinge'])))
    # lr_d's position (in log) matters most, then b1, then the loss; lr_g
    # not at all.
    objective = (3.0 * (np.log10(setting['lr_d']) + 5) / 4
                 + 1.0 * setting['b1'] / 0.9
                 + 0.3 * (setting['loss'] == 'hinge'))
    trials.append(make_trial(i, float(objective), setting))
  weights = plots.importance(space, trials, transform='')
  order = sorted(weights, key=weights.get, reverse=True)
  assert order == ['lr_d', 'b1', 'loss', 'lr_g']
  assert weights['lr_g'] < 0.02
  assert abs(sum(weights.values()) - 1.0) < 1e-9


SPACES = {
    5: dict(lr_d='log:1e-5:1e-2', lr_g='log:1e-5:1e-2', b1='uniform:0:0.9',
            b2='uniform:0.9:0.999',
            loss='choice:non_saturating,hinge,least_squares'),
}
SPACES[8] = dict(SPACES[5], r1_gamma='log:0.001:10',
                 ema_decay='uniform:0:0.999',
                 train={'batch_size': 'choice:32,64,128'})


def drawn_labels(monkeypatch):
  """Records, for every figure saved, the extents of the text labels drawn
  into it (ticks outside the view are not drawn, so not recorded)."""
  from matplotlib import figure, text
  drawn, saved, names = {}, {}, []
  draw, savefig = text.Text.draw, figure.Figure.savefig
  write = figures.atomic_write

  def named(path, fn):
    names.append(os.path.basename(path).split('.')[0])
    write(path, fn)

  def draw_text(self, renderer):
    draw(self, renderer)
    if self.get_visible() and self.get_text().strip():
      drawn[id(self)] = (self.get_text(), self.get_window_extent(renderer))

  def save(self, path, *args, **kwargs):
    drawn.clear()
    savefig(self, path, *args, **kwargs)
    saved[names[-1]] = list(drawn.values())
  monkeypatch.setattr(figures, 'atomic_write', named)
  monkeypatch.setattr(text.Text, 'draw', draw_text)
  monkeypatch.setattr(figure.Figure, 'savefig', save)
  return saved


def overlaps(labels):
  """Pairs of labels whose extents intersect by more than a pixel each
  way."""
  out = []
  for i, (a, box_a) in enumerate(labels):
    for b, box_b in labels[i + 1:]:
      both = Bbox.intersection(box_a, box_b)
      if both is not None and both.width > 1 and both.height > 1:
        out.append((a, b))
  return out


@pytest.mark.parametrize('size', sorted(SPACES))
def test_no_two_labels_of_a_report_figure_overlap(tmp_path, monkeypatch,
                                                  size):
  cfg = config.get_config()
  cfg.search.space.update(b1='', b2='', loss='', lr_d='', lr_g='',
                          r1_gamma='')
  cfg.search.space.update(SPACES[size])
  cfg.search.update(num_trials=24, pareto='high_quality')
  space = Space.from_config(cfg)
  rng = np.random.default_rng(size)
  trials = []
  for i in range(24):
    setting = {d.name: v for d, v in zip(
        space.dimensions, skopt.space.Space(space.skopt()).rvs(
            random_state=int(rng.integers(1 << 30)))[0])}
    value = float(np.exp(rng.normal(-1, 1)))
    t = make_trial(i, value, setting)
    trials.append(t.replace(metrics={'partition_kl': value,
                                     'high_quality': float(rng.uniform()),
                                     'modes': 25.0},
                            objective=value, evaluations={
                                'step': t.evaluations['step'],
                                'partition_kl': t.evaluations['fid']}))
  (tmp_path / 'samples').mkdir()
  for t in trials:
    np.savez(files.samples_path(str(tmp_path), t.id),
             x=rng.normal(0, 3, (256, 2)).astype(np.float32))
  saved = drawn_labels(monkeypatch)
  report.write(str(tmp_path), cfg, trials, None, space)
  assert {'convergence', 'parallel', 'partial_dependence', 'evaluations',
          'importance', 'curves', 'pareto'} <= set(saved)
  assert len([k for k in saved if k.startswith('samples_trial')]) == 4
  found = {name: overlaps(labels) for name, labels in saved.items()}
  assert not {k: v for k, v in found.items() if v}
