"""Which histogram bucket each percentile was interpolated in: how precise a percentile is.

``histogram_quantile`` interpolates linearly inside one bucket, so a P95 "of 3,156 ms"
from a ``(2,525, 3,788]`` bucket only says "between 2,525 and 3,788 ms". This module
finds that bucket from a :func:`p95kit.buckets` frame, as Prometheus picks it: the first
bucket whose cumulative count reaches ``q x total`` (the ``+Inf`` bucket when none of the
finite ones does, where the percentile is only "≥ the top finite bound")::

    frame = p95kit.buckets(time_range="24h")
    p95kit.percentile_buckets(frame, (50, 95, 99))
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from p95kit import validation
from p95kit.query import linear
from p95kit.query.buckets import histograms_of
from p95kit.query.columns import percentile_column
from p95kit.query.histogram import Histogram

COLUMNS = ("model", "percentile", "lower_ms", "upper_ms", "coarse")
#: A bucket whose upper bound is more than this times its lower bound gives a coarse estimate.
COARSE_RATIO = 2.0


def percentile_buckets(
    frame: pd.DataFrame, percentiles: Sequence[float] | str = (50, 95, 99)
) -> pd.DataFrame:
    """The bucket each percentile of each model lies in.

    ``frame`` is a :func:`p95kit.buckets` frame. Columns: ``model`` (str), ``percentile``
    (float64, e.g. 95.0), ``lower_ms`` and ``upper_ms`` (float64 ms; the percentile is in
    ``(lower_ms, upper_ms]``; ``upper_ms`` is ``inf`` for the ``+Inf`` bucket, NaN both for a
    model without traffic), ``coarse`` (bool: ``upper_ms > 2 x lower_ms``, the estimate
    may be far from the true percentile). Sorted by model, then percentile.
    """
    wanted = validation.percentiles(percentiles)
    rows: list[tuple[str, float, float, float, bool]] = []
    for model, hist in histograms_of(frame).items():
        for p in wanted:
            lower, upper = (float(v[0]) for v in hist.bucket_bounds(p / 100))
            rows.append((model, p, lower, upper, is_coarse(lower, upper)))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["model"] = out["model"].astype("str")
    for column in ("percentile", "lower_ms", "upper_ms"):
        out[column] = out[column].astype(np.float64)
    out["coarse"] = out["coarse"].astype(bool)
    return out


def is_coarse(lower: float, upper: float) -> bool:
    """True when ``(lower, upper]`` is more than :data:`COARSE_RATIO` wide (and finite)."""
    if not (math.isfinite(upper) and upper > 0):
        return False
    return upper > COARSE_RATIO * max(lower, 0.0)


def overall_percentiles(
    frame: pd.DataFrame, percentiles: Sequence[float] | str = (50, 95, 99)
) -> dict[str, object]:
    """The percentiles over every request of every model in a :func:`p95kit.buckets` frame
    (its buckets summed across models, interpolated as ``histogram_quantile`` does: what
    ``histogram_quantile(q, sum by (le) (increase(x_bucket[W])))`` answers).

    Returns ``{"requests": float, "p50": ms, ..., "p50_bucket_ms": [lower, upper|None], ...}``;
    NaN percentiles (and None bounds) without traffic; ``"top_bucket_ms"`` is the top finite
    bound when P95 lies in the ``+Inf`` bucket, else NaN.
    """
    wanted = validation.percentiles(percentiles)
    merged = frame.groupby(["upper_ms", "lower_ms"], sort=True, as_index=False)["count"].sum()
    merged = merged.sort_values("upper_ms", kind="stable")
    hist = _merged_histogram(merged)
    total = float(hist.requests[0]) if len(hist.bounds) else 0.0
    out: dict[str, object] = {"requests": total}
    values = linear.quantiles(hist, tuple(p / 100 for p in wanted))[0] if total > 0 else None
    for position, p in enumerate(wanted):
        column = percentile_column(p)
        lower, upper = (float(v[0]) for v in hist.bucket_bounds(p / 100))
        out[column] = math.nan if values is None else float(values[position])
        out[f"{column}_bucket_ms"] = (
            None if math.isnan(lower) else [lower, upper if math.isfinite(upper) else None]
        )
    lower95, upper95 = (float(v[0]) for v in hist.bucket_bounds(0.95))
    out["top_bucket_ms"] = lower95 if math.isinf(upper95) else math.nan
    return out


def _merged_histogram(merged: pd.DataFrame) -> Histogram:
    """One histogram (bounds in ms) from bucket counts summed across models."""
    uppers = merged["upper_ms"].to_numpy(dtype=np.float64)
    lowers = merged["lower_ms"].to_numpy(dtype=np.float64)
    cumulative = np.cumsum(merged["count"].to_numpy(dtype=np.float64))
    classic = len(uppers) > 0 and bool(np.isposinf(uppers[-1]))
    if not len(uppers):
        return Histogram.of(np.array([np.inf]), np.zeros(1))
    return Histogram.of(uppers, cumulative, lowers=lowers, native=not classic)
