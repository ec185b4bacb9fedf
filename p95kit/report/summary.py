"""The per-model summary of a report: requests, window percentiles, change, SLO share.

Columns (one row per model, slowest window P95 first): ``model`` (str), ``requests``
(float64, requests in the window), the window percentile columns (ms),
``p95_current_ms``, ``p95_previous_ms``, ``delta_p95_ms``, ``delta_p95_pct``,
``slo_share`` (fraction at or under the SLO, NaN without one), ``top_bucket_ms``
(the top finite bound when the window P95 lies in the ``+Inf`` bucket, else NaN),
``no_traffic`` (bool).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from p95kit.query import bucket_math, frames
from p95kit.query.buckets import per_model
from p95kit.query.target import Target


def summarize(target: Target, slo_ms: float | None, results: dict[str, Any]) -> pd.DataFrame:
    """The per-model summary frame (see :class:`p95kit.report.data.ReportData`), slowest
    window P95 first, from the results of :func:`p95kit.report.data.collect`'s queries."""
    label = target.model_label
    window, current, previous = results["window"], results["current"], results["previous"]
    requests = frames.parse_labelled_values(results["requests"].result, (label,), "requests")
    names = sorted(set(window["model"]) | set(current["model"]) | set(requests[label]))
    summary = pd.DataFrame({"model": pd.Series(names, dtype="str")})
    summary["requests"] = _lookup(names, requests[label], requests["requests"])
    for column in window.columns.drop(["model", "timestamp"]):
        summary[column] = _lookup(names, window["model"], window[column])
    summary["p95_current_ms"] = _lookup(names, current["model"], current["p95_latency_ms"])
    summary["p95_previous_ms"] = _lookup(names, previous["model"], previous["p95"])
    summary["delta_p95_ms"] = summary["p95"] - summary["p95_previous_ms"]
    summary["delta_p95_pct"] = 100 * summary["delta_p95_ms"] / summary["p95_previous_ms"]
    summary["slo_share"], summary["top_bucket_ms"] = _bucket_columns(slo_ms, results, names)
    summary["no_traffic"] = ~(summary["requests"] > 0) & summary["p95"].isna()
    summary = summary.sort_values("p95", ascending=False, na_position="last", kind="stable")
    return summary.reset_index(drop=True)


def _bucket_columns(
    slo_ms: float | None, results: dict[str, Any], names: list[str]
) -> tuple[list, list]:
    by_model = per_model(results["buckets"])
    shares, tops = [], []
    for name in names:
        if name not in by_model:
            shares.append(math.nan)
            tops.append(math.nan)
            continue
        bounds_ms, counts = by_model[name]
        shares.append(
            bucket_math.share_at_or_below(bounds_ms, counts, slo_ms) if slo_ms else math.nan
        )
        tops.append(bucket_math.top_bucket_bound(bounds_ms, counts, 0.95))
    return shares, tops


def _lookup(names: list[str], keys: pd.Series, values: pd.Series) -> np.ndarray:
    mapping = dict(zip(keys.tolist(), values.to_numpy(dtype=np.float64).tolist()))
    return np.array([mapping.get(n, math.nan) for n in names], dtype=np.float64)
