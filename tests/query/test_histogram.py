"""The histogram core (p95kit.query.histogram) against hand-made histograms: the share of
requests under a threshold as the linear estimator reads a Histogram (``histogram_fraction``'s),
the top bucket a percentile falls in, and a bucket answer parsed into Histograms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from p95kit.query import linear
from p95kit.query.buckets import histograms_of, parse_buckets
from p95kit.query.histogram import Histogram

BOUNDS = np.array([0.05, 0.1, 0.25, 0.5, math.inf])
CUMULATIVE = np.array([10.0, 40.0, 90.0, 100.0, 100.0])  # 10/30/50/10, none above 0.5


def share_at_or_below(bounds: np.ndarray, cumulative: np.ndarray, threshold: float) -> float:
    """The linear share (``histogram_fraction``'s) of one histogram, bounds in their own unit."""
    return float(linear.shares(Histogram.of(bounds, cumulative), threshold)[0])


def top_bucket_bound(bounds: np.ndarray, cumulative: np.ndarray, q: float) -> float:
    return float(Histogram.of(bounds, cumulative).top_bound(q)[0])


@pytest.mark.parametrize(
    ("threshold", "share"),
    [(0.05, 0.10), (0.1, 0.40), (0.175, 0.65), (0.025, 0.05), (0.5, 1.0), (7.0, 1.0)],
)
def test_share_interpolates_inside_a_bucket(threshold, share):
    assert share_at_or_below(BOUNDS, CUMULATIVE, threshold) == pytest.approx(share)


def test_share_above_the_top_bound_counts_only_finite_buckets():
    cumulative = np.array([10.0, 40.0, 90.0, 95.0, 100.0])
    assert share_at_or_below(BOUNDS, cumulative, 60.0) == pytest.approx(0.95)


def test_no_traffic_and_broken_histograms_are_nan():
    assert math.isnan(share_at_or_below(BOUNDS, np.zeros(5), 0.1))
    assert math.isnan(share_at_or_below(np.array([0.1, 0.5]), np.array([1.0, 2.0]), 0.1))
    assert math.isnan(top_bucket_bound(BOUNDS, np.zeros(5), 0.95))


def test_top_bucket_bound_only_when_the_rank_is_in_inf():
    assert math.isnan(top_bucket_bound(BOUNDS, CUMULATIVE, 0.95))
    slow = np.array([0.0, 0.0, 2.0, 5.0, 100.0])
    assert top_bucket_bound(BOUNDS, slow, 0.95) == 0.5
    assert top_bucket_bound(BOUNDS, slow, 0.04) != top_bucket_bound(BOUNDS, slow, 0.04)  # NaN


def test_per_model_sorts_bounds_numerically():
    result = [
        {"metric": {"model": "a", "le": le}, "value": [0, count]}
        for le, count in (("+Inf", "5"), ("10.0", "4"), ("2.5", "1"))
    ]
    hist = histograms_of(parse_buckets(result, "model", 1.0))["a"]
    bounds, counts = hist.bounds, hist.cumulative[0]
    assert bounds.tolist() == [2.5, 10.0, math.inf]
    assert counts.tolist() == [1.0, 4.0, 5.0]
