"""Jupyter first: notebooks/explore.ipynb top to bottom against the test Prometheus, with
keyword arguments only."""

from __future__ import annotations

import re

import nbformat
import papermill
import pytest

from p95kit.report.kernel import prepare_environment
from p95kit.times import to_rfc3339
from tests.support import dataset
from tests.support.paths import ROOT

NOTEBOOKS = ROOT / "notebooks"


def _outputs(executed) -> list:
    return [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]


@pytest.mark.kernel
def test_explore_notebook_runs_against_the_test_prometheus(prom, tmp_path):
    prepare_environment()
    executed = papermill.execute_notebook(
        str(NOTEBOOKS / "explore.ipynb"),
        str(tmp_path / "explore.ipynb"),
        parameters={"prometheus_url": prom.url, "at": to_rfc3339(dataset.END)},
        kernel_name="python3",
        progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    outputs = _outputs(executed)
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 4  # the distribution, two versions compared, P95 over time, budget
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert dataset.HOSTILE_MODEL not in html and "&lt;img src=x" in html  # escaped
    text = "".join(o.get("text", "") for o in outputs)
    # Only drifting-model changed between the two 24 h windows (dataset.DRIFT_AT).
    assert "1 model(s) 10 % or more slower: drifting-model" in text, text
    # Before/after (12 h apart): only drifting-model changed, and its buckets show it.
    assert "slower: drifting-model\n" in text, text
    source = nbformat.read(NOTEBOOKS / "explore.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in source.cells if c.cell_type == "code")


def test_explore_notebook_calls_take_keyword_arguments():
    """No positional strings: every p95kit call in the notebook names its arguments."""
    source = nbformat.read(NOTEBOOKS / "explore.ipynb", as_version=4)
    code = "\n".join(c.source for c in source.cells if c.cell_type == "code")
    calls = re.findall(r"p95kit\.(\w+)\(\s*([^)]*)", code)
    assert {name for name, _ in calls} >= {"buckets", "plot_distribution", "percentiles"}
    for name, arguments in calls:
        first = arguments.split(",")[0].strip()
        assert not first.startswith(('"', "'")), f"p95kit.{name}({first} ...)"
