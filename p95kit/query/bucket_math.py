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
