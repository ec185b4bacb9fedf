"""Two-sample tests on bucket counts: each request one observation, a bucket's requests tied.

Both sides are per-bucket request counts on the same bounds, shape ``(R, K)`` (``R`` rows,
e.g. models; ``K`` buckets, the last ``+Inf``). Counts may be fractions: Prometheus's
``increase()`` extrapolates each series to the window's edges, so every formula here is a
weighted sum over buckets and never rounds. Two questions, one-sided in each direction:

- **Is the candidate shifted towards slower requests?** :func:`brunner_munzel`: the
  Brunner-Munzel test (Brunner & Munzel 2000, as corrected by Neubert & Brunner 2007), from
  the 2 x K table with mid-ranks, so the requests of a bucket are ties. Its effect
  ``theta = P(Y > X) + P(Y = X) / 2`` is the probability that a candidate request is slower
  than a baseline one. Unlike Mann-Whitney it does not assume both sides have the same shape,
  so it keeps its level when a canary gets a tenth of the traffic and a different spread
  (Fay & Proschan 2010; measured in docs/COMPARE.md). When its variance is 0 (every request
  in one bucket, or the sides fully apart) the tie-corrected Mann-Whitney ``z`` stands in.
- **Is the tail beyond P95 bigger?** :func:`tail_test`: the share of requests above one
  bucket bound, compared with the pooled two-proportion score ``z`` (equal to Pearson's
  chi-square on the 2 x 2 table, the percentile generalisation of the median test). The
  bound is the one whose pooled share above it is nearest 5 %: chosen from both sides
  together, it does not depend on which request came from which side, so the test keeps its
  level (choosing it from the baseline alone biases it towards "slower"). The difference of
  the shares gets Newcombe's (1998) hybrid score interval (:func:`newcombe_interval`).

The normal distribution comes from :func:`math.erfc` and :class:`statistics.NormalDist`
(no scipy): at the request counts where a P95 verdict is possible at all the normal and
Student approximations agree. Pure numpy, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_ERFC = np.frompyfunc(math.erfc, 1, 1)


def normal_sf(z: np.ndarray | float) -> np.ndarray:
    """``P(Z > z)`` for a standard normal ``Z``, element-wise (NaN stays NaN)."""
    values = np.asarray(z, dtype=np.float64)
    return np.asarray(0.5 * _ERFC(values / math.sqrt(2.0)), dtype=np.float64)


@dataclass(frozen=True)
class Shift:
    """The shift test per row: ``theta`` (P(candidate slower) + P(tie) / 2), ``z``
    (positive: the candidate is slower), ``p_slower`` and ``p_faster`` (one-sided)."""

    theta: np.ndarray
    z: np.ndarray
    p_slower: np.ndarray
    p_faster: np.ndarray


@dataclass(frozen=True)
class Tail:
    """The tail test per row: ``bound`` (index of the bound tested, -1 when no bound has
    requests on both sides of it), ``share_baseline``/``share_candidate`` (shares of each
    side's requests above it), ``pooled`` (the share over both sides), ``z`` (positive: the
    candidate's tail is bigger), ``p_slower``, ``p_faster``, and ``overflow`` (the pooled
    quantile lies in the ``+Inf`` bucket: above every bound)."""

    bound: np.ndarray
    share_baseline: np.ndarray
    share_candidate: np.ndarray
    pooled: np.ndarray
    z: np.ndarray
    p_slower: np.ndarray
    p_faster: np.ndarray
    overflow: np.ndarray


def brunner_munzel(baseline: np.ndarray, candidate: np.ndarray) -> Shift:
    """The Brunner-Munzel statistic from per-bucket counts ``(R, K)`` of each side.

    A request's *placement* is its position among the other side's requests, ties counted
    half: a baseline request in bucket k sits above ``Y<k + y_k / 2`` candidate requests.
    ``theta`` is the candidates' mean placement over ``n_baseline``; its variance comes from
    both sides' placement variances, so the two sides may differ in shape. Rows where a side
    has fewer than two requests answer NaN."""
    x, y = np.atleast_2d(baseline), np.atleast_2d(candidate)
    nx, ny = x.sum(axis=1), y.sum(axis=1)
    x_below, y_below = np.cumsum(x, axis=1) - x, np.cumsum(y, axis=1) - y
    place_x = y_below + y / 2  # each baseline request among the candidates
    place_y = x_below + x / 2  # each candidate request among the baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_x = (x * place_x).sum(axis=1) / nx
        mean_y = (y * place_y).sum(axis=1) / ny
        var_x = (x * (place_x - mean_x[:, None]) ** 2).sum(axis=1) / (nx - 1)
        var_y = (y * (place_y - mean_y[:, None]) ** 2).sum(axis=1) / (ny - 1)
        theta = mean_y / nx
        variance = var_x / (nx * ny**2) + var_y / (ny * nx**2)
        z = (theta - 0.5) / np.sqrt(variance)
    degenerate = ~(variance > 0)
    if degenerate.any():
        fallback = mann_whitney_z(x, y)
        z = np.where(degenerate, np.where(theta == 0.5, 0.0, fallback), z)
    z = np.where((nx > 1) & (ny > 1), z, np.nan)
    return Shift(theta, z, normal_sf(z), normal_sf(-z))


def mann_whitney_z(baseline: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """The tie-corrected Mann-Whitney ``z`` (no continuity correction: counts may be
    fractions) per row; positive when the candidate is slower. The tie groups are the
    buckets' pooled counts."""
    x, y = np.atleast_2d(baseline), np.atleast_2d(candidate)
    nx, ny = x.sum(axis=1), y.sum(axis=1)
    n = nx + ny
    u = (y * (np.cumsum(x, axis=1) - x + x / 2)).sum(axis=1)
    ties = x + y
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = nx * ny / 12 * ((n + 1) - (ties**3 - ties).sum(axis=1) / (n * (n - 1)))
        return (u - nx * ny / 2) / np.sqrt(variance)


def tail_test(baseline: np.ndarray, candidate: np.ndarray, q: float = 0.95) -> Tail:
    """The shares above the bound nearest the pooled ``q`` quantile, compared.

    Counts ``(R, K)``, the last bucket ``+Inf``. The bound is the finite one whose pooled
    share above it is nearest ``1 - q`` among those with requests on both sides of it
    (:func:`pooled_bound`); ``z`` is the pooled two-proportion score statistic."""
    x, y = np.atleast_2d(baseline), np.atleast_2d(candidate)
    bound, overflow = pooled_bound(x + y, q)
    rows = np.arange(len(x))
    at = np.maximum(bound, 0)
    nx, ny = x.sum(axis=1), y.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        over_x = nx - np.cumsum(x, axis=1)[rows, at]
        over_y = ny - np.cumsum(y, axis=1)[rows, at]
        share_x, share_y = over_x / nx, over_y / ny
        pooled = (over_x + over_y) / (nx + ny)
        spread = np.sqrt(pooled * (1 - pooled) * (1 / nx + 1 / ny))
        z = (share_y - share_x) / spread
    usable = bound >= 0
    nan = np.full(len(x), np.nan)
    share_x, share_y = np.where(usable, share_x, nan), np.where(usable, share_y, nan)
    pooled, z = np.where(usable, pooled, nan), np.where(usable & (spread > 0), z, nan)
    return Tail(bound, share_x, share_y, pooled, z, normal_sf(z), normal_sf(-z), overflow)


def newcombe_interval(
    share_baseline: np.ndarray,
    n_baseline: np.ndarray,
    share_candidate: np.ndarray,
    n_candidate: np.ndarray,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``confidence`` interval of ``share_candidate - share_baseline`` per row: Newcombe's
    hybrid score interval (Newcombe 1998, method 10), from each share's Wilson interval; it
    stays inside [-1, 1] and behaves near 0, where a tail share lives."""
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    low_x, high_x = _wilson(share_baseline, n_baseline, z)
    low_y, high_y = _wilson(share_candidate, n_candidate, z)
    difference = share_candidate - share_baseline
    low = difference - np.sqrt((share_candidate - low_y) ** 2 + (high_x - share_baseline) ** 2)
    high = difference + np.sqrt((high_y - share_candidate) ** 2 + (share_baseline - low_x) ** 2)
    return low, high


def _wilson(share: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 1 + z * z / n
        center = (share + z * z / (2 * n)) / scale
        half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / scale
    return center - half, center + half


def pooled_bound(pooled: np.ndarray, q: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """``(bound, overflow)`` per row of pooled counts ``(R, K)``: the index of the finite
    bound whose share of requests above it is nearest ``1 - q`` (only bounds with requests on
    both sides of them qualify; -1 when none does), and whether the pooled ``q`` quantile
    lies in the ``+Inf`` bucket (above every bound: nothing there can be compared)."""
    counts = np.atleast_2d(pooled)
    cumulative = np.cumsum(counts, axis=1)
    total = cumulative[:, -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        above = 1 - cumulative[:, :-1] / total  # finite bounds only
    distance = np.abs(above - (1 - q))
    distance[~((above > 1e-12) & (above < 1 - 1e-12))] = np.inf
    bound = np.where(np.isfinite(distance).any(axis=1), distance.argmin(axis=1), -1)
    overflow = (total[:, 0] > 0) & (cumulative[:, -2] < q * total[:, 0] * (1 - 1e-12))
    return bound, overflow
