"""A report rendered as Markdown (``W/report.md``)."""

from jaxgan.search.report.document import FIGURES, Document, number


def render(doc: Document) -> str:
  """``doc`` as Markdown: pictures linked from ``W/report/``, a table's
  first ``limit`` rows."""
  out = []
  for kind, *args in doc.blocks:
    if kind == 'heading':
      out += ['#' * args[0] + ' ' + args[1], '']
    elif kind == 'text':
      out += [args[0], '']
    elif kind == 'table':
      header, rows, limit = args
      out += ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
      out += ['| ' + ' | '.join(map(number, r)) + ' |'
              for r in rows[:limit]]
      if limit is not None and len(rows) > limit:
        out.append(f'\n{len(rows) - limit} more rows in report.html.')
      out.append('')
    elif kind == 'code':
      out += ['```python', args[0], '```', '']
    else:
      out += [f'![{caption}]({FIGURES}/{name})'
              for name, caption in args[0]]
      out.append('')
  return '\n'.join(out)
