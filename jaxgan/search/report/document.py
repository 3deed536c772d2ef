"""The report's model: a document of blocks (headings, text, tables, code,
pictures) that the Markdown and HTML renderers read."""

import math

# Where the pictures go, in the workdir.
FIGURES = 'report'


def number(value) -> str:
  """A table cell as text: floats to 4 significant digits."""
  if isinstance(value, (bool, int)) or not isinstance(value, float):
    return '' if value is None else str(value)
  return f'{value:.4g}' if math.isfinite(value) else str(value)


class Document:
  """A report as blocks: what its renderers
  (:mod:`~jaxgan.search.report.to_markdown`,
  :mod:`~jaxgan.search.report.to_html`) read."""

  def __init__(self):
    self.blocks = []

  def heading(self, level: int, text: str):
    self.blocks.append(('heading', level, text))

  def text(self, text: str):
    self.blocks.append(('text', text))

  def table(self, header: list[str], rows: list[list],
            limit: int | None = None):
    """A table; markdown shows its first ``limit`` rows, HTML all of them,
    sortable by any column."""
    self.blocks.append(('table', header, rows, limit))

  def code(self, text: str):
    self.blocks.append(('code', text))

  def pictures(self, items: list[tuple[str, str]], small: bool = False):
    """``items``: ``(file name in W/report/, caption)``; ``small`` pictures
    sit four to a row in HTML."""
    if items:
      self.blocks.append(('pictures', items, small))
