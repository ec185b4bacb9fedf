"""The ``prometheus`` estimator: ``histogram_quantile``'s linear arithmetic, in one place.

Prometheus assumes the requests inside a bucket are spread evenly between its bounds.
:func:`interpolate` is that assumption, written once; :func:`quantiles` and :func:`shares`
(the estimator's two questions, see :mod:`p95kit.query.estimators`) and the ``smooth``
estimator's first bucket use it. :func:`quantiles` does what ``bucketQuantile`` in
Prometheus's promql/quantile.go does, operation for operation, so the same counts give the
same floats Prometheus answers:

- the bucket is :meth:`~p95kit.query.histogram.Histogram.locate`'s;
- inside it, linear from its lower bound (0 for the first bucket);
- a rank in the ``+Inf`` bucket answers the top finite bound; a first bucket whose bound is
  ``<= 0`` answers that bound; a row without requests, or a classic histogram with fewer than
  two buckets or no ``+Inf``, answers NaN.
"""

from __future__ import annotations

import numpy as np

from p95kit.query.histogram import Histogram
from p95kit.query.promql import format_quantile


def interpolate(
    lower: np.ndarray, upper: np.ndarray, below: np.ndarray, inside: np.ndarray, rank: np.ndarray
) -> np.ndarray:
    """The value at ``rank`` in a bucket ``(lower, upper]`` that holds ``inside`` requests
    with ``below`` under it, the requests spread evenly (Go's order of operations)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return lower + (upper - lower) * ((rank - below) / inside)


def quantiles(hist: Histogram, qs: tuple[float, ...]) -> np.ndarray:
    """``histogram_quantile(q, ...)`` per row and ``q``: shape ``(R, len(qs))``, in ms.

    Each ``q`` is read as PromQL text reads it (``format_quantile``: 99.9/100 is 0.999)."""
    out = np.full((hist.rows, len(qs)), np.nan)
    if not hist.valid:
        return out
    counts, bounds = hist.cumulative, hist.bounds
    total = counts[:, -1]
    rows = np.arange(hist.rows)
    top = len(bounds) - 1
    for column, q in enumerate(qs):
        q = float(format_quantile(q))
        rank = q * total
        bucket = hist.locate(q)
        under = np.where(bucket > 0, counts[rows, np.maximum(bucket - 1, 0)], 0.0)
        inside = counts[rows, bucket] - under
        value = interpolate(hist.lowers[bucket], bounds[bucket], under, inside, rank)
        if not hist.native:
            value = np.where(bucket == top, bounds[top - 1], value)
        value = np.where((bucket == 0) & (bounds[0] <= 0), bounds[0], value)
        out[:, column] = np.where(total > 0, value, np.nan)
    return out * hist.scale


def shares(hist: Histogram, threshold_ms: float) -> np.ndarray:
    """The share of requests at or under ``threshold_ms`` per row, linear inside the bucket
    the threshold falls in (what Prometheus 3.4's ``histogram_fraction`` does); above the top
    finite bound only what the finite buckets hold. NaN without requests."""
    low, high, bucket = hist.proven_share(threshold_ms)
    index = int(bucket[0]) if len(bucket) else -1
    if index < 0 or (not hist.native and index == len(hist.bounds) - 1):
        return low
    lower, upper = hist.lowers[index], hist.bounds[index]
    fraction = np.clip((threshold_ms / hist.scale - lower) / (upper - lower), 0.0, 1.0)
    return low + (high - low) * fraction
