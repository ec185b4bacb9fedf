"""The decision rule (p95kit.compare.verdicts) at its corners: buckets too coarse to tell,
and the worst verdict leading."""

from __future__ import annotations

import math

import numpy as np

from p95kit.compare.verdicts import decide, worst
from p95kit.query.histogram import Histogram

BOUNDS = np.array([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, math.inf])


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


def test_the_worst_verdict_leads():
    assert worst(["faster", "no_change", "slower", "inconclusive"]) == "slower"
    assert worst(["faster", "no_change"]) == "no_change"
    assert worst(["faster", "inconclusive"]) == "inconclusive"
    assert worst([]) == "inconclusive"
