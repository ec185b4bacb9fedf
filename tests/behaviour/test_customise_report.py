"""README "Customise the report", run as written: copy the notebook, add the section, run
the copy with ``p95kit report --notebook`` (real kernel, the test Prometheus)."""

from __future__ import annotations

import re
import shlex
import subprocess

import nbformat
import pytest

from tests.support import dataset
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"### {title}\n")
    end = re.compile(r"^#{2,3} ", re.MULTILINE).search(README, start + 4)
    return README[start : end.start() if end else len(README)]


def _blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", text, re.DOTALL)


@pytest.mark.kernel
def test_the_readme_example_adds_a_section_to_a_copy_and_runs_it(prom, tmp_path, monkeypatch, cli):
    section = _section("Customise the report")
    (copy_lang, copy), (cell_lang, cell), (run_lang, run) = _blocks(section)
    assert (copy_lang, cell_lang, run_lang) == ("bash", "python", "bash")
    heading = re.search(r"a\s+Markdown cell `([^`]+)`", section).group(1)

    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks")
    subprocess.run(["bash", "-ec", copy], cwd=tmp_path, check=True)
    copied = tmp_path / "my-report.ipynb"
    notebook = nbformat.read(copied, as_version=4)
    notebook.cells += [nbformat.v4.new_markdown_cell(heading), nbformat.v4.new_code_cell(cell)]
    nbformat.write(notebook, copied)

    command = shlex.split(run)
    assert command[:2] == ["p95kit", "report"] and "--notebook" in command
    monkeypatch.chdir(tmp_path)
    test_prometheus = ["--prometheus-url", prom.url, "--end", str(dataset.END), "--out", "out"]
    result = cli(*command[1:], *test_prometheus)
    assert result.exit_code == 0, result.stderr

    html = (tmp_path / "out" / "latest" / "report.html").read_text(encoding="utf-8")
    assert ">Each model's worst moment" in html  # the Markdown heading
    added = html.split("<caption>Worst moments</caption>", 1)[1]
    # gpt-4's P95 is 375 ms at every point (tests/dataset.py): its first is the worst
    gpt4 = re.search(
        r'<td class="model">gpt-4</td><td class="num">([^<]*)</td>'
        r'<td class="num">([^<]*)</td>',
        added,
    )
    assert gpt4.groups() == ("375.0 ms", "2026-11-20 00:00 UTC")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 2  # the report's chart and the section's
    assert 'alt="P95 latency over time of ' in images[1]
    executed = nbformat.read(tmp_path / "out" / "latest" / "report.ipynb", as_version=4)
    assert executed.cells[-1].source == cell and executed.cells[-1].outputs


def test_table_gives_rows_the_report_look_and_escapes_every_cell():
    from p95kit.report import sections

    hostile = dataset.HOSTILE_MODEL
    html = sections.table(
        ["Model", "<b>P99</b>"], [(hostile, ("1.0 ms", "num worse"))], caption="a & b"
    )
    assert html.startswith("<style>") and '<div class="p95kit">' in html
    assert "<caption>a &amp; b</caption>" in html and "&lt;b&gt;P99&lt;/b&gt;" in html
    assert f'<td class="model">{sections._esc(hostile)}</td>' in html
    assert '<td class="num worse">1.0 ms</td>' in html and "<img" not in html
    assert "Nothing yet" in sections.table(["Model"], [], caption="c", empty="Nothing yet")


def test_chart_image_keeps_the_alternative_text():
    import pandas as pd

    from p95kit import plot_p95
    from p95kit.report import chart

    frame = pd.DataFrame(
        {
            "model": ["a", "a"],
            "timestamp": pd.to_datetime([0, 60], unit="s", utc=True),
            "p95_latency_ms": [1.0, 2.0],
        }
    )
    shown = chart.image(plot_p95(frame), alt="P95 of a")
    assert shown.data.startswith(b"\x89PNG") and shown.metadata == {"alt": "P95 of a"}
