"""A hand-made :class:`~p95kit.report.data.ReportData` for the report's rendering tests:
HTML fragments, the chart and the HTML export, without a Prometheus or a kernel."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from p95kit.report.data import ReportData

HOSTILE = "<img src=x onerror=alert(1)>"
MATH = "$x$ and \\alpha_1"
IDLE = "idle-model"
SATURATED = "saturated"
START = 1_795_996_800.0  # 2026-11-30 00:00 UTC
END = START + 86_400


def make_data(
    names: tuple[str, ...] = (HOSTILE, MATH, SATURATED, "fast"), slo_ms: float | None = 500.0
) -> ReportData:
    """A 24 h report: ``names`` with traffic, plus IDLE with none; SATURATED in the top bucket."""
    times = pd.date_range(pd.Timestamp(START, unit="s", tz="UTC"), periods=24, freq="1h")
    base = {name: 100.0 * (len(names) - i) for i, name in enumerate(names)}
    base[SATURATED] = 10_000.0
    everyone = [*names, IDLE]
    rows = []
    for name in everyone:
        values = np.full(24, np.nan) if name == IDLE else base[name] + np.arange(24.0)
        rows.append(pd.DataFrame({"model": name, "timestamp": times, "p95_latency_ms": values}))
    range_frame = pd.concat(rows, ignore_index=True)
    range_frame.attrs = {"kind": "p95_range", "metric_name": "request_duration_seconds"}
    range_frame.attrs |= {"duration": "24h", "step": "1h", "time_range": "5m"}
    p95 = np.array([np.nan if n == IDLE else base[n] for n in everyone])
    window = pd.DataFrame({"model": everyone, "p50": p95 / 2, "p95": p95, "p99": p95 * 1.2})
    window["p99"] = np.where(window["model"] == SATURATED, 10_000.0, window["p99"])
    window["timestamp"] = pd.Timestamp(END, unit="s", tz="UTC")
    window.attrs = {"kind": "percentiles", "metric_name": "request_duration_seconds"}
    window.attrs |= {"time_range": "24h", "percentiles": [50.0, 95.0, 99.0]}
    current = pd.DataFrame({"model": everyone, "p95_latency_ms": p95 * 0.9})
    current["timestamp"] = pd.Timestamp(END, unit="s", tz="UTC")
    current["metric_name"], current["time_range"] = "request_duration_seconds", "5m"
    current.attrs = {"kind": "p95", "metric_name": "request_duration_seconds", "time_range": "5m"}
    shift = {HOSTILE: -50.0, SATURATED: 50.0, "fast": 20.0}  # change vs the previous window
    previous = p95 - np.array([shift.get(n, 0.0) for n in everyone])
    summary = window.drop(columns="timestamp").copy()
    summary.insert(1, "requests", [0.0 if n == IDLE else 1234.4 for n in everyone])
    summary["p95_current_ms"] = current["p95_latency_ms"]
    summary["p95_previous_ms"] = previous
    summary["delta_p95_ms"] = p95 - previous
    summary["delta_p95_pct"] = 100 * (p95 - previous) / previous
    summary["slo_share"] = (
        [math.nan if n == IDLE else 0.973 for n in everyone] if slo_ms else np.nan
    )
    summary["top_bucket_ms"] = np.where(summary["model"] == SATURATED, 10_000.0, np.nan)
    summary["no_traffic"] = summary["model"] == IDLE
    summary = summary.sort_values("p95", ascending=False, na_position="last").reset_index(drop=True)
    meta = {
        "window_start": START,
        "window_end": END,
        "duration": "24h",
        "step": "1h",
        "time_range": "5m",
        "percentiles": [50.0, 95.0, 99.0],
        "metric_name": "request_duration_seconds",
        "model_label": "model",
        "histogram": "auto",
        "models": [],
        "selector": "",
        "unit": "s",
        "unit_assumed": False,
        "slo_ms": slo_ms,
        "max_chart_models": 10,
        "queries": {"P95 over time": 'histogram_quantile(0.95, sum by (le, model) (x{a="<b>"}))'},
        "prometheus_url": "http://prometheus.example:9090/<path>",
        "version": "0.1.0",
        "generated_at": END + 12.5,
        "fetch_seconds": 0.1,
        "warnings": ["<script>alert('warn')</script> too many samples"],
    }
    return ReportData(window, current, range_frame, summary, meta)
