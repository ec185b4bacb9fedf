"""``p95kit serve`` (p95kit.serve.app) as a real process on the test Prometheus: every endpoint's
body is the library's own answer, byte for byte, and every error is the original API's error body.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import p95kit
from p95kit.demo.local_prometheus import LocalPrometheus, OpenMetricsWriter
from p95kit.query.payloads import dumps
from p95kit.serve.endpoints import with_warnings
from tests.support import dataset
from tests.support.faultserver import FaultServer, success
from tests.support.serving import ServeProcess, require_serve

require_serve()

END = dataset.END


@pytest.fixture(scope="module")
def server(prom):
    with ServeProcess("--prometheus-url", prom.url, "--cache-ttl", "60") as process:
        yield process


def library_body(function: str, prom_url: str, **kwargs) -> bytes:
    if function == "list_models":
        names = p95kit.list_models(prometheus_url=prom_url, **kwargs)
        return dumps({"status": "success", "data": names, "count": len(names)})
    frame = getattr(p95kit, function)(prometheus_url=prom_url, **kwargs)
    return dumps(with_warnings(p95kit.to_payload(frame), frame.attrs["warnings"]))


CASES = [
    ("/api/metrics/p95/", {"at": END}, "p95", {"at": END}),
    (
        "/api/metrics/p95/",
        {"at": END, "time_range": "10m", "models": ["gpt-4", "claude-3"], "selector": 'env="prod"'},
        "p95",
        {"at": END, "time_range": "10m", "models": ["gpt-4", "claude-3"], "selector": 'env="prod"'},
    ),
    (
        "/api/metrics/p95/",
        {"at": END, "metric_name": dataset.SERVICE_METRIC, "model_label": "service"},
        "p95",
        {"at": END, "metric_name": dataset.SERVICE_METRIC, "model_label": "service"},
    ),
    (
        "/api/metrics/p95/",
        {"at": END, "metric_name": dataset.MS_METRIC, "unit": "ms", "histogram": "classic"},
        "p95",
        {"at": END, "metric_name": dataset.MS_METRIC, "unit": "ms", "histogram": "classic"},
    ),
    (
        "/api/metrics/p95/",
        {"at": END, "metric_name": dataset.SUMMARY_METRIC, "histogram": "summary"},
        "p95",
        {"at": END, "metric_name": dataset.SUMMARY_METRIC, "histogram": "summary"},
    ),
    (
        "/api/metrics/p95/range/",
        {"end": END, "duration": "2h", "step": "5m"},
        "p95_range",
        {"end": END, "duration": "2h", "step": "5m"},
    ),
    (
        "/api/metrics/p95/range/",
        {"end": "2026-11-20T23:59:00Z", "duration": "1h", "time_range": "10m", "models": "gpt-4"},
        "p95_range",
        {"end": "2026-11-20T23:59:00Z", "duration": "1h", "time_range": "10m", "models": ["gpt-4"]},
    ),
    ("/api/metrics/percentiles/", {"at": END}, "percentiles", {"at": END}),
    (
        "/api/metrics/percentiles/",
        {"at": END, "percentiles": "50,90,99.9", "time_range": "15m"},
        "percentiles",
        {"at": END, "percentiles": "50,90,99.9", "time_range": "15m"},
    ),
    (
        "/api/metrics/p95/",
        {"at": END, "estimator": "smooth"},
        "p95",
        {"at": END, "estimator": "smooth"},
    ),
    (
        "/api/metrics/p95/range/",
        {"end": END, "duration": "1h", "step": "10m", "estimator": "smooth"},
        "p95_range",
        {"end": END, "duration": "1h", "step": "10m", "estimator": "smooth"},
    ),
    (
        "/api/metrics/percentiles/",
        {"at": END, "percentiles": "50,99", "estimator": "smooth"},
        "percentiles",
        {"at": END, "percentiles": "50,99", "estimator": "smooth"},
    ),
    ("/api/metrics/models/", {"end": END}, "list_models", {"end": END}),
    (
        "/api/metrics/models/",
        {"end": END, "metric_name": dataset.SERVICE_METRIC, "model_label": "service"},
        "list_models",
        {"end": END, "metric_name": dataset.SERVICE_METRIC, "model_label": "service"},
    ),
]


@pytest.mark.parametrize(("path", "params", "function", "kwargs"), CASES)
def test_body_is_the_library_answer(server, prom, path, params, function, kwargs):
    response = server.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.content == library_body(function, prom.url, **kwargs)


def test_original_defaults_and_frontend_calls(server, prom):
    """The seed README's calls: the defaults are the original API's."""
    body = server.get("/api/metrics/p95/range/", params={"end": END}).json()
    assert {(d["duration"], d["step"]) for d in body["data"]} == {("1h", "1m")}
    assert len(body["data"][0]["data_points"]) == 61
    body = server.get("/api/metrics/percentiles/", params={"at": END}).json()
    assert body["time_range"] == "5m" and body["metric_name"] == "request_duration_seconds"
    assert list(body["data"][0]["percentiles"]) == ["p50", "p95", "p99"]
    gpt4 = next(
        d
        for d in server.get("/api/metrics/p95/", params={"at": END}).json()["data"]
        if d["model"] == "gpt-4"
    )
    assert gpt4["p95_latency_ms"] == round(dataset.expected(0.95, model="gpt-4") * 1000, 2)
    idle = server.get("/api/metrics/p95/", params={"at": END, "models": "idle-model"}).json()
    assert idle["data"][0]["p95_latency_ms"] is None  # strict JSON: null, never NaN


def test_a_second_identical_request_is_a_cache_hit(server):
    params = {"at": END - 600, "time_range": "7m"}
    first = server.get("/api/metrics/p95/", params=params)
    second = server.get("/api/metrics/p95/", params=params)
    assert first.content == second.content
    server.wait_for(r"GET /api/metrics/p95/ 200 [\d.]+ms cache=hit")


@pytest.fixture(scope="module")
def recent_prom(tmp_path_factory, prometheus_binaries):
    """A small Prometheus whose data runs up to the current minute (for "now" answers)."""
    workdir = tmp_path_factory.mktemp("recent")
    end = int(time.time()) // 60 * 60
    writer = OpenMetricsWriter()
    for model, counts in (("a", [5, 20, 50, 20, 5]), ("b", [0, 10, 30, 40, 20])):
        writer.add_histogram(
            dataset.REQUEST_METRIC,
            {"model": model},
            (0.05, 0.1, 0.25, 0.5),
            counts,
            end - 3600,
            end,
            60,
        )
    with LocalPrometheus(writer.write(workdir / "recent.om"), workdir) as server:
        yield server


def test_now_is_rounded_down_to_the_cache_period(recent_prom):
    """Without ``at`` the answer is for now rounded down to --cache-ttl, shared by viewers."""
    ttl = 60
    with ServeProcess("--prometheus-url", recent_prom.url, "--cache-ttl", str(ttl)) as server:
        before = time.time()
        first = server.get("/api/metrics/p95/").json()
        second = server.get("/api/metrics/p95/").json()
        after = time.time()
    stamps = {d["timestamp"] for d in first["data"]}
    assert first["count"] > 0 and len(stamps) == 1
    (stamp,) = stamps
    assert stamp % ttl == 0
    assert math.floor(before / ttl) * ttl <= stamp <= after
    if math.floor(before / ttl) == math.floor(after / ttl):
        assert second == first


# -- errors -------------------------------------------------------------------------------

BAD = [
    ("/api/metrics/p95/", {"time_range": "banana"}, "time_range"),
    ("/api/metrics/p95/", {"metric_name": "bad-name!"}, "metric_name"),
    ("/api/metrics/p95/", {"model_label": "1abc"}, "model_label"),
    ("/api/metrics/p95/", {"at": "yesterday"}, "at"),
    ("/api/metrics/p95/", {"histogram": "weird"}, "histogram"),
    ("/api/metrics/p95/", {"unit": "parsec"}, "unit"),
    ("/api/metrics/p95/", {"estimator": "guess"}, "estimator"),
    ("/api/metrics/p95/", {"selector": "env=prod"}, "selector"),
    ("/api/metrics/p95/range/", {"duration": "1h", "step": "2h"}, "step"),
    ("/api/metrics/p95/range/", {"duration": "30d", "step": "1s"}, "step"),
    ("/api/metrics/p95/range/", {"end": "2026-13-01"}, "end"),
    ("/api/metrics/percentiles/", {"percentiles": "50,150"}, "percentiles"),
    ("/api/metrics/models/", {"lookback": "forever"}, "lookback"),
    ("/api/metrics/p95/", {"metric_name": "m" * 201}, "metric_name"),
    ("/api/metrics/p95/", {"selector": "a" * 1001}, "selector"),
    ("/api/metrics/p95/", {"models": ["m"] * 101}, "models"),
    ("/api/metrics/p95/", {"models": "m" * 201}, "models"),
    ("/api/metrics/p95/", {"prometheus_url": "http://example.invalid:9090"}, "prometheus_url"),
]


@pytest.mark.parametrize(("path", "params", "parameter"), BAD)
def test_invalid_parameters_are_400_naming_the_parameter(server, path, params, parameter):
    response = server.get(path, params=params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error", "details"}
    assert body["details"]["parameter"] == parameter
    assert body["details"]["status"] == 400
    assert parameter in body["error"]
    if parameter != "prometheus_url":
        name, _, example = body["details"]["example"].partition("=")
        assert name == parameter and example
    assert "Traceback" not in response.text and "site-packages" not in response.text


def test_a_valid_example_in_an_error_is_accepted(server):
    body = server.get("/api/metrics/p95/", params={"time_range": "soon"}).json()
    name, _, example = body["details"]["example"].partition("=")
    assert server.get("/api/metrics/p95/", params={"at": END, name: example}).status_code == 200


def test_a_query_prometheus_rejects_is_400_with_its_error(server):
    response = server.get("/api/metrics/p95/", params={"at": END, "selector": 'model=~"("'})
    assert response.status_code == 400
    details = response.json()["details"]
    assert details["type"] == "PrometheusQueryError" and details["error_type"] == "bad_data"


def test_unknown_path_and_method_use_the_error_body(server):
    missing = server.get("/api/metrics/p99/")
    assert missing.status_code == 404
    assert set(missing.json()) == {"error", "details"}
    wrong = requests.post(server.url + "/api/metrics/p95/", timeout=30)
    assert wrong.status_code == 405
    assert wrong.json()["details"]["status"] == 405 and wrong.headers["allow"] == "GET"


def test_an_answer_the_library_cannot_read_is_503_without_internals():
    odd = success([{"metric": {"model": "a"}, "value": {"not": "a pair"}}])
    with FaultServer([odd]) as upstream, ServeProcess("--prometheus-url", upstream.url) as server:
        response = server.get("/api/metrics/p95/")
    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"error", "details"} and body["details"]["status"] == 503
    for marker in ("Traceback", "site-packages", "/p95kit/", ".py"):
        assert marker not in response.text


def test_anything_else_is_a_bare_500():
    """An exception p95kit did not raise on purpose: its text (which may hold internal
    paths) stays in the server log; the body is generic."""
    from p95kit.serve.errors import error_response

    response = error_response(RuntimeError("failed in /srv/app/p95kit/secret.py"))
    assert response.status_code == 500
    body = json.loads(response.body)
    assert body == {
        "error": "internal server error",
        "details": {"type": "InternalError", "status": 500},
    }


def test_health_openapi_and_metrics(server):
    assert server.get("/healthz").json() == {"status": "ok"}
    assert server.get("/readyz").json() == {"status": "ready"}
    document = server.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {
        "/api/metrics/p95/",
        "/api/metrics/p95/range/",
        "/api/metrics/percentiles/",
        "/api/metrics/models/",
    } <= set(document["paths"])
    assert "422" not in json.dumps(document["paths"])
    server.get("/api/metrics/p95/", params={"at": END})
    text = server.get("/metrics").text
    assert 'p95kit_serve_request_duration_seconds_bucket{endpoint="/api/metrics/p95/"' in text
    assert server.metric("p95kit_serve_prometheus_requests_total") >= 1
    assert server.metric("p95kit_serve_cache_requests_total", result="miss") >= 1


def test_access_log_one_line_per_request_without_the_query(server):
    server.get("/api/metrics/p95/", params={"at": END, "selector": 'env="marker-in-query"'})
    line = server.wait_for(r"GET /api/metrics/p95/ 200 [\d.]+ms cache=(miss|hit|shared)")
    assert line
    assert not any("marker-in-query" in x for x in server.lines)


def test_create_app_under_uvicorn_workers_reads_the_environment(prom):
    """The README's multi-worker line: each worker builds its app from P95KIT_* variables.

    uvicorn binds port 0 itself and says which port it got (no window for another process
    to take a port picked beforehand), and waits long for its workers' health checks, so a
    loaded machine does not make it kill and restart them; its output is in any failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("P95KIT_")}
    env.update(P95KIT_PROMETHEUS_URL=prom.url, P95KIT_SERVE_CACHE_TTL="30")
    uvicorn = Path(sys.executable).with_name("uvicorn")
    args = ["--factory", "p95kit.serve:create_app", "--port", "0", "--workers", "2"]
    proc = subprocess.Popen(
        [str(uvicorn), *args, "--no-access-log", "--timeout-worker-healthcheck", "120"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    seen: list[str] = []
    response, error = None, None
    try:
        started, port = 0, None
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else port
            started += "Application startup complete" in line
            if started == 2:
                break
        assert started == 2 and port, "the two workers did not start:\n" + "".join(seen)
        try:
            response = requests.get(
                f"http://127.0.0.1:{port}/api/metrics/p95/", params={"at": END}, timeout=60
            )
        except requests.ConnectionError as exc:
            error = exc
    finally:
        proc.send_signal(signal.SIGTERM)
        seen.append(proc.communicate(timeout=60)[1] or "")
    assert response is not None, f"{error}; uvicorn said:\n" + "".join(seen)
    assert response.content == library_body("p95", prom.url, at=END)


def test_gzip_for_clients_that_accept_it(server, prom):
    params = {"end": END, "duration": "6h", "step": "1m"}
    plain = server.get("/api/metrics/p95/range/", params=params, headers={"Accept-Encoding": ""})
    packed = server.get("/api/metrics/p95/range/", params=params)  # requests asks for gzip
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.content == plain.content == library_body("p95_range", prom.url, **params)
