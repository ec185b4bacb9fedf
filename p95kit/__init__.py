"""p95kit: per-model latency percentiles (P50/P95/P99) from Prometheus histograms.

    import p95kit
    p95kit.p95(prometheus_url="http://localhost:9090")          # current P95 per model
    p95kit.p95_range(duration="24h", step="5m")                   # P95 over time
    p95kit.percentiles(percentiles="50,95,99")                    # several percentiles
    p95kit.to_payload(frame)                                      # the original API's JSON

Frames carry their query parameters in ``frame.attrs``; latencies are milliseconds.
"""

from p95kit.client import Prometheus
from p95kit.errors import (
    InvalidParameterError,
    P95kitError,
    PrometheusAuthError,
    PrometheusQueryError,
    PrometheusUnavailableError,
    ReportError,
    ReportLockedError,
)
from p95kit.payloads import to_payload
from p95kit.queries import list_models, p95, p95_range, percentiles

__version__ = "0.1.0"


def __getattr__(name: str):
    """Load the plotting and display helpers lazily: matplotlib is slow to import."""
    if name == "plot_p95":
        from p95kit.plotting import plot_p95

        return plot_p95
    if name == "styled":
        from p95kit.styling import styled

        return styled
    raise AttributeError(f"module 'p95kit' has no attribute {name!r}")


__all__ = [
    "InvalidParameterError",
    "P95kitError",
    "Prometheus",
    "PrometheusAuthError",
    "PrometheusQueryError",
    "PrometheusUnavailableError",
    "ReportError",
    "ReportLockedError",
    "__version__",
    "list_models",
    "p95",
    "p95_range",
    "percentiles",
    "plot_p95",
    "styled",
    "to_payload",
]
