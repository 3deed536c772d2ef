"""A report rendered as one self-contained HTML page (``W/report.html``):
the template, stylesheet and script of ``templates/``, the pictures
inlined, every table sortable."""

import base64
import html
import math
import os
import re

from jaxgan.search.report.document import Document, number

# The page's template, stylesheet and script.
TEMPLATES = os.path.join(os.path.dirname(__file__), 'templates')


def sort_key(value) -> str | None:
  """A table cell's value for sorting: numbers (infinities included), or
  None to sort by the cell's text."""
  if isinstance(value, bool) or not isinstance(value, (int, float)):
    return None
  if math.isnan(value):
    return None
  return repr(float(value)).replace('inf', 'Infinity')


def inline_code(text: str) -> str:
  return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))


def render(doc: Document, directory: str, title: str) -> str:
  """The page (:data:`TEMPLATES`: ``report.html`` with its stylesheet and
  script inlined), its pictures read from ``directory`` and inlined."""
  import jinja2
  import markupsafe
  inline = lambda text: markupsafe.Markup(inline_code(text))
  blocks, toc, anchors = [], [], set()
  for kind, *args in doc.blocks:
    if kind == 'heading':
      anchor = re.sub(r'[^a-z0-9]+', '-', args[1].lower()).strip('-')
      if anchor in anchors:
        anchor = f'{anchor}-{len(anchors)}'
      anchors.add(anchor)
      blocks.append(dict(kind=kind, level=args[0], id=anchor,
                         html=inline(args[1])))
      if args[0] == 2:
        toc.append(dict(id=anchor, text=args[1].split(':')[0]))
    elif kind == 'text':
      blocks.append(dict(kind=kind, html=inline(args[0])))
    elif kind == 'table':
      header, rows, _ = args
      blocks.append(dict(kind=kind, header=header, rows=[
          [dict(html=inline(number(v)), number=sort_key(v)) for v in r]
          for r in rows]))
    elif kind == 'code':
      blocks.append(dict(kind=kind, text=args[0]))
    else:
      items = []
      for name, caption in args[0]:
        with open(os.path.join(directory, name), 'rb') as f:
          encoded = base64.b64encode(f.read()).decode('ascii')
        items.append(dict(data=encoded, caption=caption,
                          html=inline(caption)))
      blocks.append(dict(kind='pictures', figures=items, small=args[1]))
  env = jinja2.Environment(
      loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
      trim_blocks=True, lstrip_blocks=True)
  read = lambda name: markupsafe.Markup(env.loader.get_source(env, name)[0])
  return env.get_template('report.html').render(
      title=title, blocks=blocks, toc=toc, style=read('report.css'),
      script=read('report.js'))
