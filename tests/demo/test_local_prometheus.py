"""The local Prometheus (p95kit.demo.local_prometheus), the test fixtures' server, against a real
Prometheus, with plain ``requests``."""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

import p95kit.demo.local_prometheus
from p95kit.demo.local_prometheus import (
    LocalPrometheus,
    LocalPrometheusError,
    OpenMetricsWriter,
    PrometheusNotInstalledError,
    find_binaries,
)
from p95kit.errors import P95kitError
from tests.support import dataset
from tests.support.dataset import (
    END,
    HOSTILE_MODEL,
    STEP,
    UNICODE_MODEL,
    expected,
    expected_quantile,
)

P95 = "histogram_quantile(0.95, sum by (le, {by}) (rate({metric}_bucket{sel}[5m])))"


def api(prom: LocalPrometheus, path: str, **params: Any) -> Any:
    """GET an API path and return ``data`` from the success envelope."""
    response = requests.get(f"{prom.url}{path}", params=params, timeout=10)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "success", body
    return body["data"]


def instant(prom: LocalPrometheus, query: str, at: int = END) -> list[dict[str, Any]]:
    """An instant query's vector."""
    data = api(prom, "/api/v1/query", query=query, time=at)
    assert data["resultType"] == "vector"
    return data["result"]


def p95_by(prom: LocalPrometheus, metric: str, by: str = "model", sel: str = "", at: int = END):
    """``{label value: p95}`` for one histogram metric."""
    result = instant(prom, P95.format(by=by, metric=metric, sel=sel), at)
    return {row["metric"][by]: float(row["value"][1]) for row in result}


def assert_same(actual: float, wanted: float) -> None:
    """Equal to 1e-9 relative, NaN equal to NaN."""
    if math.isnan(wanted):
        assert math.isnan(actual)
    else:
        assert actual == pytest.approx(wanted, rel=1e-9)


def test_expected_quantile_known_answers() -> None:
    bounds = dataset.SECONDS_BOUNDS
    gpt4 = dataset.per_bucket(bounds, {0.05: 10, 0.1: 30, 0.25: 50, 0.5: 10})
    assert expected_quantile(0.95, bounds, gpt4) == pytest.approx(0.375)  # PROMETHEUS.md
    assert expected_quantile(0.5, bounds, gpt4) == pytest.approx(0.1 + 0.15 * 10 / 50)
    assert math.isnan(expected_quantile(0.95, bounds, [0] * 12))
    assert expected_quantile(0.95, bounds, dataset.per_bucket(bounds, {10.0: 1, math.inf: 9})) == 10
    lowest = dataset.per_bucket(bounds, {0.005: 4})
    assert expected_quantile(0.5, bounds, lowest) == pytest.approx(0.0025)  # from 0
    assert math.isnan(expected_quantile(0, bounds, dataset.per_bucket(bounds, {0.01: 4})))
    assert expected_quantile(2, bounds, gpt4) == math.inf


def test_ready_and_timings(prom: LocalPrometheus) -> None:
    assert requests.get(f"{prom.url}/-/ready", timeout=5).status_code == 200
    assert prom.url == f"http://127.0.0.1:{prom.port}"
    assert set(prom.timings) >= {"write", "backfill", "start"}


def test_p95_per_model_at_end(prom: LocalPrometheus) -> None:
    got = p95_by(prom, dataset.REQUEST_METRIC)
    assert sorted(got) == dataset.REQUEST_MODELS
    for model, value in got.items():
        assert_same(value, expected(0.95, model=model))
    assert math.isnan(got["idle-model"])
    assert got["slow-model"] == 10
    assert got["gpt-4"] == pytest.approx(0.375, rel=1e-9)


def test_instances_and_selectors(prom: LocalPrometheus) -> None:
    by_instance = p95_by(prom, dataset.REQUEST_METRIC, "instance", '{model="gpt-4"}')
    assert sorted(by_instance) == ["api-1:9090", "api-2:9090"]
    for instance, value in by_instance.items():
        assert_same(value, expected(0.95, model="gpt-4", instance=instance))
    assert by_instance["api-1:9090"] != pytest.approx(by_instance["api-2:9090"])
    staging = p95_by(prom, dataset.REQUEST_METRIC, sel='{env="staging"}')
    assert staging == {"staging-model": pytest.approx(expected(0.95, model="staging-model"))}
    assert sorted(p95_by(prom, dataset.REQUEST_METRIC, sel='{env="prod"}')) == dataset.PROD_MODELS


def test_hostile_labels_round_trip(prom: LocalPrometheus) -> None:
    values = api(
        prom,
        "/api/v1/label/model/values",
        start=dataset.START,
        end=END,
        **{"match[]": f"{dataset.REQUEST_METRIC}_bucket"},
    )
    assert sorted(values) == dataset.REQUEST_MODELS
    assert HOSTILE_MODEL in values and UNICODE_MODEL in values
    series = api(
        prom,
        "/api/v1/series",
        **{"match[]": f'{dataset.REQUEST_METRIC}_count{{model="{UNICODE_MODEL}"}}'},
    )
    assert [s["model"] for s in series] == [UNICODE_MODEL]


def test_drifting_model_changes_at_drift_at(prom: LocalPrometheus) -> None:
    query = P95.format(by="model", metric=dataset.REQUEST_METRIC, sel='{model="drifting-model"}')
    start, end, step = dataset.DRIFT_AT - 7200, dataset.DRIFT_AT + 7200, 600
    data = api(prom, "/api/v1/query_range", query=query, start=start, end=end, step=step)
    (series,) = data["result"]
    points = {int(t): float(v) for t, v in series["values"]}
    assert sorted(points) == list(range(start, end + 1, step))
    before, after = (
        expected(0.95, model="drifting-model", t=start),
        expected(0.95, model="drifting-model"),
    )
    assert before < after
    for t, value in points.items():
        assert_same(value, before if t <= dataset.DRIFT_AT else after)
        assert_same(value, expected(0.95, t=t, model="drifting-model"))


def test_window_wide_p95_over_24h(prom: LocalPrometheus) -> None:
    query = (
        P95.format(by="model", metric=dataset.REQUEST_METRIC, sel="")
        .replace("rate(", "increase(")
        .replace("[5m]", "[24h]")
    )
    for at in (END - 86400, END):
        got = {r["metric"]["model"]: float(r["value"][1]) for r in instant(prom, query, at)}
        assert sorted(got) == dataset.REQUEST_MODELS
        for model, value in got.items():
            window = dataset.counts_between(at - 86400, at, model=model)
            assert_same(value, expected_quantile(0.95, dataset.SECONDS_BOUNDS, window))


def test_other_metrics(prom: LocalPrometheus) -> None:
    ms = p95_by(prom, dataset.MS_METRIC)
    assert sorted(ms) == ["claude-3", "gpt-4"]
    for model, value in ms.items():
        assert_same(value, expected(0.95, dataset.MS_METRIC, model=model))
    assert ms["gpt-4"] == pytest.approx(1000 * expected(0.95, model="gpt-4"))
    services = p95_by(prom, dataset.SERVICE_METRIC, "service")
    assert sorted(services) == ["checkout", "search"]
    for service, value in services.items():
        assert_same(value, expected(0.95, dataset.SERVICE_METRIC, service=service))
    rate = 'sum(rate(inference_latency_ms_{}{{model="gpt-4"}}[5m]))'
    mean = instant(prom, f"{rate.format('sum')} / {rate.format('count')}")
    wanted = dataset.expected_mean(
        dataset.MS_BOUNDS, dataset.counts(dataset.MS_METRIC, model="gpt-4")
    )
    assert_same(float(mean[0]["value"][1]), wanted)


def test_summary_per_instance(prom: LocalPrometheus) -> None:
    for q in (0.5, 0.9, 0.99):
        rows = instant(prom, f'{dataset.SUMMARY_METRIC}{{quantile="{q}"}}')
        got = {(r["metric"]["model"], r["metric"]["instance"]): float(r["value"][1]) for r in rows}
        wanted = {(lb["model"], lb["instance"]): qs[q] for lb, qs, _ in dataset.SUMMARIES}
        assert got == wanted
    rates = instant(prom, f"sum by (model, instance) (rate({dataset.SUMMARY_METRIC}_count[5m]))")
    got = {(r["metric"]["model"], r["metric"]["instance"]): float(r["value"][1]) for r in rates}
    wanted = {(lb["model"], lb["instance"]): n / STEP for lb, _, n in dataset.SUMMARIES}
    assert got == pytest.approx(wanted, rel=1e-9)


def test_stop_and_kill_leave_no_process(prometheus_binaries, tmp_path: Path) -> None:
    server = LocalPrometheus(None, tmp_path)
    with server:
        pid = server.pid
        assert pid is not None
        assert requests.get(f"{server.url}/-/ready", timeout=5).status_code == 200
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    server.stop()  # idempotent
    server.start()
    pid = server.pid
    assert pid is not None
    server.kill()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert server.pid is None


def test_a_port_taken_before_prometheus_binds_it_is_retried(
    prometheus_binaries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = socket.create_server(("127.0.0.1", 0))  # someone else got there first
    ports = [taken.getsockname()[1]]
    real = p95kit.demo.local_prometheus.free_port
    monkeypatch.setattr(
        p95kit.demo.local_prometheus, "free_port", lambda: ports.pop() if ports else real()
    )
    with taken, LocalPrometheus(None, tmp_path) as server:
        assert server.port != taken.getsockname()[1]
        assert requests.get(f"{server.url}/-/ready", timeout=5).status_code == 200
    assert b"address already in use" in (tmp_path / "prometheus.log").read_bytes()


def test_a_port_taken_by_another_prometheus_is_not_mistaken_for_ours(
    prometheus_binaries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalPrometheus(None, tmp_path / "thief") as thief:
        ports = [thief.port]
        real = p95kit.demo.local_prometheus.free_port
        monkeypatch.setattr(
            p95kit.demo.local_prometheus, "free_port", lambda: ports.pop() if ports else real()
        )
        with LocalPrometheus(None, tmp_path / "ours") as ours:
            assert ours.port != thief.port and ours.pid is not None
            flags = api(ours, "/api/v1/status/flags")
            assert flags["storage.tsdb.path"] == str(tmp_path / "ours" / "data")


def test_stopped_at_interpreter_exit(prometheus_binaries, tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path\n"
        "from p95kit.demo.local_prometheus import LocalPrometheus\n"
        f"p = LocalPrometheus(None, Path({str(tmp_path)!r})).start(); print(p.pid)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(p95kit.demo.local_prometheus.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    with pytest.raises(ProcessLookupError):
        os.kill(int(done.stdout), 0)


def test_writer_escapes_newlines_and_rejects_mistakes(prometheus_binaries, tmp_path: Path) -> None:
    values = ["line1\nline2", "back\\n-slash", 'quo"te\\', "tab\there", "emoji 🙂 ü"]
    writer = OpenMetricsWriter()
    for value in values:
        writer.add_histogram("x_seconds", {"v": value}, [1.0], [1, 0], END - 600, END, STEP)
    with pytest.raises(ValueError):
        writer.add_histogram("x_seconds", {"v": values[0]}, [1.0], [1, 0], END - 600, END, STEP)
    with pytest.raises(ValueError):
        writer.add_histogram("y", {}, [1.0], [1, 0], END * 1000 - 600_000, END * 1000, 60_000)
    with pytest.raises(ValueError):
        writer.add_histogram("y", {}, [1.0], [1, 0, 1], END - 600, END, STEP)
    with pytest.raises(ValueError):
        writer.add_summary("x_seconds", {"v": "z"}, {0.5: 1.0}, 1, END - 600, END, STEP)
    path = writer.write(tmp_path / "x.om")
    assert path.read_bytes().endswith(b"\n# EOF\n") and b"\n\n" not in path.read_bytes()
    with LocalPrometheus(path, tmp_path) as server:
        got = api(server, "/api/v1/label/v/values", start=END - 600, end=END)
    assert sorted(got) == sorted(values)


def test_missing_binaries_explain_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("P95KIT_PROMTOOL_BIN", str(tmp_path / "nope"))
    with pytest.raises(PrometheusNotInstalledError, match="apt-get install prometheus") as info:
        find_binaries()
    assert isinstance(info.value, P95kitError)
    assert "prometheus.io/download" in str(info.value) and "promtool" in str(info.value)


def test_failures_raise_with_details(
    prometheus_binaries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = LocalPrometheus(None, tmp_path / "flag", extra_args=["--no-such-flag"], ready_timeout=60)
    with pytest.raises(LocalPrometheusError, match="no-such-flag"):
        bad.start()
    assert bad.pid is None
    (tmp_path / "bad.om").write_text("no_eof 1 1795219200\n")
    with pytest.raises(LocalPrometheusError, match=r"promtool backfill failed.*EOF"):
        LocalPrometheus(tmp_path / "bad.om", tmp_path / "om").start()
    # A promtool without the hidden --max-block-duration flag: backfill retries without it.
    fake = tmp_path / "promtool"
    fake.write_text(
        '#!/bin/sh\ncase "$*" in *max-block-duration*) echo "unknown long flag '
        f'\'--max-block-duration\'" >&2; exit 1;; esac\nexec {find_binaries()[1]} "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("P95KIT_PROMTOOL_BIN", str(fake))
    with LocalPrometheus(dataset_file(tmp_path), tmp_path / "fallback") as server:
        assert api(server, "/api/v1/label/__name__/values") == [
            "one_bucket",
            "one_count",
            "one_sum",
        ]


def dataset_file(tmp_path: Path) -> Path:
    """A one-series OpenMetrics file."""
    writer = OpenMetricsWriter()
    writer.add_histogram("one", {}, [1], [1, 1], END - 600, END, STEP)
    return writer.write(tmp_path / "one.om")


RUN_PROMETHEUS = r"""
import sys, time
from pathlib import Path
from p95kit.demo.local_prometheus import LocalPrometheus
with LocalPrometheus(None, Path(sys.argv[1])) as prom:
    print(prom.pid, flush=True)
    time.sleep(60)
"""


def test_a_local_prometheus_dies_with_its_owner_even_on_sigkill(prometheus_binaries, tmp_path):
    """SIGKILL skips every clean-up; the kernel's death signal still stops Prometheus."""
    owner = subprocess.Popen(
        [sys.executable, "-c", RUN_PROMETHEUS, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    pid = int(owner.stdout.readline())
    owner.kill()
    owner.wait()
    owner.stdout.close()
    deadline = time.monotonic() + 30
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _running(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"prometheus {pid} outlived its SIGKILLed owner")


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
