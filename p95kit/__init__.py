"""p95kit: per-model latency percentiles (P50/P95/P99) from Prometheus histograms.

    import p95kit
    p95kit.p95(prometheus_url="http://localhost:9090")          # current P95 per model
    p95kit.p95_range(duration="24h", step="5m")                   # P95 over time
    p95kit.percentiles(percentiles="50,95,99")                    # several percentiles
    p95kit.to_payload(frame)                                      # the original API's JSON
    p95kit.plot_distribution(p95kit.buckets(time_range="1h"))     # the histogram behind them
    p95kit.history("reports")                                     # every published report

Frames carry their query parameters in ``frame.attrs``; latencies are milliseconds.
The names below are imported on first use (PEP 562), so ``p95kit --help`` does not
pay for pandas, requests or matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from p95kit.lazy_exports import lazy_getattr

__version__ = "0.1.0"

_EXPORTS = {
    "Prometheus": "p95kit.prometheus.client",
    "InvalidParameterError": "p95kit.errors",
    "MetricShapeError": "p95kit.errors",
    "P95kitError": "p95kit.errors",
    "PrometheusAuthError": "p95kit.errors",
    "PrometheusQueryError": "p95kit.errors",
    "PrometheusUnavailableError": "p95kit.errors",
    "ReportError": "p95kit.errors",
    "ReportLockedError": "p95kit.errors",
    "to_payload": "p95kit.query.payloads",
    "buckets": "p95kit.query.buckets",
    "percentile_buckets": "p95kit.query.percentile_buckets",
    "overall_percentiles": "p95kit.query.percentile_buckets",
    "list_models": "p95kit.query.latency",
    "p95": "p95kit.query.latency",
    "p95_range": "p95kit.query.latency",
    "percentiles": "p95kit.query.latency",
    "plot_distribution": "p95kit.display.distribution",
    "plot_p95": "p95kit.display.plotting",
    "styled": "p95kit.display.styling",
    "history": "p95kit.report.history",
}

__all__ = ["__version__", *_EXPORTS]  # the names are listed once, in _EXPORTS

if TYPE_CHECKING:  # for editors and type checkers; tests/test_public_api.py keeps it in step
    # ruff: noqa: F401 (these imports are the re-exports; __all__ comes from _EXPORTS)
    from p95kit.display.distribution import plot_distribution
    from p95kit.display.plotting import plot_p95
    from p95kit.display.styling import styled
    from p95kit.errors import (
        InvalidParameterError,
        MetricShapeError,
        P95kitError,
        PrometheusAuthError,
        PrometheusQueryError,
        PrometheusUnavailableError,
        ReportError,
        ReportLockedError,
    )
    from p95kit.prometheus.client import Prometheus
    from p95kit.query.buckets import buckets
    from p95kit.query.latency import list_models, p95, p95_range, percentiles
    from p95kit.query.payloads import to_payload
    from p95kit.query.percentile_buckets import overall_percentiles, percentile_buckets
    from p95kit.report.history import history


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
