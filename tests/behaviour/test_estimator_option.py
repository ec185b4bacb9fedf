"""``--estimator`` on ``p95kit query`` and ``p95kit report``, against the shared ``prom``."""

from __future__ import annotations

import json

import pytest

import p95kit
from tests.support import dataset

END = str(dataset.END)


@pytest.mark.parametrize(
    ("command", "call", "when"),
    [
        ("p95", p95kit.p95, {"at": dataset.END}),
        ("percentiles", p95kit.percentiles, {"at": dataset.END}),
        ("range", p95kit.p95_range, {"end": dataset.END}),
    ],
)
def test_query_estimator_smooth_prints_the_library_payload(prom, command, call, when, cli):
    result = cli(
        "query",
        command,
        "--prometheus-url",
        prom.url,
        "--end",
        END,
        "--estimator",
        "smooth",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    frame = call(prometheus_url=prom.url, estimator="smooth", **when)
    assert frame.attrs["estimator"] == "smooth"
    assert json.loads(result.stdout) == json.loads(json.dumps(p95kit.to_payload(frame)))


def test_query_unknown_estimator_exits_2(cli):
    result = cli("query", "p95", "--prometheus-url", "http://127.0.0.1:9", "--estimator", "lin")
    assert result.exit_code == 2
    assert "--estimator" in result.stderr and result.stdout == ""


@pytest.mark.kernel
def test_report_says_which_estimator_everywhere(prom, tmp_path, cli):
    result = cli.report(prom.url, tmp_path, "--duration", "24h", "--estimator", "smooth")
    assert result.exit_code == 0, result.stderr
    latest = tmp_path / "latest"
    summary = json.loads((latest / "summary.json").read_text("utf-8"))
    assert summary["meta"]["estimator"] == "smooth"
    assert json.loads((latest / "run.json").read_text("utf-8"))["parameters"]["estimator"] == (
        "smooth"
    )
    assert "estimator smooth" in (latest / "report.html").read_text("utf-8")
    expected = p95kit.percentiles(
        prometheus_url=prom.url, at=dataset.END, time_range="1d", estimator="smooth"
    ).set_index("model")
    for row in summary["models"]:
        if row["p95"] is not None:
            assert row["p95"] == pytest.approx(expected.loc[row["model"], "p95"], abs=0.006)
    window = json.loads((latest / "percentiles.json").read_text("utf-8"))
    assert window["count"] == len(summary["models"])
