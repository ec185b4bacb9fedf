"""The tests behind ``p95kit.compare`` (p95kit.compare.statistics) against textbook formulas
on the expanded requests: Brunner-Munzel, Mann-Whitney, the tail test and Newcombe's interval.

The references here rank every request one by one (mid-ranks for ties), as the papers and
scipy do; p95kit computes the same from the bucket counts alone.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from p95kit.compare.statistics import (
    brunner_munzel,
    mann_whitney_z,
    newcombe_interval,
    normal_sf,
    tail_test,
)

BOUNDS = np.array([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, math.inf])


def mid_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing their mean rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def brunner_munzel_from_requests(x: np.ndarray, y: np.ndarray) -> float:
    """Brunner & Munzel (2000) / Neubert & Brunner (2007) W from the requests themselves."""
    nx, ny = len(x), len(y)
    pooled = mid_ranks(np.concatenate([x, y]))
    rx, ry = pooled[:nx], pooled[nx:]
    wx, wy = mid_ranks(x), mid_ranks(y)
    sx = np.sum((rx - wx - rx.mean() + (nx + 1) / 2) ** 2) / (nx - 1)
    sy = np.sum((ry - wy - ry.mean() + (ny + 1) / 2) ** 2) / (ny - 1)
    return nx * ny * (ry.mean() - rx.mean()) / ((nx + ny) * math.sqrt(nx * sx + ny * sy))


def mann_whitney_from_requests(x: np.ndarray, y: np.ndarray) -> float:
    nx, ny, n = len(x), len(y), len(x) + len(y)
    u = np.sum(y[:, None] > x[None, :]) + 0.5 * np.sum(y[:, None] == x[None, :])
    _, ties = np.unique(np.concatenate([x, y]), return_counts=True)
    variance = nx * ny / 12 * ((n + 1) - np.sum(ties**3 - ties) / (n * (n - 1)))
    return (u - nx * ny / 2) / math.sqrt(variance)


def requests_of(counts: np.ndarray) -> np.ndarray:
    """One value per request: its bucket's index (all of a bucket's requests are ties)."""
    return np.repeat(np.arange(len(counts)), counts.astype(int)).astype(float)


@pytest.mark.parametrize("seed", range(6))
def test_brunner_munzel_and_mann_whitney_equal_the_textbook_on_the_requests(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 40, size=(1, len(BOUNDS))).astype(float)
    y = rng.integers(0, 40, size=(1, len(BOUNDS))).astype(float)
    shift = brunner_munzel(x, y)
    expected = brunner_munzel_from_requests(requests_of(x[0]), requests_of(y[0]))
    assert shift.z[0] == pytest.approx(expected, rel=1e-10)
    assert mann_whitney_z(x, y)[0] == pytest.approx(
        mann_whitney_from_requests(requests_of(x[0]), requests_of(y[0])), rel=1e-10
    )
    assert shift.p_slower[0] == pytest.approx(0.5 * math.erfc(expected / math.sqrt(2)))
    theta = np.mean(requests_of(y[0])[:, None] > requests_of(x[0])[None, :]) + 0.5 * np.mean(
        requests_of(y[0])[:, None] == requests_of(x[0])[None, :]
    )
    assert shift.theta[0] == pytest.approx(theta)


def test_fractional_counts_are_weights_not_rounded():
    x = np.array([[10.0, 30.0, 40.0, 15.0, 4.0, 1.0, 0.0]])
    y = x * 1.0379  # increase() extrapolated by a non-integer factor
    shift, tail = brunner_munzel(x, y), tail_test(x, y)
    assert shift.theta[0] == pytest.approx(0.5) and shift.z[0] == pytest.approx(0.0, abs=1e-9)
    assert tail.share_baseline[0] == pytest.approx(tail.share_candidate[0])
    weighted = brunner_munzel(x, np.array([[10.4, 30.2, 41.1, 15.6, 5.3, 1.2, 0.0]]))
    assert np.isfinite(weighted.z[0]) and weighted.z[0] > 0


def test_when_every_request_is_apart_the_mann_whitney_z_stands_in():
    x = np.array([[50.0, 0, 0, 0, 0, 0, 0]])
    y = np.array([[0, 0, 0, 50.0, 0, 0, 0]])
    shift = brunner_munzel(x, y)  # placements have no variance: Brunner-Munzel is undefined
    assert shift.theta[0] == 1.0 and shift.z[0] == pytest.approx(mann_whitney_z(x, y)[0])
    assert shift.p_slower[0] < 1e-10


def test_the_tail_bound_comes_from_both_sides_and_the_z_is_the_pooled_score():
    x = np.array([[100.0, 300, 400, 130, 50, 20, 0]])  # baseline: 7 % above 0.5 s
    y = np.array([[100.0, 250, 400, 150, 70, 30, 0]])
    tail = tail_test(x, y)
    pooled = (x + y)[0]
    above = 1 - np.cumsum(pooled)[:-1] / pooled.sum()
    assert tail.bound[0] == int(np.argmin(np.abs(above - 0.05)))
    k = tail.bound[0]
    sx, sy = x[0, k + 1 :].sum() / x.sum(), y[0, k + 1 :].sum() / y.sum()
    p = (x[0, k + 1 :].sum() + y[0, k + 1 :].sum()) / (x.sum() + y.sum())
    z = (sy - sx) / math.sqrt(p * (1 - p) * (1 / x.sum() + 1 / y.sum()))
    assert tail.z[0] == pytest.approx(z) and tail.p_slower[0] == pytest.approx(normal_sf(z))


def test_the_interval_of_the_tail_difference_is_newcombes():
    # Newcombe (1998), Table II, example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339
    low, high = newcombe_interval(
        np.array([48 / 80]), np.array([80.0]), np.array([56 / 70]), np.array([70.0]), 0.95
    )
    assert low[0] == pytest.approx(0.0524, abs=5e-5) and high[0] == pytest.approx(0.3339, abs=5e-5)
