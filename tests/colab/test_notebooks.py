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
def test_notebook_runs_top_to_bottom(tmp_path, monkeypatch, pytestconfig,
                                    name):
  monkeypatch.setenv('SMOKE', '1')
  monkeypatch.setenv('JAXGAN_WORKDIR', str(tmp_path / 'work'))
  book = nbformat.read(os.path.join(COLAB, name), as_version=4)
  # IPC sockets, not TCP ports: another test process may take a port between
  # jupyter choosing it and the kernel binding it.
  kernel = KernelManager(kernel_name='python3', transport='ipc',
                         ip=str(tmp_path / 'kernel'))
  # No deadline of nbclient's own: a cell runs as long as it takes, and
  # every output a cell made is waited for (nbclient gives up on them after
  # 4 s by default, and goes on without them). The test's hang guard
  # (pytest-timeout) bounds the waits nbclient needs a number for.
  hang = int(pytestconfig.getini('timeout'))
  nbclient.NotebookClient(book, km=kernel, timeout=None,
                          startup_timeout=hang, iopub_timeout=hang,
                          raise_on_iopub_timeout=True,
                          resources={'metadata': {'path': str(tmp_path)}}
                          ).execute()
  errors = [o for cell in book.cells if cell.cell_type == 'code'
            for o in cell.outputs if o.output_type == 'error']
  assert not errors
  shown = [o for cell in book.cells if cell.cell_type == 'code'
           for o in cell.outputs
           if {'image/png', 'text/html'} & set(o.get('data', {}))]
  assert shown  # the notebook shows its samples, plots or report
