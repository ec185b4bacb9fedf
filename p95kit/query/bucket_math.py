"""Arithmetic on classic histogram buckets (cumulative counts per ``le``), as Prometheus does it.

Used by reports for what ``histogram_quantile`` alone cannot say: the share of
requests under an SLO threshold, and whether a quantile lies in the ``+Inf``
bucket (so its value is only a lower bound).
"""

from __future__ import annotations

import math

import numpy as np


def share_at_or_below(bounds: np.ndarray, counts: np.ndarray, threshold: float) -> float:
    """Fraction of observations <= ``threshold``, interpolating linearly inside a bucket.

    NaN when there are no observations. Above the highest finite bound the share
    counts only what the finite buckets hold (a lower bound, as in Prometheus).
    """
    if len(bounds) < 2 or not math.isinf(bounds[-1]) or counts[-1] <= 0:
        return math.nan
    total = counts[-1]
    finite = bounds[:-1]
    index = int(np.searchsorted(finite, threshold, side="left"))
    if index >= len(finite):
        return float(counts[-2] / total)
    lower = finite[index - 1] if index > 0 else 0.0
    below = counts[index - 1] if index > 0 else 0.0
    upper = finite[index]
    if upper <= lower:
        return float(counts[index] / total)
    fraction = (threshold - lower) / (upper - lower)
    return float(min(1.0, (below + (counts[index] - below) * max(0.0, fraction)) / total))


def top_bucket_bound(bounds: np.ndarray, counts: np.ndarray, q: float) -> float:
    """The highest finite bound when quantile ``q`` lies in the ``+Inf`` bucket, else NaN."""
    if len(bounds) < 2 or not math.isinf(bounds[-1]) or counts[-1] <= 0:
        return math.nan
    rank = q * counts[-1]
    return float(bounds[-2]) if rank > counts[-2] else math.nan


def histogram_quantiles(
    bounds: np.ndarray, cumulative: np.ndarray, qs: tuple[float, ...]
) -> np.ndarray:
    """``histogram_quantile(q, ...)`` of each row of cumulative counts, for each ``q``,
    with Prometheus's arithmetic (``bucketQuantile`` in promql/quantile.go), so the same
    counts give the same floats.

    ``bounds``: upper bounds, increasing and distinct (spellings of one bound summed), the
    last ``inf``, in the metric's unit (shape ``(B,)``). ``cumulative``: shape ``(R, B)``.
    Returns shape ``(R, len(qs))`` in the bounds' unit: the first bucket whose cumulative
    count reaches ``q x total``, interpolated linearly (from 0 in the first bucket); the
    top finite bound for the ``+Inf`` bucket; NaN for a row without observations, and
    for every row when there are fewer than two bounds or no ``+Inf``. Counts are made
    monotonic as Prometheus does (a count below an earlier one is raised to it; newer
    versions also ignore relative differences under 1e-12, which changes no result
    beyond float noise).
    """
    bounds = np.asarray(bounds, dtype=np.float64)
    counts = np.atleast_2d(np.asarray(cumulative, dtype=np.float64))
    out = np.full((counts.shape[0], len(qs)), np.nan)
    top = len(bounds) - 1
    if top < 1 or not np.isposinf(bounds[-1]):
        return out
    counts = np.fmax.accumulate(counts, axis=1)
    total = counts[:, -1]
    below = np.concatenate([np.zeros((len(counts), 1)), counts[:, :-1]], axis=1)
    starts = np.concatenate([[0.0], bounds[:-1]])
    rows = np.arange(len(counts))
    for column, q in enumerate(qs):
        rank = q * total
        reached = counts[:, :-1] >= rank[:, None]
        bucket = np.where(reached.any(axis=1), reached.argmax(axis=1), top)
        start, end = starts[bucket], bounds[bucket]
        under = below[rows, bucket]
        with np.errstate(divide="ignore", invalid="ignore"):
            # the same operations, in the same order, as Prometheus's Go code
            value = start + (end - start) * ((rank - under) / (counts[rows, bucket] - under))
        value = np.where(bucket == top, bounds[top - 1], value)
        value = np.where((bucket == 0) & (bounds[0] <= 0), bounds[0], value)
        out[:, column] = np.where(total > 0, value, np.nan)
    return out
