"""Statistical honesty, measured: A/A pairs through real bucket layouts raise at most the
nominal rate of false alarms, clear shifts are found, low traffic is inconclusive with the
requests it would need, and ``no_change`` is only said with the power to see the limit.

Seeded multinomial draws (benchmarks/compare_simulation.py), 1,000 pairs per cell, each
cell decided at once: seconds for the whole file. The power table of every layout, size and
shift is benchmarks/RESULTS.md's (``python -m benchmarks --only compare``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks import compare_simulation as sim
from p95kit.compare.verdicts import Rules

PAIRS = 1000
NOMINAL = 0.05  # 95 % confidence
LAYOUTS = list(sim.LAYOUTS)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(sim.SEED)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("requests", [1_000, 10_000])
def test_a_over_a_false_alarms_stay_under_the_nominal_rate(layout, requests, rng):
    cell = sim.run(layout, "scale", 0.0, requests, PAIRS, rng)
    alarms = cell.shares["slower"] + cell.shares["faster"]
    assert alarms <= NOMINAL, cell
    assert cell.shares["slower"] <= NOMINAL / 2 + 0.01, cell  # each direction has half


@pytest.mark.parametrize("layout", LAYOUTS)
def test_extrapolated_non_integer_counts_keep_the_level(layout, rng):
    cell = sim.run(layout, "scale", 0.0, 1_000, PAIRS, rng, extrapolated=True)
    assert cell.shares["slower"] + cell.shares["faster"] <= NOMINAL, cell


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_over_a_with_enough_requests_is_no_change(layout, rng):
    cell = sim.run(layout, "scale", 0.0, 100_000, PAIRS, rng)
    assert cell.shares["no_change"] >= 0.95, cell


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    ("kind", "slowdown", "requests"),
    [("scale", 0.5, 1_000), ("scale", 0.2, 10_000), ("tail", 0.5, 10_000)],
)
def test_clear_slowdowns_are_found(layout, kind, slowdown, requests, rng):
    cell = sim.run(layout, kind, slowdown, requests, PAIRS, rng)
    assert cell.shares["slower"] >= 0.95, cell


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_clear_speed_up_is_faster_and_never_with_the_one_sided_rule(layout, rng):
    cell = sim.run(layout, "scale", -0.3, 10_000, PAIRS, rng)
    assert cell.shares["faster"] >= 0.95, cell
    one_sided = sim.run(layout, "scale", -0.3, 10_000, PAIRS, rng, Rules(alternative="slower"))
    assert one_sided.shares["faster"] == 0.0 and one_sided.shares["no_change"] >= 0.95


@pytest.mark.parametrize("layout", LAYOUTS)
def test_low_traffic_is_inconclusive_with_the_requests_it_needs(layout, rng):
    cell = sim.run(layout, "scale", 0.0, 200, PAIRS, rng)
    assert cell.shares["no_change"] == 0.0 and cell.shares["inconclusive"] >= 0.95, cell
    # about 5,000-8,000 per side for a +10 % P95 slowdown on these layouts (read off
    # 400 requests' buckets, so roughly)
    assert 2_000 < cell.needed_median < 20_000, cell


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("requests", [1_000, 10_000])
def test_no_change_only_with_the_power_it_claims(layout, requests, rng):
    """no_change is said only at >= 80 % power for the limit, and a slowdown twice the limit
    is almost never called no_change (at most the 20 % the power leaves)."""
    for slowdown in (0.0, 0.2):
        cell = sim.run(layout, "scale", slowdown, requests, PAIRS, rng)
        assert not cell.min_no_change_power < 0.8, cell
        if slowdown:
            assert cell.shares["no_change"] <= 0.2, cell


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", ["scale", "tail"])
def test_the_requests_said_to_be_needed_give_the_power_claimed(layout, kind, rng):
    """With as many requests as an inconclusive answer says are needed, a +10 % slowdown
    (the whole distribution, or its tail only) is shown by the counts in >= 80 % of pairs."""
    needed = sim.claimed_requests(layout)
    assert 3_000 < needed < 15_000
    assert sim.detection(layout, kind, 0.10, math.ceil(needed), PAIRS, rng) >= 0.8
