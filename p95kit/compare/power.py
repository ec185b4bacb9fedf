"""How many requests it takes to see a P95 slowdown: power and sample size of the tail test.

"No change" must mean "a slowdown of ``max_slowdown_pct`` at P95 would have been seen". The
tail test (:func:`p95kit.compare.statistics.tail_test`) is the one that sees any P95 change,
including one of the tail alone, so its power decides (for a shift of the whole distribution
the shift test usually sees it sooner: the claim is conservative there).

1. **What a slowdown of m does at the tested bound b** (:func:`tail_shares`): a candidate
   ``1 + m`` times slower has as many requests above ``b`` as the baseline has above
   ``b / (1 + m)``. The share above ``b`` is exact (a bound); the share above ``b / (1 + m)``
   lies inside a bucket, where the accurate estimator's curve
   (:data:`p95kit.query.estimators.ACCURATE`: a monotone cubic on a log-latency axis) reads
   it. A linear or log-linear guess would put too many requests just under ``b`` and claim
   power that is not there (measured in docs/COMPARE.md: 16 % real power where 80 % was
   claimed).
2. **Power and sample size** of the one-sided two-proportion test at level ``alpha``
   (:func:`power_at`, :func:`requests_needed`): Fleiss, Tytun & Ury (1980), with unequal
   sides (a canary's share of the traffic) kept at their current ratio.
3. **A margin for the inside of the bucket** (:data:`MARGIN`): power is computed for a
   :data:`MARGIN` times smaller sample, and the requests needed are :data:`MARGIN` times
   larger. The cubic is closer to real latency than a linear guess but still puts a little
   too much mass just under the bound on some layouts: without the margin, the requests it
   asked for gave the tail test 65 % real power on prometheus_client's buckets and 76-82 %
   on vLLM's and TGI's where 80 % was claimed (lognormal latency, tail-only and whole
   shifts; tests/behaviour/test_compare_simulation.py holds the claim to the measurement).

Pure numpy on :class:`~p95kit.query.histogram.Histogram` rows, no I/O.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from p95kit.compare.statistics import normal_sf
from p95kit.query import estimators
from p95kit.query.histogram import Histogram

_NORMAL = NormalDist()
#: Power is claimed for a sample this many times smaller than the one at hand (see 3.).
MARGIN = 1.5


def tail_shares(
    pooled: Histogram, bound: np.ndarray, slowdown: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(p0, p1)`` per row: the share of requests above bound index ``bound`` now, and
    after a slowdown of ``slowdown`` (0.1 for 10 %), read off the accurate estimator's curve
    through ``pooled`` (both sides' counts; NaN where ``bound`` is -1)."""
    accurate = estimators.get(estimators.ACCURATE).implementation()
    p0, p1 = np.full(pooled.rows, np.nan), np.full(pooled.rows, np.nan)
    total = pooled.cumulative[:, -1]
    for index in np.unique(bound[bound >= 0]):
        rows = np.flatnonzero(bound == index)
        with np.errstate(divide="ignore", invalid="ignore"):
            p0[rows] = 1 - pooled.cumulative[rows, index] / total[rows]
        threshold_ms = pooled.bounds[index] * pooled.scale / (1 + slowdown)
        p1[rows] = 1 - accurate.shares(pooled.row(rows), threshold_ms)
    return p0, p1


def power_at(
    p0: np.ndarray, p1: np.ndarray, n_baseline: np.ndarray, n_candidate: np.ndarray, alpha: float
) -> np.ndarray:
    """The chance that the one-sided tail test at level ``alpha`` sees shares growing from
    ``p0`` to ``p1`` with these requests per side, less the :data:`MARGIN` (0 when
    ``p1 <= p0``)."""
    z_alpha = _NORMAL.inv_cdf(1 - alpha)
    n_baseline, n_candidate = n_baseline / MARGIN, n_candidate / MARGIN
    n = n_baseline + n_candidate
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (n_baseline * p0 + n_candidate * p1) / n
        null = np.sqrt(pooled * (1 - pooled) * (1 / n_baseline + 1 / n_candidate))
        spread = np.sqrt(p0 * (1 - p0) / n_baseline + p1 * (1 - p1) / n_candidate)
        z = (p1 - p0 - z_alpha * null) / spread
    power = 1 - normal_sf(z)
    return np.where(p1 > p0, np.nan_to_num(power, nan=0.0), 0.0)


def requests_needed(
    p0: np.ndarray, p1: np.ndarray, alpha: float, power: float, ratio: np.ndarray | float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """``(baseline, candidate)`` requests for the one-sided tail test at level ``alpha`` to
    see ``p0 -> p1`` with ``power`` (the :data:`MARGIN` included), the candidate having
    ``ratio`` times the baseline's requests (1: equal sides). Infinite where ``p1 <= p0``:
    no number of requests will do."""
    z_alpha, z_beta = _NORMAL.inv_cdf(1 - alpha), _NORMAL.inv_cdf(power)
    r = np.broadcast_to(np.asarray(ratio, dtype=np.float64), np.shape(p0))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (p0 + r * p1) / (1 + r)
        null = z_alpha * np.sqrt(pooled * (1 - pooled) * (1 + 1 / r))
        alternative = z_beta * np.sqrt(p0 * (1 - p0) + p1 * (1 - p1) / r)
        baseline = (null + alternative) ** 2 / (p1 - p0) ** 2
    baseline = np.where(p1 > p0, baseline * MARGIN, np.inf)
    return baseline, baseline * r
