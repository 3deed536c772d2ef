import io
import os

import numpy as np
import pytest

import synthetic
from jaxgan import search
from jaxgan.search import trackers


def searched(workdir, tracker):
  cfg = synthetic.config('random', num_trials=6, population=4)
  search.tune(cfg, str(workdir), log=lambda _: None,
              make_population=synthetic.make_population, tracker=tracker)
  return cfg


def read_events(directory):
  from tensorboard.backend.event_processing import event_accumulator
  events = event_accumulator.EventAccumulator(
      str(directory), size_guidance={event_accumulator.TENSORS: 0})
  events.Reload()
  return events


def test_tensorboard_has_every_trials_scalars_images_and_hparams(tmp_path):
  from tensorboard.plugins.hparams import plugin_data_pb2
  cfg = searched(tmp_path, ['tensorboard'])
  root = tmp_path / 'tensorboard'
  experiment = read_events(root).PluginTagToContent('hparams')
  config = plugin_data_pb2.HParamsPluginData.FromString(
      experiment['_hparams_/experiment'])
  assert sorted(h.name for h in config.experiment.hparam_infos) == ['lr_d',
                                                                    'lr_g']
  assert 'best/objective' in [m.name.tag for m in
                              config.experiment.metric_infos]
  runs = sorted(os.listdir(root))
  assert [r for r in runs if r.startswith('trial_')] == [
      f'trial_{i:04d}' for i in range(6)]
  steps = cfg.train.num_steps
  for i in range(6):
    events = read_events(root / f'trial_{i:04d}')
    tags = events.Tags()['tensors']
    for name in ('train/d_loss', 'train/g_grad_norm', 'train/d_real',
                 'eval/partition_kl', 'eval/modes', 'samples'):
      assert name in tags, (i, name)
    curve = events.Tensors('train/d_loss')
    assert [e.step for e in curve][-1] == steps
    evaluations = events.Tensors('eval/partition_kl')
    assert len(evaluations) == steps // cfg.train.chunk_steps
    picture = events.Tensors('samples')[-1].tensor_proto
    assert picture.string_val[0][:2] == b'96'  # width of the density picture
    session = plugin_data_pb2.HParamsPluginData.FromString(
        events.PluginTagToContent('hparams')['_hparams_/session_start_info'])
    values = session.session_start_info.hparams
    assert {'lr_d', 'lr_g', 'loss', 'seed'} <= set(values)
    diverged = values['lr_g'].number_value > synthetic.DIVERGES_ABOVE
    best = events.Tensors('best/objective') if not diverged else []
    assert len(best) == (0 if diverged else 1)


@pytest.mark.parametrize('channels', [1, 3])
def test_event_file_pictures_read_back_as_written(tmp_path, channels):
  from PIL import Image
  picture = np.random.default_rng(0).integers(
      0, 256, (5, 7, channels), dtype=np.uint8)
  events = trackers.EventFile(str(tmp_path))
  events.image(3, 'samples', picture)
  events.scalars(3, {'eval/modes': 2.5})
  events.close()
  read = read_events(tmp_path)
  (image,) = read.Tensors('samples')
  width, height, png = image.tensor_proto.string_val
  assert (width, height, image.step) == (b'7', b'5', 3)
  decoded = np.asarray(Image.open(io.BytesIO(png)))
  np.testing.assert_array_equal(decoded.reshape(picture.shape), picture)
  (scalar,) = read.Tensors('eval/modes')
  assert scalar.tensor_proto.float_val == [2.5]


def test_mlflow_has_every_trial_as_a_run(tmp_path):
  pytest.importorskip('mlflow')
  import mlflow
  searched(tmp_path, ['mlflow'])
  client = mlflow.MlflowClient(
      tracking_uri='file:' + str(tmp_path / 'mlruns'))
  experiment = client.get_experiment_by_name('jaxgan')
  runs = client.search_runs([experiment.experiment_id])
  assert sorted(r.info.run_name for r in runs) == [
      f'trial_{i:04d}' for i in range(6)]
  for r in runs:
    diverged = float(r.data.params['lr_g']) > synthetic.DIVERGES_ABOVE
    assert r.info.status == ('FAILED' if diverged else 'FINISHED')
    history = client.get_metric_history(r.info.run_id, 'eval/partition_kl')
    assert len(history) == (0 if diverged else 2)
    assert ('best/objective' in r.data.metrics) != diverged


def test_an_unknown_tracker_is_named_before_anything_is_written(tmp_path):
  cfg = synthetic.config('random', num_trials=2, population=2)
  with pytest.raises(ValueError, match=r"tracker='wandb' is not valid"):
    search.tune(cfg, str(tmp_path), tracker=['wandb'])
  assert not os.listdir(tmp_path)


def test_density_picture_marks_the_modes_and_the_mass():
  modes = np.asarray([[-1.0, -1.0], [1.0, 1.0]])
  points = np.repeat(modes[:1], 50, axis=0)  # all mass at the first mode
  picture = trackers.density_picture(points, modes, pixels=12)
  assert picture.shape == (12, 12, 3) and picture.dtype == np.uint8
  red = np.all(picture == (220, 30, 30), axis=-1)
  assert red.sum() == 2
  grey = picture[..., 0] == picture[..., 1]
  assert (picture[grey][:, 0] < 255).sum() == 0  # the mass is under a mode
