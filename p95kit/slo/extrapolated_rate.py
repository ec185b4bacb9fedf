"""Prometheus 2.x's ``rate()`` and ``increase()`` of raw counter samples, at many evaluation
times at once, float for float.

This is ``extrapolatedRate`` of Prometheus 2.42 (``promql/functions.go``) in numpy: at
evaluation time ``t`` a range ``r`` selects the samples with ``t - r <= ts <= t`` (both ends
inclusive, as in 2.x; 3.x excludes the left end); fewer than two give no result; the raw
increase is ``last - first`` plus, for each drop (a counter reset), the value before it; it is
extrapolated towards the range's ends by at most half an average sample interval (and not
below zero for a counter), then ``factor = extrapolated / sampled interval``, divided by the
range in seconds for ``rate``, multiplies the increase. The operations are Prometheus's, in its
order, on the same int64 millisecond timestamps, so the floats are the same bits (numpy and Go
both do IEEE 754 double arithmetic without fused multiply-add on x86-64).

Resets are added from a running sum of the values before each drop: exact while the values are
whole numbers below 2**53 (request counts are); other series are summed sample by sample in
the windows that hold a reset, as Prometheus does.
"""

from __future__ import annotations

import numpy as np

_EXACT = 2.0**53


class Series:
    """One counter's samples: ``stamps`` (int64 ms, strictly increasing) and ``values``."""

    def __init__(self, stamps: np.ndarray, values: np.ndarray) -> None:
        self.stamps = np.asarray(stamps, dtype=np.int64)
        self.values = np.asarray(values, dtype=np.float64)
        previous = self.values[:-1]
        drops = self.values[1:] < previous
        self.resets = np.concatenate([[0.0], np.cumsum(np.where(drops, previous, 0.0))])
        self.drops = np.concatenate([[0], np.cumsum(drops)])
        whole = np.all(np.mod(self.values, 1.0) == 0) and np.all(np.abs(self.values) < _EXACT)
        self.whole = bool(whole) and abs(float(self.resets[-1])) < _EXACT


def extrapolated(series: Series, evals: np.ndarray, range_ms: int, is_rate: bool) -> np.ndarray:
    """``rate(x[range])`` (``is_rate``) or ``increase(x[range])`` of ``series`` at each of
    ``evals`` (int64 ms); NaN where Prometheus gives no result (fewer than two samples)."""
    stamps, values = series.stamps, series.values
    evals = np.asarray(evals, dtype=np.int64)
    starts = evals - np.int64(range_ms)
    last_i = np.searchsorted(stamps, evals, side="right") - 1
    first_i = np.searchsorted(stamps, starts, side="left")
    count = last_i - first_i + 1
    ok = count >= 2
    out = np.full(len(evals), np.nan)
    if not ok.any():
        return out
    i0, i1, n = first_i[ok], last_i[ok], count[ok]
    t_eval, t_start = evals[ok], starts[ok]
    first, last = values[i0], values[i1]
    result = (last - first) + (series.resets[i1] - series.resets[i0])
    if not series.whole:
        _sequential_resets(series, i0, i1, result)
    first_t, last_t = stamps[i0], stamps[i1]
    to_start = (first_t - t_start).astype(np.float64) / 1000
    to_end = (t_eval - last_t).astype(np.float64) / 1000
    sampled = (last_t - first_t).astype(np.float64) / 1000
    average = sampled / (n - 1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_zero = sampled * (first / result)
    clamp = (result > 0) & (first >= 0) & (to_zero < to_start)
    to_start = np.where(clamp, to_zero, to_start)
    threshold = average * 1.1
    extrapolate_to = sampled + np.where(to_start < threshold, to_start, average / 2)
    extrapolate_to = extrapolate_to + np.where(to_end < threshold, to_end, average / 2)
    factor = extrapolate_to / sampled
    if is_rate:
        factor = factor / (range_ms / 1000)
    out[ok] = result * factor
    return out


def _sequential_resets(series: Series, i0: np.ndarray, i1: np.ndarray, result: np.ndarray) -> None:
    """Recompute ``result`` in Prometheus's order where a window holds a reset (not whole
    numbers: a running sum would round differently)."""
    values = series.values
    with_reset = np.flatnonzero(series.drops[i1] - series.drops[i0] > 0)
    for k in with_reset:
        value = values[i1[k]] - values[i0[k]]
        previous = values[i0[k]]
        for current in values[i0[k] + 1 : i1[k] + 1]:
            if current < previous:
                value += previous
            previous = current
        result[k] = value


def sum_in_order(rows: np.ndarray, members: list[list[int]]) -> np.ndarray:
    """``sum by (group)`` of per-series results (``rows``, shape ``(S, K)``, NaN = no
    result): one row per group of ``members`` (series indexes, in Prometheus's order), added
    one after another as Prometheus's ``sum`` does; NaN where no member has a result."""
    out = np.full((len(members), rows.shape[1]), np.nan)
    for group, indexes in enumerate(members):
        total = out[group]
        for index in indexes:
            value = rows[index]
            total = np.where(
                np.isnan(total), value, np.where(np.isnan(value), total, total + value)
            )
        out[group] = total
    return out
