"""The histogram core: classic bucket counts over a window, and what those counts prove.

Every number p95kit derives from buckets (window percentiles, the ``smooth`` estimate, the
bucket a percentile lies in, the share of requests under an SLO threshold, the all-models
row) starts from one :class:`Histogram`: the cumulative bucket counts of one or more rows
(models, or one model at several times) that share bucket bounds, with their ``_sum``. On it,
once each:

- :meth:`Histogram.locate`: the bucket of a rank, as Prometheus's ``histogram_quantile``
  searches it (the first whose cumulative count reaches ``q x total``; the last when none does);
- :meth:`Histogram.bucket_bounds`: that bucket's ``(lower, upper]`` in ms;
- :meth:`Histogram.proven_share`: the share of requests at or under any threshold that the
  counts *prove*: exact when the threshold is a bucket bound (matched as a number, so
  ``le="2"``, ``"2.0"`` and ``"2e+00"`` are one bound), otherwise the interval between the
  shares at the bounds on either side;
- :meth:`Histogram.top_bound`: the top finite bound when a quantile lies in the ``+Inf`` bucket.

Estimates *inside* a bucket (a quantile's value, the share under a threshold between bounds)
are the estimators' (:mod:`p95kit.query.estimators`): ``histogram_quantile``'s linear
arithmetic (:mod:`p95kit.query.linear`) or the ``smooth`` curve (:mod:`p95kit.query.smooth`).

Bounds and sums stay in the metric's unit (so the arithmetic is Prometheus's, float for
float); ``scale`` turns them into milliseconds at the edge. Pure numpy, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Two bounds within this relative distance are one bound (``0.3`` and ``300 ms / 1000``).
SAME_BOUND = 1e-9


@dataclass(frozen=True)
class Share:
    """The share of requests at or under a threshold, per row: ``estimate`` (an estimator's,
    always within the proven interval), ``low`` and ``high`` (what the counts prove: equal to
    ``estimate`` when the threshold is a bucket bound). NaN for a row without requests."""

    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class Histogram:
    """Cumulative bucket counts of ``R`` rows that share ``B`` bucket bounds.

    - ``bounds``: upper bounds in the metric's unit, increasing and distinct (spellings of
      one bound already summed), shape ``(B,)``; a classic histogram ends with ``inf``.
    - ``lowers``: each bucket's lower bound (shape ``(B,)``): the previous upper bound, and
      ``min(0, first bound)`` for the first, unless given (native buckets may have gaps).
    - ``cumulative``: counts at or under each bound, shape ``(R, B)``, non-decreasing along a
      row (:meth:`of` makes them so, as ``histogram_quantile`` does); the last is the total.
    - ``sums``: each row's ``_sum`` in the metric's unit (NaN when unknown), shape ``(R,)``.
    - ``scale``: factor from the metric's unit to milliseconds.
    - ``native``: buckets of a native histogram (no ``+Inf`` bucket is needed).
    """

    bounds: np.ndarray
    lowers: np.ndarray
    cumulative: np.ndarray
    sums: np.ndarray
    scale: float = 1.0
    native: bool = False

    @classmethod
    def of(
        cls,
        bounds: np.ndarray,
        cumulative: np.ndarray,
        sums: np.ndarray | None = None,
        *,
        scale: float = 1.0,
        lowers: np.ndarray | None = None,
        native: bool = False,
    ) -> Histogram:
        """A histogram from upper ``bounds`` and ``cumulative`` counts (one row, shape ``(B,)``,
        or several, ``(R, B)``); NaN counts are 0, and a count below an earlier one is raised
        to it."""
        bounds = np.asarray(bounds, dtype=np.float64)
        counts = np.atleast_2d(np.nan_to_num(np.asarray(cumulative, dtype=np.float64), nan=0.0))
        if counts.shape[1] != len(bounds):
            raise ValueError(f"{counts.shape[1]} counts per row for {len(bounds)} bounds")
        counts = np.fmax.accumulate(counts, axis=1) if counts.size else counts
        if lowers is None:
            lowers = np.concatenate([[min(0.0, bounds[0])], bounds[:-1]]) if len(bounds) else bounds
        rows = len(counts)
        sums = np.full(rows, np.nan) if sums is None else np.broadcast_to(sums, (rows,))
        sums = np.asarray(sums, np.float64)
        return cls(bounds, np.asarray(lowers, np.float64), counts, sums, float(scale), native)

    @property
    def rows(self) -> int:
        return len(self.cumulative)

    @property
    def requests(self) -> np.ndarray:
        """Requests per row: the last cumulative count (the ``+Inf`` bucket's, the ``_count``)."""
        if not len(self.bounds):
            return np.full(self.rows, np.nan)
        return self.cumulative[:, -1].copy()

    @property
    def counts(self) -> np.ndarray:
        """Requests per bucket, shape ``(R, B)``."""
        return np.diff(self.cumulative, axis=1, prepend=0.0)

    @property
    def valid(self) -> bool:
        """Whether quantiles can be read: two buckets or more and, for a classic histogram, an
        ``+Inf`` bucket (else ``histogram_quantile`` answers NaN)."""
        if self.native:
            return len(self.bounds) >= 1
        return len(self.bounds) >= 2 and bool(np.isposinf(self.bounds[-1]))

    def row(self, index: int | np.ndarray) -> Histogram:
        """The histogram of some rows (an index, or an array of them)."""
        picked = np.atleast_1d(index)
        counts, sums = self.cumulative[picked], self.sums[picked]
        return Histogram(self.bounds, self.lowers, counts, sums, self.scale, self.native)

    def merged(self) -> Histogram:
        """All rows added into one (the all-models histogram); ``_sum`` NaN unless all rows
        have one."""
        counts = self.cumulative.sum(axis=0, keepdims=True)
        sums = np.array([self.sums.sum()])
        return Histogram(self.bounds, self.lowers, counts, sums, self.scale, self.native)

    # -- where a rank lies ----------------------------------------------------------------

    def ranks(self, q: float | np.ndarray) -> np.ndarray:
        """``q x total`` per row (``q``: one quantile, or one per row)."""
        return np.asarray(q, dtype=np.float64) * self.cumulative[:, -1]

    def locate(self, q: float | np.ndarray) -> np.ndarray:
        """Index of the bucket quantile ``q`` lies in, per row, as ``histogram_quantile``
        searches: the first bucket whose cumulative count reaches ``q x total``, the last
        when none of the others does."""
        rank = np.broadcast_to(self.ranks(q), (self.rows,))
        top = len(self.bounds) - 1
        return np.minimum((self.cumulative[:, :-1] < rank[:, None]).sum(axis=1), top)

    def bucket_bounds(self, q: float) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` in ms of the bucket quantile ``q`` lies in, per row (``upper``
        inf for the ``+Inf`` bucket; both NaN for a row without requests)."""
        bucket = self.locate(q)
        empty = ~(self.cumulative[:, -1] > 0)
        lower = np.where(empty, np.nan, self.lowers[bucket] * self.scale)
        upper = np.where(empty, np.nan, self.bounds[bucket] * self.scale)
        return lower, upper

    def top_bound(self, q: float) -> np.ndarray:
        """The top finite bound in ms for rows whose quantile ``q`` lies in the ``+Inf``
        bucket (the percentile is only "at least that"), else NaN."""
        out = np.full(self.rows, np.nan)
        if not self.valid or self.native:
            return out
        inside = (self.locate(q) == len(self.bounds) - 1) & (self.cumulative[:, -1] > 0)
        out[inside] = self.bounds[-2] * self.scale
        return out

    # -- what the counts prove about a threshold ------------------------------------------

    def proven_share(self, threshold_ms: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(low, high, bucket)`` per row for a threshold in ms: the shares of requests at or
        under the bounds on either side of it (equal when it is a bound), and the index of the
        bucket it falls in (``-1`` when it is a bound). NaN shares without requests, and for a
        classic histogram without an ``+Inf`` bucket."""
        if not self.valid:  # no +Inf bucket: the total is not known
            nothing = np.full(self.rows, np.nan)
            return nothing, nothing, np.full(self.rows, -1)
        threshold = threshold_ms / self.scale
        total = self.cumulative[:, -1]
        match = np.flatnonzero(np.isclose(self.bounds, threshold, rtol=SAME_BOUND, atol=0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            if len(match):
                exact = self.cumulative[:, match[0]] / total
                low = high = np.where(total > 0, exact, np.nan)
                return low, high, np.full(self.rows, -1)
            bucket = int(np.searchsorted(self.bounds, threshold, side="left"))
            below = self.cumulative[:, bucket - 1] if bucket else np.zeros(self.rows)
            above = self.cumulative[:, bucket] if bucket < len(self.bounds) else total
            low = np.where(total > 0, below / total, np.nan)
            high = np.where(total > 0, above / total, np.nan)
        return low, high, np.full(self.rows, bucket)

    def is_bound(self, threshold_ms: float) -> bool:
        """Whether ``threshold_ms`` is one of the bucket bounds (as a number)."""
        threshold = threshold_ms / self.scale
        return bool(np.isclose(self.bounds, threshold, rtol=SAME_BOUND, atol=0.0).any())

    def nearest_bounds(self, threshold_ms: float) -> tuple[float, float]:
        """The finite bounds in ms just under and just over ``threshold_ms`` (NaN where none)."""
        finite = self.bounds[np.isfinite(self.bounds)] * self.scale
        under, over = finite[finite < threshold_ms], finite[finite > threshold_ms]
        return (float(under[-1]) if len(under) else np.nan, float(over[0]) if len(over) else np.nan)
