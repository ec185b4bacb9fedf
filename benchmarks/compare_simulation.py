"""Simulated comparisons with known truth, through real bucket layouts.

A pair is two sides' bucket counts: each side's requests drawn at random (a multinomial over
the buckets, exactly what binning independent requests gives) from a lognormal latency whose
P95 lies mid-layout, or from that latency made slower. ``A/A`` pairs have no difference (every
``slower`` or ``faster`` is a false alarm); ``scale`` pairs are the whole distribution ``X``
slower (the P95 ``X`` slower); ``tail`` pairs keep the median and widen the tail until the P95
is ``X`` slower. Each cell runs many pairs at once through
:func:`p95kit.compare.verdicts.decide`. Seeded: the same numbers every run.

Shared by ``tests/behaviour/test_compare_simulation.py`` (A/A false alarms at most the nominal
level, clear shifts found, low traffic inconclusive) and ``benchmarks/bench_compare.py`` (the
power table of ``RESULTS.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from benchmarks import groundtruth as gt
from p95kit.compare.verdicts import VERDICTS, Rules, decide
from p95kit.query.histogram import Histogram

SEED = 20261207
#: Real layouts (seconds, ``+Inf`` implied): prometheus_client's defaults, vLLM's e2e, TGI's.
LAYOUTS = {name: gt.LAYOUTS[name] for name in ("prometheus_client", "vllm_e2e", "tgi")}
#: Lognormal latency per layout, ``(median s, sigma)``: P95 0.215 s, 19.0 s, 1.49 s.
SHAPES = {"prometheus_client": (0.08, 0.6), "vllm_e2e": (6.0, 0.7), "tgi": (0.4, 0.8)}
_Z95 = 1.6448536269514722


@dataclass(frozen=True)
class Cell:
    """One simulated setting: ``shares`` of each verdict over ``pairs`` pairs, the median
    ``requests needed`` (per side) of the inconclusive ones, and the smallest ``power`` of a
    ``no_change``."""

    layout: str
    kind: str
    slowdown: float
    requests: int
    pairs: int
    shares: dict[str, float]
    needed_median: float
    min_no_change_power: float


def probabilities(layout: str, kind: str = "scale", slowdown: float = 0.0) -> np.ndarray:
    """The share of requests per bucket (the last is ``+Inf``) of a side ``slowdown`` slower
    (``scale``: every request; ``tail``: the same median, a wider tail)."""
    median, sigma = SHAPES[layout]
    if kind == "tail":
        sigma += math.log(1 + slowdown) / _Z95
    else:
        median *= 1 + slowdown
    edges = [*LAYOUTS[layout], math.inf]
    cdf = [
        1.0 if b == math.inf else 0.5 * math.erfc(-math.log(b / median) / (sigma * 2**0.5))
        for b in edges
    ]
    return np.diff(cdf, prepend=0.0)


def draw(rng: np.random.Generator, shares: np.ndarray, requests: int, pairs: int) -> np.ndarray:
    """``pairs`` sides of ``requests`` requests each: counts per bucket, shape ``(pairs, K)``."""
    return rng.multinomial(requests, shares, size=pairs).astype(np.float64)


def run(
    layout: str,
    kind: str,
    slowdown: float,
    requests: int,
    pairs: int,
    rng: np.random.Generator,
    rules: Rules | None = None,
    extrapolated: bool = False,
) -> Cell:
    """One cell: ``pairs`` baseline/candidate pairs with ``requests`` per side.

    ``extrapolated``: scale each side's counts by a random factor in ``[1, 300/285]``, as
    ``increase()`` over a 5-minute window of 15-second scrapes does: counts stop being integers.
    """
    base = draw(rng, probabilities(layout), requests, pairs)
    cand = draw(rng, probabilities(layout, kind, slowdown), requests, pairs)
    if extrapolated:
        base *= rng.uniform(1, 300 / 285, size=(pairs, 1))
        cand *= rng.uniform(1, 300 / 285, size=(pairs, 1))
    bounds = np.array([*LAYOUTS[layout], math.inf])
    decision = decide(
        Histogram.of(bounds, np.cumsum(base, axis=1), scale=1000.0),
        Histogram.of(bounds, np.cumsum(cand, axis=1), scale=1000.0),
        rules or Rules(),
    )
    verdicts = np.array(decision.verdict)
    shares = {v: float(np.mean(verdicts == v)) for v in VERDICTS}
    inconclusive = verdicts == "inconclusive"
    needed = decision.needed_baseline[inconclusive]
    needed = needed[np.isfinite(needed)]
    unchanged = decision.power[verdicts == "no_change"]
    return Cell(
        layout,
        kind,
        slowdown,
        requests,
        pairs,
        shares,
        float(np.median(needed)) if len(needed) else math.nan,
        float(unchanged.min()) if len(unchanged) else math.nan,
    )


def claimed_requests(layout: str, rules: Rules | None = None) -> float:
    """The requests per side the rule says a ``max_slowdown`` slowdown needs for 80 % power,
    read off (nearly) unlimited equal sides of the layout's latency."""
    shares = probabilities(layout)[None, :] * 1e7
    bounds = np.array([*LAYOUTS[layout], math.inf])
    hist = Histogram.of(bounds, np.cumsum(shares, axis=1), scale=1000.0)
    decision = decide(hist, hist, rules or Rules())
    return float(decision.needed_baseline[0])


def detection(
    layout: str, kind: str, slowdown: float, requests: int, pairs: int, rng: np.random.Generator
) -> float:
    """The share of pairs whose bucket counts show the candidate different at the rule's
    level (``p_value`` at most ``1 - confidence``), whatever the P95 estimate says."""
    rules = Rules()
    base = draw(rng, probabilities(layout), requests, pairs)
    cand = draw(rng, probabilities(layout, kind, slowdown), requests, pairs)
    bounds = np.array([*LAYOUTS[layout], math.inf])
    decision = decide(
        Histogram.of(bounds, np.cumsum(base, axis=1), scale=1000.0),
        Histogram.of(bounds, np.cumsum(cand, axis=1), scale=1000.0),
        rules,
    )
    return float(np.mean(decision.p_value <= 1 - rules.confidence))
