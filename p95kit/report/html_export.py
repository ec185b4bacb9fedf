"""Notebook -> one self-contained HTML page: no code, no CDN, charts inline.

The page uses the packaged ``p95kit_offline`` template (``templates/p95kit_offline``),
which extends nbconvert's ``lab/index.html.j2`` and empties the blocks that load
require.js, MathJax, Mermaid and the widget manager from a CDN. Its ``conf.json``
names ``lab`` as the base template: without it nbconvert does not put the lab
template directory on its search path, so ``base.html.j2`` and the lab CSS are not
found. PNG outputs are embedded as ``data:`` URIs by nbconvert itself.

HTML outputs are set aside during the export. nbconvert's HTML exporter parses the
finished page with BeautifulSoup to give images a default alternative text and output
areas a ``tabindex``, and writes it out again: for a report that is most of the export,
and it grows with every table cell (a 3-metric report has ~2,600). The outputs are
exported as placeholders, which the parse leaves in their output areas (those get their
``tabindex``), and put back afterwards. The outputs are the report's own tables, escaped
when they were built (:mod:`p95kit.report.sections`); the parse changed nothing in them
but their spelling (nbconvert's ``sanitize_html`` is off here, as by default: were it on,
the placeholders would pass its cleaning by). Should a placeholder not come back exactly
once, the page is exported again the slow way.
"""

from __future__ import annotations

import copy
import secrets
from pathlib import Path

import nbformat

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "p95kit_offline"
HTML = "text/html"


def notebook_to_html(nb: nbformat.NotebookNode, title: str = "P95 latency report") -> str:
    """Export an executed notebook to HTML with code inputs and prompts hidden.

    ``title`` is the page's ``<title>`` unless the notebook's metadata has one.
    Runs in-process (no ``jupyter nbconvert`` subprocess); returns the page as text.
    """
    shown, aside = _set_aside(nb)
    page = _export(shown, title)
    if all(page.count(marker) == 1 for marker in aside):
        for marker, html in aside.items():
            page = page.replace(marker, html, 1)
        return page
    return _export(nb, title)  # a template that dropped or repeated an output


def _set_aside(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict[str, str]]:
    """A copy of ``nb`` whose HTML outputs are placeholders, and each placeholder's HTML."""
    shown = copy.copy(nb)
    shown.cells = []
    aside: dict[str, str] = {}
    prefix = f"p95kit-output-{secrets.token_hex(8)}-"
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and any(HTML in o.get("data", {}) for o in cell.outputs):
            cell = copy.copy(cell)
            cell.outputs = [_placeholder(o, prefix, aside) for o in cell.outputs]
        shown.cells.append(cell)
    return shown, aside


def _placeholder(output: dict, prefix: str, aside: dict[str, str]) -> dict:
    html = output.get("data", {}).get(HTML)
    if not isinstance(html, str):  # absent, or still a list of lines: left as it is
        return output
    marker = f"{prefix}{len(aside)}-end"  # "-1-end" is not part of "-10-end"
    aside[marker] = html
    output = copy.copy(output)
    output["data"] = {**output["data"], HTML: marker}
    return output


def _export(nb: nbformat.NotebookNode, title: str) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body
