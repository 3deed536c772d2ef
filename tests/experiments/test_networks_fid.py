"""``experiments/networks_fid.py``: SNGAN's preset against the DCGAN
preset on the 32x32 digits, as a smoke run."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..',
                                'experiments'))
import networks_fid  # noqa: E402

pytestmark = pytest.mark.xdist_group('literature')


def test_smoke_run_trains_both_arms_and_writes_their_curves(tmp_path):
  results = networks_fid.main(['--smoke', f'--out={tmp_path}'])
  assert [r['arm'] for r in results] == ['sngan', 'dcgan']
  saved = json.loads((tmp_path / 'networks_fid.json').read_text())
  for r in saved['results']:
    assert r['curve'][-1]['steps'] == 2
    assert r['floor'] < r['final']
    assert (tmp_path / f"{r['arm']}.png").exists()
  assert '| sngan | 2 |' in (tmp_path / 'networks_fid.md').read_text()
