"""Each model's two sides as one comparison (p95kit.compare.pairs): sides with different
bounds compared on the bounds they share, and every model a row whatever its traffic."""

from __future__ import annotations

import math

import numpy as np

from p95kit.compare.pairs import compare_frame, on_shared_bounds
from p95kit.compare.verdicts import Rules
from p95kit.query.histogram import Histogram

BOUNDS = np.array([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, math.inf])


def one(counts) -> Histogram:
    return Histogram.of(BOUNDS, np.cumsum(np.atleast_2d(counts), axis=1), scale=1000.0)


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
