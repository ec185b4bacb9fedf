"""The HTML snapshot page (p95kit.report.html_export): offline (no CDN), code hidden, charts
embedded, labels escaped."""

from __future__ import annotations

import base64
import copy
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from p95kit.display.plotting import figure_png, plot_p95
from p95kit.report import sections
from p95kit.report.html_export import TEMPLATE_DIR, TEMPLATE_NAME, notebook_to_html
from tests.support.report_data import HOSTILE, make_data

CODE_MARKER = "secret_code_marker_42 = 1"
EXTERNAL = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _notebook() -> nbformat.NotebookNode:
    data = make_data()
    png = figure_png(plot_p95(data.range, slo_ms=500, order=data.summary["model"]))
    outputs = [
        new_output("display_data", data={"text/html": sections.summary_table(data)}),
        new_output(
            "display_data",
            data={"image/png": base64.b64encode(png).decode("ascii"), "text/plain": "<Figure>"},
        ),
        new_output("stream", name="stdout", text="printed text\n"),
    ]
    cells = [
        new_markdown_cell("# P95 latency report\n\nCosts $5 or $6, `$x$` stays text."),
        new_code_cell(CODE_MARKER, outputs=outputs, execution_count=1),
    ]
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return new_notebook(cells=cells, metadata=metadata)


@pytest.fixture(scope="module")
def page() -> str:
    return notebook_to_html(_notebook())


def test_page_loads_nothing_from_the_network(page):
    assert EXTERNAL.findall(page) == []
    assert "<link" not in page.lower()
    assert "@import" not in page
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", page)
    assert not re.search(r"import\(\s*[\"']https?://", page)  # the lab template's Mermaid loader
    for cdn in ("cdnjs", "unpkg", "jsdelivr", "require.min.js", "MathJax.js"):
        assert cdn not in page


def test_page_hides_code_inputs_and_prompts(page):
    assert CODE_MARKER not in page
    assert "secret_code_marker_42" not in page
    body = page[page.index("<body") :]
    assert not re.search(r'class="[^"]*Prompt', body)  # no In [1]: / Out[1]: prompts
    assert "jp-CodeMirrorEditor" not in body and 'class="highlight' not in body
    assert "jp-mod-noInput" in body
    assert "printed text" in page


def test_page_embeds_the_chart_as_a_png(page):
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(b"\x89PNG")


def test_page_shows_hostile_labels_as_text(page):
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert HOSTILE not in page


def test_page_shows_markdown_with_dollars_and_a_title(page):
    assert "<title>P95 latency report</title>" in page
    assert "Costs $5 or $6" in page


def test_template_extends_lab_and_empties_the_cdn_blocks():
    folder = TEMPLATE_DIR / TEMPLATE_NAME
    template = (folder / "index.html.j2").read_text(encoding="utf-8")
    assert "extends 'lab/index.html.j2'" in template
    for block in ("html_head_js_requirejs", "html_head_js_mathjax", "html_head_js_mermaidjs"):
        assert f"block {block}" in template
    assert '"base_template": "lab"' in (folder / "conf.json").read_text(encoding="utf-8")


def test_html_outputs_come_back_verbatim_in_their_focusable_output_areas():
    """The export sets HTML outputs aside (nbconvert's BeautifulSoup pass would re-parse
    every table cell) and puts each back once: 12 of them, so "-1" is not found in "-10"."""
    cell = "<tr><td>&lt;b&gt; {}</td></tr>"
    tables = [f"<table><caption>t{i}</caption>{cell.format(i)}</table>" for i in range(12)]
    outputs = [new_output("display_data", data={"text/html": t}) for t in tables]
    cells = [new_code_cell("x = 1", outputs=outputs, execution_count=1)]
    nb = new_notebook(cells=cells)
    before = copy.deepcopy(nb)
    page = notebook_to_html(nb)
    assert nb == before  # the executed notebook, saved beside the page, is left as it was
    assert all(page.count(t) == 1 for t in tables)
    assert page.index(tables[1]) < page.index(tables[2]) < page.index(tables[10])
    assert "p95kit-output-" not in page
    areas = re.findall(r'<div class="[^"]*jp-OutputArea-output[^"]*"[^>]*>', page)
    assert len(areas) == 12 and all('tabindex="0"' in a for a in areas)


def test_a_placeholder_lost_by_the_template_exports_the_slow_way(monkeypatch):
    from p95kit.report import html_export

    real = html_export._export
    calls = []

    def dropping(nb, title):
        calls.append(nb)
        page = real(nb, title)
        return re.sub(r"p95kit-output-[0-9a-f]+-0-end", "", page) if len(calls) == 1 else page

    monkeypatch.setattr(html_export, "_export", dropping)
    nb = _notebook()
    page = notebook_to_html(nb)
    assert len(calls) == 2 and calls[1] is nb
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "p95kit-output-" not in page
