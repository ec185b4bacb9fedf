"""The per-model summary of a report: requests, window percentiles, change, SLO share.

Columns (one row per model, slowest window P95 first): ``model`` (str), ``requests``
(float64, requests in the window), the window percentile columns (ms),
``p95_current_ms``, ``p95_previous_ms``, ``delta_p95_ms``, ``delta_p95_pct``,
``slo_share`` (fraction at or under the SLO, NaN without one), ``top_bucket_ms``
(the top finite bound when the window P95 lies in the ``+Inf`` bucket, else NaN),
``no_traffic`` (bool), the SLO's columns (:data:`SLO_COLUMNS`: ``good_share``,
``good_share_low``, ``good_share_high``, ``budget_remaining``, ``burn_rate_1h``,
``burn_rate_6h`` float64 and ``slo_status`` str, as :func:`p95kit.slo` computes them over the
window; NaN and None without an SLO), then per window percentile ``pNN_bucket_lower_ms`` and
``pNN_bucket_upper_ms`` (float64 ms: the histogram bucket ``pNN`` was interpolated in,
``inf`` upper for the ``+Inf`` bucket, NaN without traffic; ``summary.json`` writes them as
``pNN_bucket_ms: [lower, upper]``).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from p95kit.query import linear
from p95kit.query.buckets import histograms_of
from p95kit.query.percentile_buckets import percentile_buckets
from p95kit.query.target import Target
from p95kit.slo.evaluate import RATIO_COLUMNS

#: The SLO's columns of a summary (``slo_status`` text, the others float64).
SLO_COLUMNS = (*RATIO_COLUMNS, "slo_status")


def summarize(
    target: Target,
    slo_ms: float | None,
    window: pd.DataFrame,
    current: pd.DataFrame,
    previous: pd.DataFrame,
    requests: pd.DataFrame,
    buckets: pd.DataFrame,
    slo: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The per-model summary frame (see :class:`p95kit.report.data.ReportData`), slowest
    window P95 first: ``window`` and ``previous`` are :func:`p95kit.percentiles` frames of
    the window and the one before it, ``current`` a :func:`p95kit.p95` frame, ``requests``
    the requests per model (``model``, ``requests``), ``buckets`` the window's
    :func:`p95kit.buckets` frame, ``slo`` the :func:`p95kit.slo` frame of the window (None:
    no SLO)."""
    names = sorted(set(window["model"]) | set(current["model"]) | set(requests["model"]))
    summary = pd.DataFrame({"model": pd.Series(names, dtype="str")})
    summary["requests"] = _lookup(names, requests["model"], requests["requests"])
    percentile_columns = window.columns.drop(["model", "timestamp"])
    for column in percentile_columns:
        summary[column] = _lookup(names, window["model"], window[column])
    summary["p95_current_ms"] = _lookup(names, current["model"], current["p95_latency_ms"])
    summary["p95_previous_ms"] = _lookup(names, previous["model"], previous["p95"])
    summary["delta_p95_ms"] = summary["p95"] - summary["p95_previous_ms"]
    summary["delta_p95_pct"] = 100 * summary["delta_p95_ms"] / summary["p95_previous_ms"]
    summary["slo_share"], summary["top_bucket_ms"] = _bucket_columns(slo_ms, buckets, names)
    summary["no_traffic"] = ~(summary["requests"] > 0) & summary["p95"].isna()
    _add_slo(summary, slo)
    _add_bucket_bounds(summary, buckets, percentile_columns)
    summary = summary.sort_values("p95", ascending=False, na_position="last", kind="stable")
    return summary.reset_index(drop=True)


def _bucket_columns(
    slo_ms: float | None, buckets: pd.DataFrame, names: list[str]
) -> tuple[list, list]:
    by_model = histograms_of(buckets)
    shares, tops = [], []
    for name in names:
        hist = by_model.get(name)
        if hist is None:
            shares.append(math.nan)
            tops.append(math.nan)
            continue
        shares.append(float(linear.shares(hist, slo_ms)[0]) if slo_ms else math.nan)
        tops.append(float(hist.top_bound(0.95)[0]))
    return shares, tops


def _add_slo(summary: pd.DataFrame, slo: pd.DataFrame | None) -> None:
    """The SLO's columns, by model (NaN, and None for the status, where it has none)."""
    names = summary["model"].tolist()
    for column in SLO_COLUMNS[:-1]:
        values = slo[column] if slo is not None else pd.Series(dtype=np.float64)
        keys = slo["model"] if slo is not None else pd.Series(dtype="str")
        summary[column] = _lookup(names, keys, values)
    status = dict(zip(slo["model"], slo["status"])) if slo is not None else {}
    summary["slo_status"] = pd.Series([status.get(n) for n in names], dtype=object)


def _add_bucket_bounds(summary: pd.DataFrame, buckets: pd.DataFrame, columns) -> None:
    """``pNN_bucket_lower_ms`` / ``pNN_bucket_upper_ms`` for each window percentile column."""
    wanted = [float(c[1:]) for c in columns]
    names = summary["model"].tolist()
    bounds = percentile_buckets(buckets, wanted) if wanted else None
    for column, p in zip(columns, wanted):
        rows = bounds[bounds["percentile"] == p]
        summary[f"{column}_bucket_lower_ms"] = _lookup(names, rows["model"], rows["lower_ms"])
        summary[f"{column}_bucket_upper_ms"] = _lookup(names, rows["model"], rows["upper_ms"])


def bucket_columns(percentile_columns: list[str]) -> list[str]:
    """The bound columns :func:`summarize` adds for ``percentile_columns`` (``p95`` ...)."""
    return [f"{c}_bucket_{end}_ms" for c in percentile_columns for end in ("lower", "upper")]


def _lookup(names: list[str], keys: pd.Series, values: pd.Series) -> np.ndarray:
    mapping = dict(zip(keys.tolist(), values.to_numpy(dtype=np.float64).tolist()))
    return np.array([mapping.get(n, math.nan) for n in names], dtype=np.float64)


_PAIR = re.compile(r"p[0-9.]+_bucket_ms\Z")


def to_json_records(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """Summary rows for ``summary.json``: latencies rounded to 2 decimals, and each pair of
    bound columns as ``pNN_bucket_ms: [lower, upper]`` (``upper`` None for the ``+Inf``
    bucket; the pair None without traffic)."""
    records = summary.to_dict(orient="records")
    pairs = [c.removesuffix("_lower_ms") for c in summary.columns if c.endswith("_bucket_lower_ms")]
    for record in records:
        for key, value in record.items():
            if key.endswith("_ms") and isinstance(value, float) and math.isfinite(value):
                record[key] = round(value, 2)
        for base in pairs:
            lower, upper = record.pop(f"{base}_lower_ms"), record.pop(f"{base}_upper_ms")
            finite_upper = upper if math.isfinite(upper) else None
            record[f"{base}_ms"] = None if math.isnan(lower) else [lower, finite_upper]
    return records


def from_json_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The inverse of :func:`to_json_records` for the bound pairs (None -> NaN, +Inf)."""
    out = []
    for record in records:
        record = dict(record)
        for key in [k for k in record if _PAIR.match(k)]:
            pair = record.pop(key)
            base = key.removesuffix("_ms")
            lower, upper = (math.nan, math.nan) if pair is None else pair
            record[f"{base}_lower_ms"] = lower
            record[f"{base}_upper_ms"] = math.inf if pair is not None and upper is None else upper
        out.append(record)
    return out


#: The row of the percentiles over every request, under the models.
ALL_MODELS = "(all models)"


def all_models_row(meta: dict) -> pd.Series | None:
    """``meta["all_models"]`` (:func:`p95kit.overall_percentiles`) as a summary-like row."""
    overall = meta.get("all_models")
    if not overall:
        return None
    row = {k: v for k, v in overall.items() if not k.endswith("_bucket_ms")}
    for key, pair in overall.items():
        if key.endswith("_bucket_ms") and key != "top_bucket_ms":
            base = key.removesuffix("_ms")
            lower, upper = pair if pair else (math.nan, math.nan)
            row[f"{base}_lower_ms"] = lower
            row[f"{base}_upper_ms"] = math.inf if pair and upper is None else upper
    row["no_traffic"] = not (overall.get("requests") or 0) > 0
    row["top_bucket_ms"] = overall.get("top_bucket_ms", math.nan)
    return pd.Series({k: (math.nan if v is None else v) for k, v in row.items()})
