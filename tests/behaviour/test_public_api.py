"""The public API: p95kit's and p95kit.report's names, keyword-only query parameters, and
the README's "From Python" report example run as written."""

from __future__ import annotations

import ast
import inspect
import json
import re

import pytest

import p95kit
import p95kit.report
from tests.support import dataset
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_type_checking_imports_mirror_the_export_map():
    tree = ast.parse((ROOT / "p95kit" / "__init__.py").read_text(encoding="utf-8"))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
    )
    imported = {a.name: n.module for n in block.body for a in n.names}
    assert imported == p95kit._EXPORTS
    assert p95kit.__all__ == ["__version__", *p95kit._EXPORTS]


def test_report_exports_what_a_script_needs_documented():
    assert sorted(p95kit.report.__all__) == [
        "DEFAULT_NOTEBOOK",
        "Delivery",
        "ReportRun",
        "ReportSettings",
        "run_report",
    ]
    for name in ("run_report", "ReportRun", "ReportSettings", "Delivery"):
        value = getattr(p95kit.report, name)
        assert value.__doc__ and value.__doc__.strip(), name
    assert p95kit.report.DEFAULT_NOTEBOOK.is_file()
    assert set(p95kit.report.__all__) <= set(dir(p95kit.report))
    with pytest.raises(AttributeError):
        p95kit.report.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    "function, positional",
    [
        (p95kit.p95, ["metric_name", "time_range"]),
        (p95kit.p95_range, ["metric_name", "duration"]),
        (p95kit.percentiles, ["metric_name", "percentiles"]),
        (p95kit.list_models, ["metric_name", "model_label"]),
        (p95kit.slo, ["metric_name", "threshold_ms"]),
        (p95kit.burn_rates, ["metric_name", "threshold_ms"]),
        (p95kit.budget_over_time, ["metric_name", "threshold_ms"]),
    ],
)
def test_query_functions_take_two_positional_parameters_and_the_rest_by_keyword(
    function, positional
):
    parameters = inspect.signature(function).parameters.values()
    assert [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD] == positional
    assert all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in parameters)


def test_p95_range_with_a_positional_step_is_a_type_error_before_any_request():
    with pytest.raises(TypeError):
        p95kit.p95_range(
            "request_duration_seconds", "6h", "5m", prometheus_url="http://127.0.0.1:9"
        )


@pytest.mark.kernel
def test_the_readme_report_from_python_example(prom, tmp_path):
    start = README.index("### From Python (Airflow, a script)")
    code = re.search(r"```python\n(.*?)```", README[start:], re.DOTALL).group(1)
    assert "import p95kit.report." not in code and "from p95kit.report." not in code
    url, out = '"http://prometheus.internal:9090"', '"/srv/reports"'
    assert url in code and out in code
    namespace: dict = {}
    exec(code.replace(url, repr(prom.url)).replace(out, repr(str(tmp_path))), namespace)

    html = namespace["daily_report"](end=dataset.END)
    assert html == (tmp_path / "latest").resolve() / "report.html" and html.is_file()
    run = json.loads((html.parent / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "success" and run["parameters"]["slo_ms"] == 500
    assert run["window"]["end"] == "2026-11-21T00:00:00Z"
    assert run["parameters"]["prometheus_url"] == prom.url
