"""``p95kit serve`` under load and failure: single-flight, the query limit, many
connections, Prometheus hanging or gone, and SIGTERM draining requests in flight.

A :class:`proxy.Proxy` in front of the real test Prometheus holds questions back until the
test lets them go, so "in flight" is a state the test can see, not a timing guess.
"""

from __future__ import annotations

import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from p95kit.demo.local_prometheus import free_port
from tests.support import dataset
from tests.support.faultserver import FaultServer, Reply
from tests.support.proxy import Proxy
from tests.support.serving import ServeProcess, require_serve

require_serve()

END = dataset.END
WAIT = 60  # seconds to wait for a state that should come at once


class Gate:
    """Holds every request the proxy forwards until :meth:`open`; counts arrivals."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.arrived = threading.Semaphore(0)

    def __call__(self, number: int) -> None:
        self.arrived.release()
        self.opened.wait(WAIT)

    def wait_arrival(self) -> None:
        assert self.arrived.acquire(timeout=WAIT), "no request reached Prometheus"

    def open(self) -> None:
        self.opened.set()


def _wait_metric(server: ServeProcess, name: str, at_least: float) -> None:
    """Poll /metrics until ``name`` reaches ``at_least`` (an observable state, not a sleep)."""
    event = threading.Event()
    for _ in range(WAIT * 20):
        if server.metric(name) >= at_least:
            return
        event.wait(0.05)
    raise AssertionError(f"{name} never reached {at_least}")


def test_100_identical_requests_in_flight_cost_one_query(prom):
    gate = Gate()
    with (
        Proxy(prom.url, before=gate) as upstream,
        ServeProcess("--prometheus-url", upstream.url) as server,
    ):
        params = {"at": END, "time_range": "5m"}
        with ThreadPoolExecutor(100) as pool:
            futures = [
                pool.submit(server.get, "/api/metrics/p95/", params=params) for _ in range(100)
            ]
            gate.wait_arrival()
            # all 100 are inside the server (plus the /metrics request that looks)
            _wait_metric(server, "p95kit_serve_requests_in_progress", 101)
            gate.open()
            responses = [f.result() for f in futures]
        assert {r.status_code for r in responses} == {200}
        assert len({r.content for r in responses}) == 1
        queries = [s for s in upstream.seen if s.path.startswith("/api/v1/query")]
        assert len(queries) == 1
        assert server.metric("p95kit_serve_prometheus_requests_total") <= 1
        assert server.metric("p95kit_serve_cache_requests_total", result="miss") == 1
        assert server.metric("p95kit_serve_cache_requests_total", result="shared") == 99


def test_3000_requests_over_32_connections_without_an_error(prom):
    questions = [
        ("/api/metrics/p95/", {"at": END}),
        ("/api/metrics/p95/range/", {"end": END, "duration": "6h", "step": "5m"}),
        ("/api/metrics/percentiles/", {"at": END, "percentiles": "50,90,99"}),
        ("/api/metrics/models/", {"end": END}),
        ("/api/metrics/p95/", {}),  # "now": rounded, shared
        ("/healthz", {}),
    ]

    def worker(index: int) -> list[int]:
        statuses = []
        with requests.Session() as session:
            for n in range(index, 3000, 32):
                path, params = questions[n % len(questions)]
                response = session.get(server.url + path, params=params, timeout=WAIT)
                statuses.append(response.status_code)
        return statuses

    with ServeProcess("--prometheus-url", prom.url) as server:
        with ThreadPoolExecutor(32) as pool:
            statuses = [s for part in pool.map(worker, range(32)) for s in part]
        asked = server.metric("p95kit_serve_prometheus_requests_total")
    assert len(statuses) == 3000
    assert statuses.count(200) == 3000
    assert asked <= 10  # five questions (and "now" may cross one cache period)


def test_past_the_query_limit_a_fast_503_with_retry_after(prom):
    gate = Gate()
    with (
        Proxy(prom.url, before=gate) as upstream,
        ServeProcess("--prometheus-url", upstream.url, "--max-concurrent-queries", "1") as server,
    ):
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(server.get, "/api/metrics/p95/", params={"at": END})
            gate.wait_arrival()
            other = server.get("/api/metrics/p95/", params={"at": END - 60})
            # An invalid question is refused for what it is, even with no place free.
            invalid = server.get("/api/metrics/p95/", params={"at": END, "time_range": "5x"})
            gate.open()
            assert first.result().status_code == 200
        assert other.status_code == 503
        assert other.headers["retry-after"] == "1"
        body = other.json()
        assert body["details"]["type"] == "Busy" and body["details"]["status"] == 503
        assert invalid.status_code == 400
        assert invalid.json()["details"]["parameter"] == "time_range"
        assert server.metric("p95kit_serve_busy_rejections_total") == 1
        # once the first question is answered the limit is free again
        assert server.get("/api/metrics/p95/", params={"at": END - 60}).status_code == 200


def test_a_hanging_prometheus_is_503_by_the_deadline_and_readyz_says_so():
    with (
        FaultServer([Reply(hang=True)]) as upstream,
        ServeProcess("--prometheus-url", upstream.url, "--timeout", "1") as server,
    ):
        response = server.get("/api/metrics/p95/")
        ready = server.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"error", "details"} and body["details"]["status"] == 503
    assert body["details"]["type"] in ("DeadlineExceeded", "PrometheusUnavailableError")
    assert ready.status_code == 503 and "ready" in ready.json()["error"]


def test_prometheus_down_is_503_and_readyz_says_so():
    down = f"http://127.0.0.1:{free_port()}"
    with ServeProcess("--prometheus-url", down, "--timeout", "2") as server:
        response = server.get("/api/metrics/percentiles/")
        ready = server.get("/readyz")
        health = server.get("/healthz")
    assert response.status_code == 503
    assert "cannot reach Prometheus" in response.json()["error"]
    assert ready.status_code == 503 and ready.json()["details"]["status"] == 503
    assert health.status_code == 200  # the process itself is fine


def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(prom):
    gate = Gate()
    with Proxy(prom.url, before=gate) as upstream:
        server = ServeProcess("--prometheus-url", upstream.url).start()
        try:
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(server.get, "/api/metrics/p95/", params={"at": END})
                gate.wait_arrival()
                server.proc.send_signal(signal.SIGTERM)
                server.wait_for("Waiting for connections to close")
                with pytest.raises(requests.ConnectionError):
                    requests.get(server.url + "/healthz", timeout=WAIT)
                gate.open()
                response = pending.result()
                code = server.stop(sig=None)  # the SIGTERM above: no second one
        finally:
            gate.open()
            server.stop(signal.SIGKILL)
    assert response.status_code == 200 and response.json()["count"] > 0
    assert code == 0
    server.wait_for("Finished server process")
