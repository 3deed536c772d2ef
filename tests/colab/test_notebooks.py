import os

import nbclient
import nbformat
import pytest
from jupyter_client.manager import KernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
COLAB = os.path.join(ROOT, 'colab')
NOTEBOOKS = sorted(f for f in os.listdir(COLAB) if f.endswith('.ipynb'))


def test_every_notebook_is_listed():
  assert NOTEBOOKS == ['bayesian_search.ipynb', 'pbt.ipynb',
                       'quickstart.ipynb']


@pytest.mark.slow
@pytest.mark.parametrize('name', NOTEBOOKS)
def test_notebook_runs_top_to_bottom(tmp_path, monkeypatch, name):
  monkeypatch.setenv('SMOKE', '1')
  monkeypatch.setenv('JAXGAN_WORKDIR', str(tmp_path / 'work'))
  book = nbformat.read(os.path.join(COLAB, name), as_version=4)
  # IPC sockets, not TCP ports: another test process may take a port between
  # jupyter choosing it and the kernel binding it.
  kernel = KernelManager(kernel_name='python3', transport='ipc',
                         ip=str(tmp_path / 'kernel'))
  nbclient.NotebookClient(book, km=kernel, timeout=600,
                          resources={'metadata': {'path': str(tmp_path)}}
                          ).execute()
  errors = [o for cell in book.cells if cell.cell_type == 'code'
            for o in cell.outputs if o.output_type == 'error']
  assert not errors
  shown = [o for cell in book.cells if cell.cell_type == 'code'
           for o in cell.outputs
           if {'image/png', 'text/html'} & set(o.get('data', {}))]
  assert shown  # the notebook shows its samples, plots or report
