"""Alerting exits for cron (p95kit.report.alerts): ``--fail-on-breach`` and ``--max-regression``
publish the snapshot, then exit 5 with one line per offending model, against a small real
Prometheus; and the lines themselves, one per model and metric, terminal-safe."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from p95kit.display.formatting import number
from tests.support import dataset, smallprom


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


STEADY = list(dataset.per_bucket(smallprom.BOUNDS, {0.1: 50, 0.25: 50}))
FAST = list(dataset.per_bucket(smallprom.BOUNDS, {0.05: 60, 0.1: 40}))
SLOW = list(dataset.per_bucket(smallprom.BOUNDS, {0.5: 50, 1.0: 50}))


@pytest.fixture(scope="module")
def alerting(prometheus_binaries, tmp_path_factory):
    """steady-model: the same P95 both hours; regressing-model: ~94 ms, then 950 ms."""
    server = smallprom.start(
        tmp_path_factory.mktemp("alerting"),
        {"steady-model": STEADY, "regressing-model": (FAST, SLOW)},
    )
    with server:
        yield server


def report_with(cli, server, out, *extra):
    return cli.report(server.url, out, *extra, duration="1h")  # --end dataset.END


@pytest.mark.kernel
def test_fail_on_breach_publishes_then_exits_5_with_one_line_per_model(alerting, tmp_path, cli):
    result = report_with(cli, alerting, tmp_path, "--slo-ms", "200", "--fail-on-breach")
    assert result.exit_code == 5
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("p95kit: SLO breach: model ") for line in lines)
    assert {line.split(": ")[2] for line in lines} == {
        "model regressing-model",
        "model steady-model",
    }
    slow = number(dataset.expected_quantile(0.95, smallprom.BOUNDS, SLOW) * 1000)
    assert f"model regressing-model: window P95 {slow} ms > SLO 200 ms" in result.stderr
    assert read(tmp_path / "latest" / "run.json")["status"] == "success"  # published


@pytest.mark.kernel
def test_max_regression_exits_5_naming_the_regressing_model(alerting, tmp_path, cli):
    result = report_with(cli, alerting, tmp_path, "--max-regression", "20")
    assert result.exit_code == 5
    (line,) = result.stderr.splitlines()
    fast, slow = (dataset.expected_quantile(0.95, smallprom.BOUNDS, c) * 1000 for c in (FAST, SLOW))
    pct = 100 * (slow - fast) / fast
    assert line == (
        f"p95kit: regression: model regressing-model: P95 {number(fast)} -> {number(slow)} ms "
        f"({pct:+.1f} %) > 20 %"
    )
    assert (tmp_path / "latest" / "report.html").is_file()


@pytest.mark.kernel
def test_within_limits_is_silent_and_exits_0(alerting, tmp_path, cli):
    result = report_with(
        cli, alerting, tmp_path, "--slo-ms", "2000", "--fail-on-breach", "--max-regression", "2000"
    )
    assert result.exit_code == 0 and result.stderr == "" and result.stdout == ""


def test_fail_on_breach_needs_an_slo(alerting, tmp_path, cli):
    result = report_with(cli, alerting, tmp_path, "--fail-on-breach")
    assert result.exit_code == 2 and "--fail-on-breach needs --slo-ms" in result.stderr
    assert not (tmp_path / "latest").exists()


def test_alert_lines_name_each_offending_model_once():
    import pandas as pd

    from p95kit.report.alerts import alert_lines

    summary = pd.DataFrame(
        {
            "model": ["slow\x1b[31m", "fine", "new"],
            "p95": [900.0, 100.0, 700.0],
            "p95_previous_ms": [600.0, 99.0, math.nan],
            "delta_p95_pct": [50.0, 1.0, math.nan],
            "top_bucket_ms": [math.nan, math.nan, 700.0],
        }
    )
    lines = alert_lines({"m": summary}, slo_ms=500, fail_on_breach=True, max_regression=10)
    assert lines == [
        "p95kit: SLO breach: model slow\\x1b[31m: window P95 900.0 ms > SLO 500 ms",
        "p95kit: SLO breach: model new: window P95 ≥ 700.0 ms > SLO 500 ms",
        "p95kit: regression: model slow\\x1b[31m: P95 600.0 -> 900.0 ms (+50.0 %) > 10 %",
    ]
    assert alert_lines({"m": summary}, slo_ms=500) == []  # no --fail-on-breach: no lines
    two = alert_lines({"a": summary, "b": summary}, max_regression=10)
    assert [line.split(": ")[2] for line in two] == [
        "a model slow\\x1b[31m",
        "b model slow\\x1b[31m",
    ]
