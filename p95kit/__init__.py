"""p95kit: per-model latency percentiles (P50/P95/P99) from Prometheus histograms.

    import p95kit
    p95kit.p95(prometheus_url="http://localhost:9090")          # current P95 per model
    p95kit.p95_range(duration="24h", step="5m")                   # P95 over time
    p95kit.percentiles(percentiles="50,95,99")                    # several percentiles
    p95kit.to_payload(frame)                                      # the original API's JSON
    p95kit.plot_distribution(p95kit.buckets(time_range="1h"))     # the histogram behind them
    p95kit.slo(threshold_ms=2000, objective=99.5, window="30d")   # error budgets, burn rates
    p95kit.compare(baseline='version="v1"', candidate='version="v2"')  # is v2 slower?
    p95kit.history("reports")                                     # every published report

Frames carry their query parameters in ``frame.attrs``; latencies are milliseconds.
The names below are imported on first use (PEP 562), so ``p95kit --help`` does not
pay for pandas, requests or matplotlib.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from p95kit.lazy_exports import lazy_getattr
from p95kit.version import __version__

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
    "compare": "p95kit.compare.versions",
    "buckets": "p95kit.query.buckets",
    "percentile_buckets": "p95kit.query.percentile_buckets",
    "overall_percentiles": "p95kit.query.percentile_buckets",
    "list_models": "p95kit.query.latency",
    "slo_backtest": "p95kit.slo.backtest",
    "slo_rules": "p95kit.slo.rules",
    "p95": "p95kit.query.latency",
    "p95_range": "p95kit.query.latency",
    "percentiles": "p95kit.query.latency",
    "plot_compare": "p95kit.display.compare_chart",
    "plot_distribution": "p95kit.display.distribution",
    "plot_p95": "p95kit.display.plotting",
    "styled": "p95kit.display.styling",
    "slo": "p95kit.slo.latency_slo",
    "burn_rates": "p95kit.slo.latency_slo",
    "slo_metrics": "p95kit.slo.several_metrics",
    "goodput": "p95kit.slo.several_metrics",
    "slo_advice": "p95kit.slo.thresholds",
    "budget_over_time": "p95kit.slo.burndown",
    "to_slo_payload": "p95kit.slo.payload",
    "plot_budget": "p95kit.display.budget_chart",
    "history": "p95kit.report.history",
}

__all__ = ["__version__", *_EXPORTS]  # the names are listed once, in _EXPORTS

# For editors and type checkers; tests/behaviour/test_public_api.py keeps it in step.
if TYPE_CHECKING:
    # ruff: noqa: F401 (these imports are the re-exports; __all__ comes from _EXPORTS)
    from p95kit.compare.versions import compare
    from p95kit.display.budget_chart import plot_budget
    from p95kit.display.compare_chart import plot_compare
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
    from p95kit.slo.backtest import slo_backtest
    from p95kit.slo.burndown import budget_over_time
    from p95kit.slo.latency_slo import burn_rates, slo
    from p95kit.slo.payload import to_slo_payload
    from p95kit.slo.rules import slo_rules
    from p95kit.slo.several_metrics import goodput, slo_metrics
    from p95kit.slo.thresholds import slo_advice


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


class _Facade(types.ModuleType):
    """The package's module type: a public function named like the subpackage that defines
    it (``p95kit.compare`` in ``p95kit/compare/``, ``p95kit.slo`` in ``p95kit/slo/``) stays
    the function. The import system
    binds a subpackage on its parent when it first loads it (``setattr(p95kit, "compare",
    <module>)``); that binding is skipped here, so ``p95kit.compare(...)`` works whatever was
    imported before (the subpackage stays in ``sys.modules``, for ``from p95kit.compare
    import ...``)."""

    def __setattr__(self, name: str, value: object) -> None:
        defined_in = _EXPORTS.get(name, "")
        if isinstance(value, types.ModuleType) and defined_in.startswith(f"{__name__}.{name}."):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
