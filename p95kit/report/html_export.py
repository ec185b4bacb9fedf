"""Notebook -> one self-contained HTML page: no code, no CDN, charts inline.

The page uses the packaged ``p95kit_offline`` template (``templates/p95kit_offline``),
which extends nbconvert's ``lab/index.html.j2`` and empties the blocks that load
require.js, MathJax, Mermaid and the widget manager from a CDN. Its ``conf.json``
names ``lab`` as the base template: without it nbconvert does not put the lab
template directory on its search path, so ``base.html.j2`` and the lab CSS are not
found. PNG outputs are embedded as ``data:`` URIs by nbconvert itself.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "p95kit_offline"


def notebook_to_html(nb: nbformat.NotebookNode, title: str = "P95 latency report") -> str:
    """Export an executed notebook to HTML with code inputs and prompts hidden.

    ``title`` is the page's ``<title>`` unless the notebook's metadata has one.
    Runs in-process (no ``jupyter nbconvert`` subprocess); returns the page as text.
    """
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
