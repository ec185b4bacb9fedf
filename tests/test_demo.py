"""``p95kit demo``, ``p95kit doctor`` and the exploration notebook on the demo's Prometheus."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from click.testing import CliRunner

import p95kit
from p95kit.cli.main import main
from p95kit.demo.synthetic import MODELS, demo_prometheus
from p95kit.report.kernel import prepare_environment

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with demo_prometheus(tmp_path_factory.mktemp("demo")) as server:
        yield server


def _prometheus_pids(parent: int | None = None) -> set[int]:
    """PIDs of demo Prometheus processes (only the children of ``parent`` when given, so
    demos that other test runs on the machine start at the same time do not count)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            ours = parent is None or _parent_pid(entry) == parent
            if b"p95kit-demo-" in cmdline and cmdline.startswith(b"/") and ours:
                pids.add(int(entry.name))
    return pids


def _parent_pid(entry: Path) -> int | None:
    try:
        stat = (entry / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # after "(comm)": state, ppid


def test_demo_publishes_a_report_and_leaves_no_process(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    printed = Path(result.stdout.strip())
    assert printed.name == "report.html" and printed.is_file()
    assert (tmp_path / "latest" / "report.html").resolve() == printed.resolve()
    assert not _prometheus_pids(parent=os.getpid())


def test_demo_without_prometheus_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("P95KIT_PROMETHEUS_BIN", str(tmp_path / "missing"))
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "apt-get install prometheus" in result.stderr
    assert "prometheus.io/download" in result.stderr


def test_demo_data_is_realistic(demo):
    frame = p95kit.percentiles(prometheus_url=demo.url, time_range="24h")
    assert frame["model"].tolist() == sorted(p.name for p in MODELS)
    rows = frame.set_index("model")
    assert rows.loc["embedding-legacy", ["p50", "p95", "p99"]].isna().all()  # idle
    assert rows.loc["llama-3.1-8b", "p95"] < rows.loc["gpt-4o", "p95"]
    before = p95kit.p95(
        prometheus_url=demo.url,
        models=["llama-3.1-70b"],
        time_range="1h",
        at=p95kit.times.parse_time(None) - 2 * 86400,
    )
    after = p95kit.p95(prometheus_url=demo.url, models=["llama-3.1-70b"], time_range="1h")
    assert after["p95_latency_ms"].iloc[0] > 1.5 * before["p95_latency_ms"].iloc[0]  # regression


@pytest.mark.parametrize("metric", ["request_duration_seconds", "absent_seconds"])
def test_exploration_notebook_runs_top_to_bottom(demo, tmp_path, metric):
    """Also with a metric that has no series: every cell runs and says so."""
    prepare_environment()
    executed = papermill.execute_notebook(
        str(NOTEBOOKS / "explore.ipynb"),
        str(tmp_path / "explore.ipynb"),
        parameters={"prometheus_url": demo.url, "metric_name": metric},
        kernel_name="python3",
        progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    if metric == "absent_seconds":
        assert any("nothing to compare" in o.get("text", "") for o in outputs)
    kinds = {key for o in outputs for key in o.get("data", {})}
    assert {"image/png", "text/html"} <= kinds  # the chart and the styled frames
    source = nbformat.read(NOTEBOOKS / "explore.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in source.cells if c.cell_type == "code")


def test_report_notebook_runs_live_when_opened_interactively(demo, tmp_path):
    prepare_environment()
    executed = papermill.execute_notebook(
        str(NOTEBOOKS / "report.ipynb"),
        str(tmp_path / "report.ipynb"),
        parameters={"prometheus_url": demo.url, "duration": "6h"},
        kernel_name="python3",
        progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    html = "".join(
        o["data"].get("text/html", "")
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "data" in o
    )
    assert "whisper-large-v3" in html
    images = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert len(images) == 1  # no chart.png here: the notebook drew the chart itself


def test_doctor(demo):
    ok = CliRunner().invoke(main, ["doctor", "--prometheus-url", demo.url])
    assert ok.exit_code == 0, ok.stdout
    assert "FAIL" not in ok.stdout and "13 values of label 'model'" in ok.stdout
    wrong = CliRunner().invoke(
        main, ["doctor", "--prometheus-url", demo.url, "--metric-name", "absent_seconds"]
    )
    assert wrong.exit_code == 1 and "fix: pass the histogram's name" in wrong.stdout
    down = CliRunner().invoke(main, ["doctor", "--prometheus-url", "http://127.0.0.1:9"])
    assert down.exit_code == 3 and "FAIL prometheus" in down.stdout


def test_styled_frames_escape_and_format():
    import pandas as pd

    frame = pd.DataFrame({"model": ["<b>x</b>"], "p95_latency_ms": [float("nan")]})
    html = p95kit.styled(frame).to_html()
    assert "<b>x" not in html and "&lt;b&gt;x" in html and "no traffic" in html


def test_demo_keep_running_stops_its_prometheus_on_sigterm(tmp_path):
    """`kill`, systemd or a closed terminal stop the demo like Ctrl-C: Prometheus goes too."""
    p95kit_cli = Path(sys.executable).with_name("p95kit")
    demo = subprocess.Popen(
        [str(p95kit_cli), "demo", "--out", str(tmp_path), "--keep-running", "--duration", "1h"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in demo.stderr:
        if "press Ctrl-C" in line:
            break
    started = _prometheus_pids(parent=demo.pid)
    demo.send_signal(signal.SIGTERM)
    _, stderr = demo.communicate(timeout=60)
    assert started and demo.returncode == 0, stderr
    assert "demo Prometheus stopped" in stderr
    assert not _prometheus_pids() & started


def test_doctor_checks_the_selector_and_histogram_kind_the_reports_use(demo):
    url = ["doctor", "--prometheus-url", demo.url]
    classic_prod = ["--histogram", "classic", "--selector", 'env="prod"']
    filtered = CliRunner().invoke(main, [*url, *classic_prod])
    assert filtered.exit_code == 0, filtered.stdout
    assert "FAIL" not in filtered.stdout and "values of label" in filtered.stdout
    nowhere = CliRunner().invoke(main, [*url, "--selector", 'env="nowhere"'])
    assert nowhere.exit_code == 1
    assert "FAIL models: the metric has no label 'model' on series matching env=\"nowhere\"" in (
        nowhere.stdout
    )
    assert "or check --selector" in nowhere.stdout
