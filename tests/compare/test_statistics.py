"""The tests behind ``p95kit.compare`` against textbook formulas on the expanded requests,
the decision rule's corners, and the parameters it refuses before anything is sent.

The references here rank every request one by one (mid-ranks for ties), as the papers and
scipy do; p95kit computes the same from the bucket counts alone.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import p95kit
from p95kit.compare import parameters, reasons
from p95kit.compare.pairs import compare_frame, on_shared_bounds
from p95kit.compare.power import MARGIN, power_at, requests_needed
from p95kit.compare.statistics import (
    brunner_munzel,
    mann_whitney_z,
    newcombe_interval,
    normal_sf,
    tail_test,
)
from p95kit.compare.verdicts import Rules, decide, worst
from p95kit.errors import InvalidParameterError
from p95kit.query.histogram import Histogram

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


def test_sample_size_is_fleiss_with_a_margin_and_gives_back_the_power():
    # statsmodels' samplesize_proportions_2indep_onetail(0.02, 0.05, 0.8, alpha=0.025)
    p0, p1 = np.array([0.05]), np.array([0.07])
    needed, _ = requests_needed(p0, p1, 0.025, 0.8)
    assert needed[0] == pytest.approx(2212.2 * MARGIN, abs=0.5 * MARGIN)
    for ratio in (1.0, 0.1):
        nx, ny = requests_needed(p0, p1, 0.0125, 0.8, ratio)
        assert ny[0] == pytest.approx(ratio * nx[0])
        assert power_at(p0, p1, nx, ny, 0.0125)[0] == pytest.approx(0.8, abs=1e-9)
    assert requests_needed(np.array([0.05]), np.array([0.05]), 0.0125, 0.8)[0][0] == math.inf


def test_requests_needed_read_rounded_up():
    assert reasons.needed(5321.2) == "5,400"
    assert reasons.needed(87.1) == "88"
    assert reasons.needed(3_141_592) == "3,200,000"


def one(counts) -> Histogram:
    return Histogram.of(BOUNDS, np.cumsum(np.atleast_2d(counts), axis=1), scale=1000.0)


def test_a_p95_above_the_top_bound_is_too_coarse_to_tell():
    decision = decide(one([0, 0, 0, 0, 50, 40, 910]), one([0, 0, 0, 0, 10, 30, 960]))
    assert decision.verdict == ["inconclusive"]
    assert decision.reason[0].startswith("buckets too coarse: P95 is above the top bucket bound")


def test_every_request_in_one_bucket_is_too_coarse_to_tell():
    decision = decide(one([0, 0, 5000, 0, 0, 0, 0]), one([0, 0, 5000, 0, 0, 0, 0]))
    assert (
        decision.verdict == ["inconclusive"]
        and "one bucket (100 ms to 250 ms)" in (decision.reason[0])
    )


def test_sides_with_different_bounds_are_compared_on_the_bounds_they_share():
    wide = Histogram.of(BOUNDS, np.cumsum([[10, 20, 30, 20, 10, 5, 5]], axis=1), scale=1000.0)
    finer_bounds = np.array([0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, math.inf])
    finer = Histogram.of(finer_bounds, np.cumsum([[10, 5, 15, 30, 20, 4, 6, 5, 5]], axis=1))
    a, b, note = on_shared_bounds(wide, finer)
    assert list(a.bounds) == list(b.bounds) == list(BOUNDS)
    assert list(b.counts[0]) == [10, 20, 30, 20, 10, 5, 5] and "bounds differ" in note


def test_every_model_is_a_row_whatever_its_traffic():
    frame = compare_frame(
        ["both", "only-baseline", "nowhere"],
        {"both": one([10, 20, 30, 20, 10, 5, 5]), "only-baseline": one([1, 1, 1, 1, 1, 1, 0])},
        {"both": one([10, 20, 30, 20, 10, 5, 5])},
        Rules(),
    )
    assert list(frame["model"]) == ["both", "nowhere", "only-baseline"]
    assert set(frame["verdict"]) == {"inconclusive"}
    row = frame.set_index("model").loc["only-baseline"]
    assert row["requests_candidate"] == 0 and math.isnan(row["p95_candidate"])
    assert "no candidate requests" in row["reason"]
    assert (
        frame.set_index("model").loc["nowhere", "reason"].endswith("on either side in the window")
    )


def test_the_worst_verdict_leads():
    assert worst(["faster", "no_change", "slower", "inconclusive"]) == "slower"
    assert worst(["faster", "no_change"]) == "no_change"
    assert worst(["faster", "inconclusive"]) == "inconclusive"
    assert worst([]) == "inconclusive"


@pytest.mark.parametrize(
    ("keywords", "parameter"),
    [
        ({"baseline": 'version="v1"'}, "candidate"),
        ({"baseline": 'version="v1"', "candidate": ' version="v1" '}, "candidate"),
        ({"baseline": 'version="v1', "candidate": 'version="v2"'}, "baseline"),
        ({"candidate": 'version="v2"', "baseline_at": "30m"}, "baseline_at"),
        ({"candidate": 'version="v2"', "baseline_at": "next week"}, "baseline_at"),
        ({"baseline": "a='1'", "candidate": "a='2'", "max_slowdown_pct": 0}, "max_slowdown_pct"),
        ({"baseline": "a='1'", "candidate": "a='2'", "confidence": 100}, "confidence"),
        ({"baseline": "a='1'", "candidate": "a='2'", "confidence": 0.95}, "confidence"),
        ({"baseline": "a='1'", "candidate": "a='2'", "alternative": "less"}, "alternative"),
        ({"baseline": "a='1'", "candidate": "a='2'", "looks": 0}, "looks"),
        ({"baseline": "a='1'", "candidate": "a='2'", "scrape_interval": "1h"}, "scrape_interval"),
        ({"baseline": "a='1'", "candidate": "a='2'", "histogram": "native"}, "histogram"),
    ],
)
def test_invalid_parameters_are_refused_before_anything_is_sent(keywords, parameter):
    with pytest.raises(InvalidParameterError) as raised:
        p95kit.compare(prometheus_url="http://127.0.0.1:9", at=1795219200, **keywords)
    assert raised.value.parameter == parameter


def test_baseline_at_is_a_time_or_a_duration_before_at():
    at = 1795219200
    by_duration = parameters.plan(
        "m", None, 'version="v2"', "1h", "model", at, baseline_at="1d"
    ).baseline
    assert by_duration.when == at - 86400 and by_duration.selector == 'version="v2"'
    by_time = parameters.plan("m", None, None, "1h", "model", at, baseline_at=at - 7200)
    assert by_time.baseline.when == at - 7200 and by_time.candidate.target.selector == ""


def test_each_side_is_the_shared_selector_and_its_own():
    plan = parameters.plan(
        "m", 'version="v1"', 'version="v2"', "1h", "model", 1795219200, selector='env="prod"'
    )
    assert plan.baseline.target.selector == 'env="prod", version="v1"'
    assert plan.candidate.target.selector == 'env="prod", version="v2"'
    assert plan.rules.alpha_per_direction == pytest.approx(0.025)


def test_compare_keeps_the_contracts_signature():
    """CONTRACT section 12: these parameters, in this order, before the keyword-only ones."""
    parameters = list(inspect.signature(p95kit.compare).parameters.values())
    before = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert before == [
        "metric_name",
        "baseline",
        "candidate",
        "time_range",
        "model_label",
        "prometheus_url",
        "at",
        "client",
    ]
    defaults = {p.name: p.default for p in parameters}
    assert defaults["time_range"] == "1h" and defaults["model_label"] == "model"
    assert defaults["baseline_at"] is None and defaults["max_slowdown_pct"] == 10.0
    assert {p.name for p in parameters if p.kind is p.KEYWORD_ONLY} >= {"baseline_at"}
