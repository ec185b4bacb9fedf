"""``p95kit report`` end to end (p95kit.report.pipeline): real Prometheus, real kernel, real
nbconvert, real Chromium."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from html import unescape

import nbformat
import pytest

import p95kit
from p95kit.report.snapshots import SnapshotStore, read_run
from tests.support import dataset
from tests.support.browser import chromium, launch
from tests.support.cli import report_argv, scrubbed_env
from tests.support.paths import ROOT

DAY = 86400
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_snapshot_layout(published_report):
    latest = published_report / "latest"
    assert latest.is_symlink()
    snapshot = latest.resolve()
    assert re.fullmatch(r"\d{8}T\d{6}Z_24h", snapshot.name)
    for name in (
        "report.html",
        "report.ipynb",
        "p95.json",
        "p95_range.json",
        "percentiles.json",
        "run.json",
        "summary.json",
    ):
        assert (snapshot / name).is_file(), name
    assert not list(published_report.glob(".staging-*"))
    index = (published_report / "index.html").read_text(encoding="utf-8")
    assert snapshot.name in index and "success" in index
    for name in ("p95.json", "p95_range.json", "percentiles.json", "summary.json", "run.json"):
        assert f'href="{snapshot.name}/{name}"' in index  # what a frontend reads, one click away
    run = read_run(snapshot)
    assert run["status"] == "success"
    assert run["window"] == {
        "start": "2026-11-20T00:00:00Z",
        "end": "2026-11-21T00:00:00Z",
        "duration": "24h",
        "step": "5m",
        "time_range": "5m",
    }
    assert set(run["timings"]) >= {"fetch_s", "execute_s", "export_s", "total_s"}
    assert run["versions"]["prometheus"].startswith("2.")


def test_payloads_match_the_contract_and_the_data(published_report, prom):
    snapshot = (published_report / "latest").resolve()
    p95 = json.loads((snapshot / "p95.json").read_text(encoding="utf-8"))
    expected = p95kit.to_payload(p95kit.p95(prometheus_url=prom.url, at=dataset.END))
    assert p95 == json.loads(json.dumps(expected))

    window = json.loads((snapshot / "percentiles.json").read_text(encoding="utf-8"))
    assert window["time_range"] == "24h" and window["count"] == len(dataset.REQUEST_MODELS)
    for item in window["data"]:
        counts = dataset.counts_between(dataset.END - DAY, dataset.END, model=item["model"])
        for column, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            want = dataset.expected_quantile(q, dataset.SECONDS_BOUNDS, counts) * 1000
            got = item["percentiles"][column]
            assert got is None if want != want else got == round(want, 2), (item["model"], column)

    ranged = json.loads((snapshot / "p95_range.json").read_text(encoding="utf-8"))
    assert ranged["count"] == len(dataset.REQUEST_MODELS)
    gpt4 = next(d for d in ranged["data"] if d["model"] == "gpt-4")
    assert len(gpt4["data_points"]) == 289 and gpt4["step"] == "5m"
    assert {p["p95_latency_ms"] for p in gpt4["data_points"]} == {375.0}
    for name in ("p95.json", "p95_range.json", "percentiles.json", "summary.json"):
        text = (snapshot / name).read_text(encoding="utf-8")
        assert not re.search(r"\b(NaN|Infinity)\b", text), name  # strict JSON


def test_summary_regression_slo_and_top_bucket(published_report):
    summary = json.loads(
        ((published_report / "latest") / "summary.json").read_text(encoding="utf-8")
    )
    rows = {m["model"]: m for m in summary["models"]}
    drift = rows["drifting-model"]
    assert drift["p95_previous_ms"] == 437.5 and drift["delta_p95_ms"] > 0
    assert rows["slow-model"]["top_bucket_ms"] == 10000.0
    assert rows["idle-model"]["no_traffic"] is True
    assert rows["gpt-4"]["slo_share"] == 1.0
    p95s = [m["p95"] for m in summary["models"] if m["p95"] is not None]
    assert p95s == sorted(p95s, reverse=True)  # slowest first


def test_html_is_offline_escaped_and_shows_every_model(published_report):
    html = ((published_report / "latest") / "report.html").read_text(encoding="utf-8")
    assert not EXTERNAL.findall(html)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    text = _visible_text(html)
    for model in dataset.REQUEST_MODELS:
        assert model in text, model
    assert "no traffic" in html and "≥ 10000" in html
    chart = base64.b64encode(((published_report / "latest") / "chart.png").read_bytes()).decode()
    assert html.count(f"data:image/png;base64,{chart}") == 1  # the chart drawn beside the data
    img = next(t for t in re.findall(r"<img [^>]*>", html) if chart in t)
    alt = re.search(r'alt="([^"]*)"', img).group(1)
    assert alt.startswith("P95 latency over time (UTC) for ")  # not nbconvert's placeholder
    assert "&lt;img src=x onerror=alert(1)&gt;" in alt and "No description" not in html
    assert "histogram_quantile" in html  # the PromQL in the footer
    assert "import p95kit" not in html and "from p95kit" not in html  # code cells hidden


def test_executed_notebook_has_no_secrets_and_source_notebook_is_clean(published_report):
    executed = nbformat.read((published_report / "latest") / "report.ipynb", as_version=4)
    assert executed.metadata.papermill.parameters["data_dir"]
    source = nbformat.read(ROOT / "notebooks" / "report.ipynb", 4)
    tagged = [c for c in source.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for cell in source.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "%%" not in cell.source


@pytest.mark.browser
def test_browser_renders_with_no_failed_requests(published_report, tmp_path):
    chromium()  # skips without it, fails under CI
    from playwright.sync_api import sync_playwright

    page_url = ((published_report / "latest") / "report.html").resolve().as_uri()
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1100, "height": 1500})
        requests, failed, dialogs = [], [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_url)
        images = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        title = page.text_content("h1")
        if os.environ.get("P95KIT_SCREENSHOT"):  # refreshes the README's picture
            page.screenshot(path=os.environ["P95KIT_SCREENSHOT"])
        browser.close()
    assert failed == [] and dialogs == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert images and all(width > 0 for width in images)
    assert "P95" in title


@pytest.mark.kernel
def test_two_runs_move_latest_and_keep_both(prom, tmp_path, cli):
    for _ in range(2):
        assert cli.report(prom.url, tmp_path, "--duration", "1h").exit_code == 0
    store = SnapshotStore(tmp_path)
    snapshots = store.snapshots()
    assert len(snapshots) == 2
    assert store.latest() == snapshots[0]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    # Two runs in one second are named X_1h and X_1h-2: find each name whole, as its link.
    first, second = (index.index(f'href="{s.name}/report.html"') for s in snapshots)
    assert first < second  # newest first


@pytest.mark.kernel
def test_retention_keeps_latest(prom, tmp_path, cli):
    for _ in range(3):
        assert cli.report(prom.url, tmp_path, "--duration", "1h", "--keep", "2").exit_code == 0
    store = SnapshotStore(tmp_path)
    assert len(store.snapshots()) == 2
    assert store.latest() == store.snapshots()[0]


@pytest.mark.kernel
def test_failing_notebook_keeps_latest_and_the_failed_run(prom, tmp_path, cli):
    assert cli.report(prom.url, tmp_path, "--duration", "1h").exit_code == 0
    good = SnapshotStore(tmp_path).latest()
    broken = tmp_path / "broken.ipynb"
    notebook = nbformat.read(ROOT / "notebooks" / "report.ipynb", 4)
    notebook.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('chart exploded')"))
    nbformat.write(notebook, broken)
    result = cli.report(prom.url, tmp_path, "--duration", "1h", "--notebook", str(broken))
    assert result.exit_code == 1
    assert "chart exploded" in result.stderr and len(result.stderr.splitlines()) == 1
    store = SnapshotStore(tmp_path)
    assert store.latest() == good
    failed = [p for p in store.snapshots() if p.name.endswith(".failed")]
    assert len(failed) == 1
    run = read_run(failed[0])
    assert run["status"] == "failed" and run["error"]["reason"] == "cell_error"
    assert (failed[0] / "report.ipynb").is_file()
    assert "failed" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_invalid_parameters_exit_2_before_anything_is_written(tmp_path, cli):
    out = tmp_path / "out"
    result = cli.report("http://127.0.0.1:9", out, "--duration", "24x")
    assert result.exit_code == 2 and "duration must be a Prometheus duration" in result.stderr
    result = cli.report("http://127.0.0.1:9", out, "--histogram", "summary")
    assert result.exit_code == 2 and "reports need a histogram" in result.stderr
    assert not out.exists()


@pytest.mark.kernel  # started before the data is fetched
def test_unreachable_prometheus_exits_3_and_publishes_nothing(tmp_path, no_retry_waits, cli):
    result = cli.report("http://127.0.0.1:9", tmp_path, "--timeout", "1")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1 and "cannot reach Prometheus" in result.stderr
    assert SnapshotStore(tmp_path).latest() is None


@pytest.mark.kernel
def test_cron_like_run_in_a_scrubbed_environment(prom, tmp_path, cli_process):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o500)  # not writable, as for some cron users
    env = scrubbed_env(home=home)
    out = tmp_path / "reports"
    done = cli_process.run(
        *report_argv(prom.url, out, "--duration", "1h"), env=env, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    assert (out / "latest" / "report.html").is_file()


def _visible_text(page: str) -> str:
    """The page's text as a browser shows it (entities decoded, tags dropped)."""
    from html.parser import HTMLParser

    parts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(page)
    return "".join(parts)


@pytest.mark.kernel
def test_no_series_fails_and_an_older_window_does_not_move_latest(prom, tmp_path, cli):
    """A typo'd metric must not publish empty data over `latest` with exit 0; a report of
    an older window (a backfill with --end) is kept but does not replace `latest`."""
    out = tmp_path / "out"
    assert cli.report(prom.url, out, "--duration", "6h").exit_code == 0
    latest = (out / "latest").resolve()

    typo = cli.report(prom.url, out, "--duration", "6h", "--metric-name", "typo_seconds")
    assert (typo.exit_code, typo.stdout) == (1, "")
    assert len(typo.stderr.splitlines()) == 1
    assert "no series of typo_seconds with a 'model' label between 2026-11-20T18:00:00Z" in (
        typo.stderr
    )
    (failed,) = [p for p in out.iterdir() if p.name.endswith(".failed")]
    assert read_run(failed)["error"]["reason"] == "no_data"
    assert (out / "latest").resolve() == latest

    earlier = str(dataset.END - 6 * 3600)
    older = cli.report(prom.url, out, "--duration", "6h", end=earlier)
    assert (older.exit_code, older.stderr) == (0, "")
    assert (out / "latest").resolve() == latest  # still the window that ends last
    assert len(SnapshotStore(out).snapshots()) == 3  # the backfill is kept, and listed

    filtered = cli.report(prom.url, out, "--duration", "6h", "--model", "gpt-4", "--model", "gpt-5")
    assert (filtered.exit_code, filtered.stderr) == (0, "")  # cron stays silent ...
    newest = (out / "latest").resolve()
    assert newest != latest
    run = read_run(newest)
    assert any("model 'gpt-5'" in w for w in run["warnings"])  # ... the report says it
    shown = unescape((newest / "report.html").read_text(encoding="utf-8"))  # as read
    assert "⚠ Warnings" in shown and "series for model 'gpt-5'" in shown


def test_which_window_counts_for_latest(tmp_path):
    """A window ending after its run started counts as ending at the start (no data lies
    beyond it), so a future --end cannot pin latest; a later window moves it."""
    from p95kit.report.snapshots import ends_before_latest as _ends_before_latest
    from p95kit.report.snapshots import window_end

    run = {"window": {"end": "2030-01-01T00:00:00Z"}, "started_at": 1_795_219_200.0}
    assert window_end(run) == 1_795_219_200.0
    assert window_end({"window": {}}) is None
    store = SnapshotStore(tmp_path)
    staging = store.new_staging(time.time())
    (staging / "run.json").write_text(json.dumps(run), encoding="utf-8")
    store.publish(staging, "20261121T000000Z_24h")
    earlier = {"window": {"end": "2026-11-20T00:00:00Z"}, "started_at": 1_795_222_800.0}
    later = {"window": {"end": "2026-11-21T01:00:00Z"}, "started_at": 1_795_222_800.0}
    assert _ends_before_latest(store, earlier) and not _ends_before_latest(store, later)
