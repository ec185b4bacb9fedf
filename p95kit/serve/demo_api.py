"""``p95kit demo --serve``: the live API on the demo's Prometheus, next to its reports."""

from __future__ import annotations

import sys

from p95kit.serve.runner import serve
from p95kit.serve.settings import ServeSettings


def serve_demo(prometheus_url: str, reports: str, port: int = 8000) -> None:
    """Serve the API for ``prometheus_url`` and ``reports`` on 127.0.0.1 until Ctrl-C or
    SIGTERM; print a ``curl`` line and the reports URL on stdout once it listens."""

    def announce(base: str) -> None:
        print(f"curl '{base}/api/metrics/p95/?time_range=10m'", flush=True)
        print(f"curl '{base}/api/metrics/p95/range/?duration=1h&step=5m'", flush=True)
        print(f"reports: {base}/reports/", flush=True)
        print(f"API document: {base}/api/docs", flush=True)
        print("press Ctrl-C to stop the API and the demo Prometheus", file=sys.stderr, flush=True)

    serve(
        ServeSettings(prometheus_url=prometheus_url, reports=reports), "127.0.0.1", port, announce
    )
