"""``p95kit demo``, ``p95kit doctor`` and the exploration notebook on the demo's Prometheus."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

import p95kit
from p95kit.demo.synthetic import MODELS, demo_prometheus
from p95kit.report.kernel import prepare_environment
from p95kit.report.snapshots import SnapshotStore
from tests.support.browser import chromium, launch
from tests.support.cli import scrubbed_env
from tests.support.paths import ROOT

NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture(scope="module")
def demo(prometheus_binaries, tmp_path_factory):
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


@pytest.fixture(scope="module")
def demo_reports(prometheus_binaries, jupyter_kernel, tmp_path_factory, cli):
    """The --out folder of one ``p95kit demo`` run, and its result."""
    out = tmp_path_factory.mktemp("demo-reports")
    result = cli("demo", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    return out, result


@pytest.mark.slow
def test_demo_publishes_a_report_and_leaves_no_process(demo_reports):
    out, result = demo_reports
    printed = Path(result.stdout.strip())
    assert printed.name == "report.html" and printed.is_file()
    assert (out / "latest" / "report.html").resolve() == printed.resolve()
    assert not _prometheus_pids(parent=os.getpid())


@pytest.mark.slow
def test_demo_publishes_three_daily_reports_that_differ_and_a_trend(demo_reports):
    out, _ = demo_reports
    frame = p95kit.history(out)
    assert frame["snapshot"].nunique() == 3 and len(frame) == 3 * len(MODELS)
    ends = frame.drop_duplicates("snapshot")["window_end"].diff().dropna()
    assert ends.tolist() == [pd.Timedelta(days=1)] * 2  # daily, oldest first
    p95 = frame.pivot_table(index="model", columns="window_end", values="p95")
    latest = SnapshotStore(out).latest()
    summary = pd.DataFrame(json.loads((latest / "summary.json").read_text())["models"])
    change = summary.set_index("model")["delta_p95_pct"]
    assert change["llama-3.1-70b"] > 50  # the regression
    assert change["gemini-1.5-pro"] < -20  # the improvement
    assert (change.dropna().abs() > 0.05).mean() > 0.8  # the data drifts: most models move
    steady = p95.loc["mistral-large"].tolist()
    assert steady == sorted(steady)  # a little slower every day
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<svg class="spark"') == len(MODELS) - 1  # not the idle model
    (row,) = re.findall(r'<tr class="worse"><td class="model">mistral-large</td>', index)
    assert row


@pytest.mark.browser
def test_browser_shows_the_trends_on_the_index(demo_reports):
    """Refresh the README's picture with P95KIT_SCREENSHOT=docs/index-trends.png."""
    chromium()  # skips without it, fails under CI
    from playwright.sync_api import sync_playwright

    out, _ = demo_reports
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((out / "index.html").resolve().as_uri())
        sparks = page.evaluate(
            "Array.from(document.querySelectorAll('svg.spark')).map(s => s.getBBox().width)"
        )
        if os.environ.get("P95KIT_SCREENSHOT"):
            page.screenshot(path=os.environ["P95KIT_SCREENSHOT"], full_page=True)
        browser.close()
    assert requests == [(out / "index.html").resolve().as_uri()]  # nothing else loaded
    assert len(sparks) == len(MODELS) - 1 and all(width > 0 for width in sparks)


def test_the_demo_publishes_the_days_before_only_into_an_empty_folder(tmp_path, monkeypatch):
    from p95kit.demo import daily_reports
    from p95kit.report.parameters import ReportSettings

    ends: list[str | None] = []
    monkeypatch.setattr(daily_reports, "run_report", lambda c, s, out: ends.append(s.end) or s)
    monkeypatch.setattr(daily_reports.time, "time", lambda: 1_795_219_200.0)
    daily_reports.publish_daily(None, ReportSettings(duration="24h"), tmp_path)
    assert ends == ["2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z", None]  # oldest first
    ends.clear()
    daily_reports.publish_daily(None, ReportSettings(duration="7d"), tmp_path)
    assert ends == [None]  # windows longer than the data's days: one report
    ends.clear()
    (tmp_path / "20261121T000000Z_24h").mkdir()
    (tmp_path / "latest").symlink_to("20261121T000000Z_24h")
    daily_reports.publish_daily(None, ReportSettings(duration="24h"), tmp_path)
    assert ends == [None]  # a folder with reports: only today's


def test_demo_without_prometheus_says_how_to_install(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("P95KIT_PROMETHEUS_BIN", str(tmp_path / "missing"))
    result = cli("demo", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "apt-get install prometheus" in result.stderr
    assert "prometheus.io/download" in result.stderr


@pytest.mark.slow
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


@pytest.mark.kernel
@pytest.mark.slow
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


@pytest.mark.kernel
@pytest.mark.slow
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


@pytest.mark.kernel
@pytest.mark.slow
def test_doctor(demo, cli):  # doctor checks the kernelspec
    ok = cli("doctor", "--prometheus-url", demo.url)
    assert ok.exit_code == 0, ok.stdout
    assert "FAIL" not in ok.stdout and "13 values of label 'model'" in ok.stdout
    wrong = cli("doctor", "--prometheus-url", demo.url, "--metric-name", "absent_seconds")
    assert wrong.exit_code == 1 and "fix: pass the histogram's name" in wrong.stdout
    down = cli("doctor", "--prometheus-url", "http://127.0.0.1:9")
    assert down.exit_code == 3 and "FAIL prometheus" in down.stdout


@pytest.mark.kernel
@pytest.mark.slow
def test_demo_keep_running_stops_its_prometheus_on_sigterm(
    prometheus_binaries, tmp_path, cli_process
):
    """`kill`, systemd or a closed terminal stop the demo like Ctrl-C: Prometheus goes too."""
    prometheus, promtool = prometheus_binaries  # wherever they are, not only on a cron PATH
    env = scrubbed_env(P95KIT_PROMETHEUS_BIN=prometheus, P95KIT_PROMTOOL_BIN=promtool)
    args = ["demo", "--out", str(tmp_path), "--keep-running", "--duration", "1h"]
    demo = cli_process.start(*args, env=env)
    for line in demo.stderr:
        if "press Ctrl-C" in line:
            break
    started = _prometheus_pids(parent=demo.pid)
    demo.send_signal(signal.SIGTERM)
    _, stderr = demo.communicate(timeout=60)
    assert started and demo.returncode == 0, stderr
    assert "demo Prometheus stopped" in stderr
    assert not _prometheus_pids() & started


@pytest.mark.kernel
@pytest.mark.slow
def test_doctor_checks_the_selector_and_histogram_kind_the_reports_use(demo, cli):
    url = ["doctor", "--prometheus-url", demo.url]
    classic_prod = ["--histogram", "classic", "--selector", 'env="prod"']
    filtered = cli(*url, *classic_prod)
    assert filtered.exit_code == 0, filtered.stdout
    assert "FAIL" not in filtered.stdout and "values of label" in filtered.stdout
    nowhere = cli(*url, "--selector", 'env="nowhere"')
    assert nowhere.exit_code == 1
    assert "FAIL models: the metric has no label 'model' on series matching env=\"nowhere\"" in (
        nowhere.stdout
    )
    assert "or check --selector" in nowhere.stdout
