"""The server's own metrics (``/metrics``) and its access log: one line per request.

Metrics (prometheus-client, one registry per application):

- ``p95kit_serve_request_duration_seconds`` histogram by ``endpoint`` (the route, e.g.
  ``/api/metrics/p95/``, ``/reports``, ``other``) and ``status``: p95kit can report on
  itself with ``--metric-name p95kit_serve_request_duration_seconds --model-label endpoint``
- ``p95kit_serve_cache_requests_total`` by ``endpoint`` and ``result`` (hit, shared, miss)
- ``p95kit_serve_prometheus_requests_total``: HTTP requests sent to Prometheus (retries and
  range chunks included)
- ``p95kit_serve_busy_rejections_total``: requests answered 503 at the query limit
- ``p95kit_serve_queries_in_flight``: questions on their way to Prometheus
- ``p95kit_serve_requests_in_progress``: requests being answered (waiting ones included)

The access log line is ``METHOD PATH STATUS MS cache=hit|shared|miss|-``: the path only,
never the query string (a ``prometheus_url`` may carry user-info), control characters escaped.
Lines are handed to a thread that writes them (:func:`log_to_stderr`), so a slow reader of
stderr never blocks the event loop.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import os
import queue
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

access_log = logging.getLogger("p95kit.serve.access")

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The server's metrics in their own registry (several apps in one process do not clash)."""

    def __init__(self, in_flight: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.duration = Histogram(
            "p95kit_serve_request_duration_seconds",
            "Time to answer a request, by endpoint and HTTP status.",
            ["endpoint", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.cache = Counter(
            "p95kit_serve_cache_requests",
            "API requests by how their answer was found: hit, shared (joined one in flight), miss.",
            ["endpoint", "result"],
            registry=self.registry,
        )
        self.prometheus_requests = Counter(
            "p95kit_serve_prometheus_requests",
            "HTTP requests sent to Prometheus (retries and range chunks included).",
            registry=self.registry,
        )
        self.busy = Counter(
            "p95kit_serve_busy_rejections",
            "Requests answered 503 because the concurrent query limit was reached.",
            ["endpoint"],
            registry=self.registry,
        )
        gauge = Gauge(
            "p95kit_serve_queries_in_flight",
            "Questions on their way to Prometheus.",
            registry=self.registry,
        )
        gauge.set_function(in_flight)
        self.in_progress = Gauge(
            "p95kit_serve_requests_in_progress",
            "Requests being answered, those waiting for a shared answer included.",
            registry=self.registry,
        )


class AccessLog:
    """ASGI middleware: times each request, observes the histogram, logs one line, and
    adds ``X-Content-Type-Options: nosniff`` to every answer."""

    def __init__(self, app: Any, metrics: Metrics, routes: Iterable[str]) -> None:
        self.app, self.metrics, self.routes = app, metrics, frozenset(routes)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})

        async def send_and_note(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-content-type-options", b"nosniff")]
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.metrics.in_progress.dec()
            seconds = time.perf_counter() - began
            path = scope.get("path", "")
            self.metrics.duration.labels(self.endpoint(path), str(status)).observe(seconds)
            access_log.info(
                "%s %s %d %.1fms cache=%s",
                scope.get("method", "-"),
                printable(path),
                status,
                seconds * 1000,
                state.get("cache", "-"),
            )

    def endpoint(self, path: str) -> str:
        """A bounded label: a known route, ``/reports``, or ``other``."""
        if path in self.routes:
            return path
        return "/reports" if path.startswith("/reports/") or path == "/reports" else "other"


def printable(text: str, limit: int = 200) -> str:
    """``text`` safe for one log line: control characters and spaces as %XX, cut at ``limit``."""
    safe = "".join(c if c.isprintable() and c != " " else f"%{ord(c):02X}" for c in text[:limit])
    return safe + ("..." if len(text) > limit else "")


def log_to_stderr(replace: bool = False) -> None:
    """Send the access log to stderr through a queue and a writer thread (once per process;
    ``replace``: also when the logger has handlers already)."""
    if access_log.handlers and not replace:
        return
    lines: queue.SimpleQueue = queue.SimpleQueue()
    writer = logging.StreamHandler(_own_stderr())
    writer.setFormatter(logging.Formatter("p95kit serve: %(message)s"))
    listener = logging.handlers.QueueListener(lines, writer)
    listener.start()
    atexit.register(listener.stop)  # writes what is queued, then ends the thread
    access_log.handlers[:] = [logging.handlers.QueueHandler(lines)]
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def _own_stderr():
    """A line-buffered file of our own on the stderr descriptor: the writer thread and the
    main thread (uvicorn's log) never share one TextIOWrapper, which is not thread-safe and
    loses text when two threads write at once; each line is one write() to the descriptor."""
    try:
        descriptor = os.dup(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # no real descriptor (a test's capture)
        return sys.stderr
    return open(descriptor, "w", buffering=1, encoding="utf-8", errors="backslashreplace")
