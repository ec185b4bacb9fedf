"""How many requests it takes to see a P95 slowdown (p95kit.compare.power): the sample size
against the textbook, the power it gives back, and the requests needed as the reason reads them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from p95kit.compare import reasons
from p95kit.compare.power import MARGIN, power_at, requests_needed


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
