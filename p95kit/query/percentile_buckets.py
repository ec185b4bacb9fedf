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
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from p95kit import validation
from p95kit.query.columns import percentile_column

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
    for model, (lowers, uppers, counts) in model_slices(frame):
        cumulative = np.cumsum(counts)
        for p in wanted:
            lower, upper = bucket_of(lowers, uppers, cumulative, p / 100)
            rows.append((model, p, lower, upper, is_coarse(lower, upper)))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["model"] = out["model"].astype("str")
    for column in ("percentile", "lower_ms", "upper_ms"):
        out[column] = out[column].astype(np.float64)
    out["coarse"] = out["coarse"].astype(bool)
    return out


def model_slices(frame: pd.DataFrame) -> Iterator[tuple[str, tuple[np.ndarray, ...]]]:
    """``(model, (lower_ms, upper_ms, count))`` arrays per model of a :func:`p95kit.buckets`
    frame, by model name; numpy slices, not a pandas groupby (which copies ``attrs`` for
    every column of every group)."""
    order = np.argsort(frame["model"].to_numpy(dtype=object), kind="stable")
    models = frame["model"].to_numpy(dtype=object)[order]
    columns = [
        frame[c].to_numpy(dtype=np.float64)[order] for c in ("lower_ms", "upper_ms", "count")
    ]
    starts = [i for i in range(len(models)) if i == 0 or models[i] != models[i - 1]]
    for begin, end in zip(starts, [*starts[1:], len(models)]):
        yield str(models[begin]), tuple(column[begin:end] for column in columns)


def bucket_of(
    lowers: np.ndarray, uppers: np.ndarray, cumulative: np.ndarray, q: float
) -> tuple[float, float]:
    """``(lower, upper)`` of the bucket quantile ``q`` lies in (NaN, NaN without traffic).

    ``cumulative`` are cumulative counts per bucket, sorted by upper bound; the rank is
    ``q x total`` and the bucket the first whose cumulative count reaches it, as
    Prometheus's ``histogram_quantile`` searches (the last bucket when no earlier one does).
    """
    if len(cumulative) == 0 or not cumulative[-1] > 0:
        return math.nan, math.nan
    rank = q * cumulative[-1]
    index = int(np.searchsorted(cumulative[:-1], rank, side="left"))
    return float(lowers[index]), float(uppers[index])


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
    lowers = merged["lower_ms"].to_numpy(dtype=np.float64)
    uppers = merged["upper_ms"].to_numpy(dtype=np.float64)
    cumulative = np.cumsum(merged["count"].to_numpy(dtype=np.float64))
    total = float(cumulative[-1]) if len(cumulative) else 0.0
    out: dict[str, object] = {"requests": total}
    for p in wanted:
        column = percentile_column(p)
        lower, upper = bucket_of(lowers, uppers, cumulative, p / 100)
        out[column] = interpolate(lowers, uppers, cumulative, p / 100)
        out[f"{column}_bucket_ms"] = (
            None if math.isnan(lower) else [lower, upper if math.isfinite(upper) else None]
        )
    top = math.nan
    lower95, upper95 = bucket_of(lowers, uppers, cumulative, 0.95)
    if math.isinf(upper95):
        top = lower95
    out["top_bucket_ms"] = top
    return out


def interpolate(lowers: np.ndarray, uppers: np.ndarray, cumulative: np.ndarray, q: float) -> float:
    """Quantile ``q`` by linear interpolation inside its bucket, as ``histogram_quantile``:
    the top finite bound for the ``+Inf`` bucket, NaN without traffic."""
    if len(cumulative) < 2 or not cumulative[-1] > 0:
        return math.nan
    rank = q * cumulative[-1]
    index = int(np.searchsorted(cumulative[:-1], rank, side="left"))
    lower, upper = float(lowers[index]), float(uppers[index])
    if math.isinf(upper):
        return lower
    if index == 0 and upper <= 0:
        return upper
    below = float(cumulative[index - 1]) if index else 0.0
    inside = float(cumulative[index]) - below
    if inside <= 0:
        return math.nan
    return lower + (upper - lower) * (rank - below) / inside
