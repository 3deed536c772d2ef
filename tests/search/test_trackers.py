import io
import json
import os
import sys

import numpy as np
import pytest

import synthetic
from jaxgan import search
from jaxgan.search import trackers


def searched(workdir, tracker):
  cfg = synthetic.config('random', num_trials=6, population=4)
  search.tune(cfg, str(workdir), output=search.Output(lambda _: None, tracker),
              trainer=synthetic.TRAINER)
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
  with pytest.raises(ValueError, match=r"tracker='comet' is not a registered tracker"):
    search.tune(cfg, str(tmp_path), output=search.Output(print, ['comet']))
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


def wandb_records(path):
  """The records of a W&B run file (``run-ID.wandb``: a LevelDB-style log of
  32 KiB blocks after a 7-byte header, each record split into fragments
  with 7-byte headers: checksum, length, type)."""
  import struct
  from wandb.proto import wandb_internal_pb2
  raw, block = path.read_bytes(), 32768
  assert raw[:4] == b':W&B'
  pos, fragments, out = 7, b'', []
  while pos + 7 <= len(raw):
    if block - pos % block < 7:
      pos += block - pos % block
      continue
    _, length, kind = struct.unpack('<IHB', raw[pos:pos + 7])
    if kind == 0:
      pos += block - pos % block
      continue
    fragments += raw[pos + 7:pos + 7 + length]
    pos += 7 + length
    if kind in (1, 4):  # a whole record, or its last fragment
      out.append(wandb_internal_pb2.Record.FromString(fragments))
      fragments = b''
  return out


def test_wandb_has_every_trial_as_an_offline_run(tmp_path, monkeypatch):
  pytest.importorskip('wandb')
  monkeypatch.delenv('WANDB_API_KEY', raising=False)
  monkeypatch.delenv('WANDB_MODE', raising=False)
  monkeypatch.setenv('HOME', str(tmp_path))  # no ~/.netrc: not logged in
  cfg = synthetic.config('random', num_trials=2, population=2)
  search.tune(cfg, str(tmp_path / 'w'),
              output=search.Output(lambda _: None, ['wandb']),
              trainer=synthetic.TRAINER)
  runs = sorted((tmp_path / 'w' / 'wandb').glob('offline-run-*/run-*.wandb'))
  assert len(runs) == 2
  seen = {}
  for path in runs:
    kinds = {}
    for r in wandb_records(path):
      kinds.setdefault(r.WhichOneof('record_type'), []).append(r)
    run = kinds['run'][0].run
    assert run.run_group == 'w'
    config = {c.key: c.value_json for r in kinds['config']
              for c in r.config.update}
    history = [{i.key or '/'.join(i.nested_key): i.value_json
                for i in r.history.item} for r in kinds['history']]
    steps = [int(h['_step']) for h in history]
    assert steps == sorted(steps) and steps[-1] == cfg.train.num_steps
    assert all('train/d_loss' in h for h in history)
    evaluations = [h for h in history if 'eval/partition_kl' in h]
    assert len(evaluations) == cfg.train.num_steps // cfg.train.chunk_steps
    assert 'samples/path' in history[-1]
    assert (path.parent / 'files' / json.loads(
        history[-1]['samples/path'])).exists()
    summary = {i.key: i.value_json for r in kinds['summary']
               for i in r.summary.update}
    seen[run.display_name] = (float(config['lr_g']), summary,
                              kinds['exit'][0].exit.exit_code)
  assert sorted(seen) == ['trial_0000', 'trial_0001']
  for lr_g, summary, code in seen.values():
    diverged = lr_g > synthetic.DIVERGES_ABOVE
    assert code == int(diverged)
    assert ('best/objective' in summary) != diverged


def test_a_failing_tracker_stops_the_search_with_its_error(tmp_path):
  class Failing:
    def chunk(self, chunk):
      raise OSError('disk full')

    def trial(self, record):
      pass

    def close(self):
      pass

  writer = trackers.Background([Failing()])
  writer.chunk(None)
  with pytest.raises(RuntimeError, match='a tracker failed.*disk full'):
    writer.close()


def test_the_writer_thread_keeps_order_and_never_holds_up_training():
  import threading
  release, seen = threading.Event(), []

  class Blocked:
    def chunk(self, chunk):
      release.wait()
      seen.append(('chunk', chunk))

    def trial(self, record):
      seen.append(('trial', record))

    def close(self):
      seen.append(('close', None))

  writer = trackers.Background([Blocked()])
  for i in range(3):
    writer.chunk(i)  # returns although the tracker is still blocked
  writer.trial('t')
  assert seen == []
  release.set()
  writer.close()
  assert seen == [('chunk', 0), ('chunk', 1), ('chunk', 2), ('trial', 't'),
                  ('close', None)]


@pytest.mark.parametrize('name', ['mlflow', 'wandb'])
def test_a_tracker_without_its_package_names_the_extra(tmp_path, monkeypatch,
                                                       name):
  monkeypatch.setitem(sys.modules, name, None)
  cfg = synthetic.config('random', num_trials=2, population=2)
  with pytest.raises(ValueError, match=rf"--tracker={name} needs .*"
                     rf"pip install 'jaxgan\[{name}\]'"):
    search.tune(cfg, str(tmp_path / 'w'), output=search.Output(print, [name]))
  assert not (tmp_path / 'w').exists()  # refused before anything is written
