import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def test_label_free_metrics_prints_the_points_table(capsys):
  spec = importlib.util.spec_from_file_location(
      'label_free_metrics',
      os.path.join(ROOT, 'experiments', 'label_free_metrics.py'))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  module.main(['--samples=100', '--kinds=points'])
  lines = capsys.readouterr().out.strip().splitlines()
  assert lines[0] == '| given | energy_distance | precision | recall |'
  rows = {line.split(' | ')[0][2:]: [float(v) for v in
                                     line.strip(' |').split(' | ')[1:]]
          for line in lines[2:]}
  assert len(rows) == 1 + len(module.NOISE) + len(module.KEPT)
  arcs = [rows[f'{k:.0%} of the angle'][0] for k in module.KEPT]
  assert arcs == sorted(arcs) and arcs[0] > rows['floor (training points)'][0]
