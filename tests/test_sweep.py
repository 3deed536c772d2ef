import json

import numpy as np
import pytest

from jaxgan import sweep


def test_inline_product():
  out = sweep.parse('lr_d=1e-4,2e-4;loss=hinge,non_saturating;model.width=8')
  assert len(out) == 4
  assert out[0] == {'lr_d': 1e-4, 'loss': 'hinge', 'model.width': 8}
  assert isinstance(out[0]['model.width'], int)


def test_ranges():
  out = sweep.parse('lr_d=log:1e-4:1e-2:3;b1_g=lin:0:0.8:2')
  np.testing.assert_allclose(sorted({s['lr_d'] for s in out}),
                             [1e-4, 1e-3, 1e-2])
  assert sorted({s['b1_g'] for s in out}) == [0.0, 0.8]


def test_json_list_and_mapping(tmp_path):
  listed = tmp_path / 'list.json'
  listed.write_text(json.dumps([{'lr_d': 1e-3}, {'lr_g': 1e-4}]))
  assert sweep.parse(str(listed)) == [{'lr_d': 1e-3}, {'lr_g': 1e-4}]
  mapping = tmp_path / 'grid.json'
  mapping.write_text(json.dumps({'lr_d': [1, 2], 'lr_g': [3, 4, 5]}))
  assert len(sweep.parse(str(mapping))) == 6


@pytest.mark.parametrize('spec,message', [
    ('lr_d', r"'lr_d' is not NAME=VALUES"),
    ('lr_d=', 'lr_d= has no values'),
    ('lr_d=log:0:1:3', 'a log range needs LOW and HIGH > 0'),
    ('lr_d=log:1e-4:1e-3', 'a range is KIND:LOW:HIGH:COUNT'),
    ('lr_d=lin:0:1:x', 'COUNT must be an integer'),
    ('missing.json', "sweep file 'missing.json' does not exist"),
    (';', 'names no axis'),
])
def test_malformed_specs_are_named(spec, message):
  with pytest.raises(ValueError, match=message):
    sweep.parse(spec)
