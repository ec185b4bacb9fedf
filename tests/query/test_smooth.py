"""p95kit.query.smooth without Prometheus: the bucket rule for any histogram, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p95kit.query import smooth
from p95kit.query.histogram import Histogram

INF = math.inf


def estimate(bounds, cumulative, q: float, sums=None) -> np.ndarray:
    """``smooth``'s quantile ``q`` of each row of ``cumulative`` (bounds in their own unit);
    one value for one row."""
    out = smooth.quantiles(Histogram.of(bounds, cumulative, sums), (q,))[:, 0]
    return out if np.ndim(cumulative) > 1 else out[0]


def rank_bucket(bounds: np.ndarray, cumulative: np.ndarray, q: float) -> tuple[float, float]:
    """(lower, upper) of the bucket histogram_quantile interpolates in."""
    b = int(np.searchsorted(cumulative, q * cumulative[-1], side="left"))
    return (bounds[b - 1] if b else 0.0), bounds[b]


histograms = st.tuples(
    st.lists(st.floats(1e-4, 1e4), min_size=1, max_size=25, unique=True).map(sorted),
    st.data(),
)


@settings(max_examples=300, deadline=None)
@given(histograms, st.floats(0.001, 0.999))
def test_estimate_never_leaves_prometheus_bucket_and_grows_with_q(histogram, q):
    finite, data = histogram
    counts = data.draw(st.lists(st.integers(0, 1000), min_size=len(finite) + 1))
    counts = counts[: len(finite) + 1]
    counts += [0] * (len(finite) + 1 - len(counts))
    if sum(counts) == 0:
        counts[-1] = 1
    bounds = np.array([*finite, INF])
    cumulative = np.cumsum(counts).astype(float)
    value = float(estimate(bounds, cumulative, q))
    lower, upper = rank_bucket(bounds, cumulative, q)
    if math.isinf(upper):
        assert value == bounds[-2]  # no _sum: Prometheus's answer
    else:
        assert lower * (1 - 1e-9) <= value <= upper * (1 + 1e-9)
    higher = float(estimate(bounds, cumulative, min(0.9999, q + 0.05)))
    assert higher >= value * (1 - 1e-9)


def test_rows_are_independent_and_nan_where_prometheus_says_nan():
    bounds = np.array([0.1, 0.25, 0.5, 1.0, INF])
    rows = np.array([[10, 40, 90, 100, 100], [0, 0, 0, 0, 0], [5, 5, 5, 5, 5]], dtype=float)
    out = estimate(bounds, rows, 0.95)
    assert out.shape == (3,)
    assert 0.5 < out[0] <= 1.0
    assert math.isnan(out[1])  # no traffic
    assert 0 < out[2] <= 0.1  # first bucket: linear from 0, as Prometheus
    assert out[2] == pytest.approx(0.095)
    assert math.isnan(float(estimate(np.array([0.1, 0.5]), np.array([1, 2]), 0.5)))
    assert math.isnan(float(estimate(np.array([INF]), np.array([3.0]), 0.5)))


def test_a_zero_bucket_and_unsorted_noise_are_handled():
    bounds = np.array([0.0, 0.1, 1.0, INF])  # SGLang's queue time has le="0.0"
    assert float(estimate(bounds, np.array([50.0, 50, 100, 100]), 0.3)) == 0.0
    value = float(estimate(bounds, np.array([10.0, 60, 59.999, 100]), 0.5))
    assert 0.0 < value <= 0.1  # non-monotonic counts are made monotonic first


def test_overflow_tail_uses_the_mean_only_when_it_is_above_the_top_bound():
    bounds = np.array([1.0, 2.0, INF])
    cumulative = np.array([50.0, 80, 100])
    # finite buckets at their middles: 50 * 0.5 + 30 * 1.5 = 70; overflow of 20 with mean 6
    value = float(estimate(bounds, cumulative, 0.95, np.array([70.0 + 20 * 6])))
    assert value == pytest.approx(2.0 + 4.0 * math.log(20 / 5))
    low_mean = float(estimate(bounds, cumulative, 0.95, np.array([70.0 + 20 * 1.5])))
    assert low_mean == 2.0  # the mean contradicts the buckets: the top bound, as Prometheus


def test_monotone_cubic_is_exact_for_a_log_uniform_distribution():
    """Counts proportional to log-width: the CDF is linear in log latency, and so is the answer."""
    bounds = np.array([1.0, 2.0, 4.0, 8.0, 16.0, INF])
    cumulative = np.array([0.0, 25, 50, 75, 100, 100])
    assert float(estimate(bounds, cumulative, 0.625)) == pytest.approx(4 * math.sqrt(2), rel=1e-9)
