"""Faults an unattended ``p95kit report`` meets, and what the user sees for each.

Prometheus down or dying mid-report, proxies answering HTML, odd answers, partial
responses, a kernel that dies and a cell that hangs. In every failure: the right exit
code, one line on stderr, ``latest`` untouched and no folder that looks like a snapshot.
Retries, 502/503/504/429 backoff, error envelopes, malformed JSON and hangs at the client
level are in tests/prometheus/test_client.py; a failing cell in
tests/report/test_pipeline.py.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading
from pathlib import Path

import nbformat
import pytest

import p95kit
from p95kit import Prometheus, PrometheusUnavailableError
from p95kit.prometheus import config
from p95kit.report.snapshots import SnapshotStore, read_run
from tests.support import dataset, smallprom
from tests.support.faultserver import FaultServer, Reply, success
from tests.support.paths import ROOT
from tests.support.proxy import Proxy

END = str(dataset.END)
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
WARNING = 'partial response: store "eu-1" <b>unavailable</b> & retrying'


@pytest.fixture
def fast_retries(monkeypatch):
    """Retry after 10 ms instead of 0.5, 1, 2 s (the backoff itself:
    tests/prometheus/test_client.py)."""

    class Fast(Prometheus):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("backoff", 0.01)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(config, "Prometheus", Fast)


@pytest.fixture(scope="module")
def warned(prom, jupyter_kernel, tmp_path_factory, cli):
    """A report through a proxy that adds a partial-response warning to every answer.

    Also the good snapshot the failure tests start from (see ``seeded``)."""

    def add_warning(body: dict) -> dict:
        return {**body, "warnings": [WARNING]}

    out = tmp_path_factory.mktemp("warned")
    with Proxy(prom.url, edit=add_warning) as proxy:
        result = cli.report(proxy.url, out, duration="1h")
    assert result.exit_code == 0, result.stderr
    return out, result


@pytest.fixture
def seeded(warned, tmp_path):
    """An output folder holding one good snapshot that ``latest`` points to."""
    out = tmp_path / "out"
    shutil.copytree(warned[0], out, symlinks=True)
    return out


def assert_untouched(out: Path) -> None:
    """``latest`` still points to the seeded snapshot; nothing new looks like a snapshot."""
    store = SnapshotStore(out)
    latest = store.latest()
    assert latest is not None and read_run(latest)["status"] == "success"
    assert (latest / "report.html").is_file()
    ok = [p for p in store.snapshots() if not p.name.endswith(".failed")]
    assert ok == [latest]
    for failed in (p for p in store.snapshots() if p.name.endswith(".failed")):
        assert read_run(failed)["status"] == "failed"
        assert not (failed / "report.html").exists()
    assert not list(out.glob(".staging-*"))


def one_line(stderr: str) -> str:
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    return stderr


@contextlib.contextmanager
def refused_port():
    """A loopback port that refuses connections: bound (so nothing else takes it), not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_prometheus_down_at_the_start(seeded, fast_retries, monkeypatch, cli):
    waits: list[float] = []
    monkeypatch.setattr("p95kit.prometheus.client._sleep", waits.append)
    with refused_port() as port:
        result = cli.report(f"http://127.0.0.1:{port}", seeded, "--timeout", "1", duration="1h")
    # The queries run 3 at a time and none starts after the first failure: at most the 3
    # that were running spend their budget of 3 waits, never all 4 of the report's queries.
    assert sorted(set(waits)) == [0.01, 0.02, 0.04] and len(waits) in (3, 6, 9)
    assert result.exit_code == 3
    assert one_line(result.stderr).startswith("p95kit: error: cannot reach Prometheus at http")
    assert_untouched(seeded)


@pytest.fixture
def victim(prometheus_binaries, tmp_path):
    """A Prometheus of its own, for a test that kills it (never the shared ``prom``)."""
    server = smallprom.start(tmp_path / "victim", {"gpt-4": [0, 0, 0, 6, 30, 4, 0, 0, 0, 0, 0, 0]})
    yield server
    server.stop()


def test_a_server_that_never_answers_is_bounded_by_the_timeout(seeded, fast_retries, cli):
    with FaultServer([Reply(hang=True)]) as server:
        result = cli.report(server.url, seeded, "--timeout", "1", duration="1h")
    assert result.exit_code == 3
    assert one_line(result.stderr) == (
        f"p95kit: error: Prometheus at {server.url} did not answer within 1 s\n"
    )
    assert_untouched(seeded)


def test_prometheus_dies_between_queries(seeded, victim, fast_retries, cli):
    first_answered = threading.Event()

    def kill_after_first(number: int) -> None:
        if number == 1:
            victim.kill()  # SIGKILL, as a crash or an OOM kill
            first_answered.set()

    def wait_for_the_kill(number: int) -> None:
        if number > 1:
            first_answered.wait(120)

    with Proxy(victim.url, before=wait_for_the_kill, after=kill_after_first) as proxy:
        result = cli.report(proxy.url, seeded, duration="1h")
    assert first_answered.is_set() and len(proxy.seen) > 1
    assert result.exit_code == 3
    assert one_line(result.stderr).startswith(
        f"p95kit: error: cannot reach Prometheus at {proxy.url}"
    )
    assert_untouched(seeded)
    failed = [p for p in SnapshotStore(seeded).snapshots() if p.name.endswith(".failed")]
    assert read_run(failed[0])["error"]["type"] == "PrometheusUnavailableError"


@pytest.mark.parametrize("status", [502, 504])
def test_proxy_html_error_exits_3_naming_the_status(seeded, fast_retries, status, cli):
    page = f"<html><body><h1>{status} Gateway</h1><p>nginx</p></body></html>"
    with FaultServer([Reply(status, page)]) as server:
        result = cli.report(server.url, seeded, duration="1h")
    assert result.exit_code == 3
    reason = {502: "502 Bad Gateway", 504: "504 Gateway Timeout"}[status]
    assert reason in one_line(result.stderr)
    assert "<html>" not in result.stderr
    assert len(server.seen) >= 4  # retried
    assert_untouched(seeded)


def test_partial_response_warnings_are_visible_in_the_report(warned):
    out, result = warned
    assert result.stdout == ""
    assert result.stderr == ""  # silent for cron: the warning is in the report and run.json
    snapshot = SnapshotStore(out).latest()
    page = (snapshot / "report.html").read_text(encoding="utf-8")
    assert "⚠ Warnings" in page
    assert "&lt;b&gt;unavailable&lt;/b&gt; &amp; retrying" in page
    assert "<b>unavailable</b>" not in page
    run = read_run(snapshot)
    assert run["status"] == "success" and run["warnings"] == [WARNING]
    summary = json.loads((snapshot / "summary.json").read_text(encoding="utf-8"))
    assert summary["meta"]["warnings"] == [WARNING]


def test_query_shows_a_warning_once_on_stderr(prom, cli):
    with Proxy(prom.url, edit=lambda body: {**body, "warnings": [WARNING]}) as proxy:
        result = cli("query", "percentiles", "--prometheus-url", proxy.url, "--at", END)
    assert result.exit_code == 0
    assert result.stderr == f"p95kit: Prometheus warning: {WARNING}\n"


@pytest.mark.parametrize(
    ("result_type", "result"),
    [
        ("string", [1795219200, "surprise"]),
        ("scalar", [1795219200, "1"]),
        ("matrix", [{"metric": {"model": "m"}, "values": [[1795219200, "1"]]}]),
        ("vector", [["not", "a", "series"]]),
        ("vector", [{"metric": {"model": "m"}}]),
    ],
)
def test_unexpected_result_type_is_a_clear_error(result_type, result):
    with (
        FaultServer([success(result, result_type)]) as server,
        pytest.raises(PrometheusUnavailableError, match="invalid answer from") as info,
    ):
        p95kit.p95(client=Prometheus(server.url), at=dataset.END)
    assert ("expected 'vector'" in str(info.value)) == (result_type != "vector")
    with (
        FaultServer([success(result, "vector")]) as server,  # a range query needs a matrix
        pytest.raises(PrometheusUnavailableError, match="expected 'matrix'"),
    ):
        p95kit.p95_range(client=Prometheus(server.url), end=dataset.END)


def test_unexpected_result_type_in_a_report_and_a_query(seeded, cli):
    with FaultServer([success([1795219200, "1"], "scalar")]) as server:
        result = cli.report(server.url, seeded, duration="1h")
        query = cli("query", "p95", "--prometheus-url", server.url)
    # the report's first query is its P95 over time (query_range), the query's an instant one
    for outcome, expected in ((result, "matrix"), (query, "vector")):
        assert outcome.exit_code == 3
        assert f"resultType 'scalar', expected '{expected}'" in one_line(outcome.stderr)
    assert_untouched(seeded)


def broken_notebook(folder: Path, code: str) -> Path:
    """The report notebook with ``code`` run right after the parameters cell."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell(code))
    path = folder / "broken.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize(
    ("reason", "code", "args"),
    [
        ("kernel_died", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", []),
        pytest.param(
            "cell_timeout",
            "import time\ntime.sleep(60)",
            ["--cell-timeout", "2"],
            marks=pytest.mark.slow,
        ),
    ],
)
def test_notebook_kernel_death_and_cell_timeout(prom, seeded, tmp_path, reason, code, args, cli):
    notebook = broken_notebook(tmp_path, code)
    result = cli.report(prom.url, seeded, "--notebook", str(notebook), *args, duration="1h")
    assert result.exit_code == 1
    message = {"kernel_died": "the notebook kernel died", "cell_timeout": "ran longer than 2"}
    assert message[reason] in one_line(result.stderr)
    assert_untouched(seeded)
    failed = [p for p in SnapshotStore(seeded).snapshots() if p.name.endswith(".failed")]
    assert len(failed) == 1
    run = read_run(failed[0])
    assert run["status"] == "failed" and run["error"]["reason"] == reason


def test_a_multi_line_cell_error_is_one_line_on_stderr(prom, seeded, tmp_path, cli):
    notebook = broken_notebook(tmp_path, "raise ValueError('first line\\nsecond line')")
    result = cli.report(prom.url, seeded, "--notebook", str(notebook), duration="1h")
    assert result.exit_code == 1
    assert "ValueError: first line second line" in one_line(result.stderr)
    failed = next(p for p in SnapshotStore(seeded).snapshots() if p.name.endswith(".failed"))
    assert read_run(failed)["error"]["evalue"] == "first line\nsecond line"  # kept whole


@pytest.mark.parametrize(
    "args",
    [
        ("--cell-timeout", "0"),
        ("--cell-timeout", "-1"),
        ("--cell-timeout", "nan"),
        ("--wait", "nan"),
    ],
)
def test_invalid_run_options_exit_2_before_anything_is_written(tmp_path, args, cli):
    with FaultServer() as server:
        result = cli.report(server.url, tmp_path / "out", *args, duration="1h")
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("p95kit: error: ")
    assert server.seen == [] and not (tmp_path / "out").exists()
