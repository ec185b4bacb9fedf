"""The report's parameters are declared once (p95kit/report/parameters.py); the CLI, the
notebook's parameters cell, papermill and run.json follow that declaration; the notebook's one
parameters cell is clean, annotated with the documented defaults and read by papermill."""

from __future__ import annotations

import dataclasses

import nbformat
import papermill
import pytest

from p95kit.cli.report_command import report
from p95kit.report.data import ReportData
from p95kit.report.notebook_data import notebook_data
from p95kit.report.parameters import (
    NOTEBOOK_FIRST,
    NOTEBOOK_LAST,
    SELECTION_DEFAULTS,
    ReportSettings,
    notebook_cell,
    notebook_parameters,
    settings_from_notebook,
    to_notebook,
)
from p95kit.report.plan import plan
from p95kit.report.snapshots import read_run
from tests.support import dataset
from tests.support.paths import ROOT

NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
FIELDS = [f.name for f in dataclasses.fields(ReportSettings)]
NOTEBOOK_NAMES = [*NOTEBOOK_FIRST, *FIELDS, *NOTEBOOK_LAST]


def test_the_notebooks_parameters_cell_is_the_declared_one():
    cell = nbformat.read(NOTEBOOK, as_version=4).cells[1]
    assert "parameters" in cell.metadata.tags
    assert cell.source == notebook_cell(), "paste p95kit.report.parameters.notebook_cell()"
    assert list(papermill.inspect_notebook(str(NOTEBOOK))) == NOTEBOOK_NAMES


def test_every_setting_is_a_report_option_with_the_declared_default():
    context = report.make_context("report", [])
    for field in dataclasses.fields(ReportSettings):
        given = context.params[field.name]
        if isinstance(field.default, tuple) and isinstance(given, str):
            given = tuple(float(p) for p in given.split(","))  # --percentiles 50,95,99
        # the selection's options show what None means without a preset
        assert given == SELECTION_DEFAULTS.get(field.name, field.default), field.name
        option = field.metadata["option"]
        if option is not None:
            param = next(p for p in report.params if p.name == field.name)
            assert param.help == option.help and param.opts == ["--" + field.name.replace("_", "-")]


def test_papermill_parameters_round_trip_to_the_same_settings():
    settings = ReportSettings(
        duration="6h",
        percentiles="50,99.9",
        slo_ms=250,
        models=("gpt-4", "模型-ü"),
        selector='env="prod"',
        end=dataset.END,
    )
    as_run = plan(settings).settings
    given = notebook_parameters(as_run, prometheus_url="http://p", data_dir="/d")
    assert list(given) == NOTEBOOK_NAMES
    assert all(type(value) in (str, int, float) for value in given.values())
    assert given["models"] == "gpt-4,模型-ü" and given["percentiles"] == "50,95,99.9"
    assert given["end"] == "2026-11-21T00:00:00Z" and given["step"] == "1m"
    again = settings_from_notebook(given)
    assert plan(again) == plan(as_run)
    defaults = {
        f.name: to_notebook(f.default, f.metadata["notebook"].type)
        for f in dataclasses.fields(ReportSettings)
    }
    assert settings_from_notebook(defaults) == ReportSettings(percentiles=("50", "95", "99"))


@pytest.mark.kernel
def test_models_and_selector_reach_the_notebook_and_run_json(prom, tmp_path, cli):
    chosen = ["--model", "gpt-4", "--model", "staging-model", "--selector", 'env="prod"']
    result = cli.report(prom.url, tmp_path, "--duration", "6h", *chosen)
    assert result.exit_code == 0, result.stderr
    snapshot = (tmp_path / "latest").resolve()
    given = nbformat.read(snapshot / "report.ipynb", as_version=4).metadata.papermill.parameters
    assert sorted(given) == sorted(NOTEBOOK_NAMES)  # the notebook's metadata sorts them
    assert given["models"] == "gpt-4,staging-model" and given["selector"] == 'env="prod"'

    parameters = read_run(snapshot)["parameters"]
    assert list(parameters) == [*FIELDS, "prometheus_url"]
    assert parameters["models"] == ["gpt-4", "staging-model"]
    assert parameters["selector"] == 'env="prod"' and parameters["percentiles"] == "50,95,99"

    # The notebook opened live with the same parameters asks Prometheus the same questions.
    saved = ReportData.load(snapshot)
    live = notebook_data({**given, "data_dir": ""})
    assert saved.summary["model"].tolist() == live.summary["model"].tolist() == ["gpt-4"]
    assert saved.meta["queries"] == live.meta["queries"]
    assert any("staging-model" in warning for warning in saved.meta["warnings"])


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_has_one_parameters_cell_and_is_clean(notebook):
    nbformat.validate(notebook)
    assert notebook.cells[0].cell_type == "markdown"
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is notebook.cells[1]
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert not any(
        line.lstrip().startswith(("%", "!")) for c in code for line in c.source.split("\n")
    )
    assert notebook.metadata.kernelspec.name == "python3"


def test_notebook_parameters_are_annotated_with_the_documented_defaults(notebook):
    source = notebook.cells[1].source
    for line in (
        'prometheus_url: str = ""',
        'metric_name: str = ""',
        'duration: str = "24h"',
        "slo_ms: float = 0.0",
        "max_chart_models: int = 10",
        'data_dir: str = ""',
    ):
        assert line in source


def test_papermill_reads_every_parameter_with_its_type(notebook, caplog):
    found = papermill.inspect_notebook(str(NOTEBOOK))
    assert "Unable to parse" not in caplog.text  # a comment with "=" makes papermill skip a line
    assert list(found) == [
        "prometheus_url",
        "metric_name",
        "model_label",
        "duration",
        "step",
        "time_range",
        "percentiles",
        "end",
        "slo_ms",
        "objective",
        "models",
        "selector",
        "histogram",
        "unit",
        "max_chart_models",
        "estimator",
        "preset",
        "compare_label",
        "data_dir",
    ]
    assert all(p["inferred_type_name"] in ("str", "int", "float") for p in found.values())
