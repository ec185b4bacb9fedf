"""Percentiles p95kit computes itself, from bucket counts, for estimators PromQL cannot ask.

``histogram_quantile`` is the ``prometheus`` estimator, asked as PromQL. Any other estimator
(:mod:`p95kit.query.estimators`) asks for the bucket counts instead, in one query with the
window's ``_sum`` (for percentiles in the ``+Inf`` bucket)::

    sum by (le, <model>) (rate({__name__=~"<metric>_bucket|<metric>_sum"}[W]))

(``rate`` drops the name, so the ``_sum`` comes back as the series without ``le``) and
computes the percentiles in numpy, all models (or all points of a range) at once.

Estimators read classic histograms. A native histogram's exponential buckets are narrow
(ratio ``2**2**-schema``, 1.09 at the default schema 3), so linear interpolation inside them
is already within a few percent, and Prometheus 3 interpolates them exponentially itself:
for native histograms and summaries (with ``histogram="auto"``: as soon as one model has
only a native histogram), the answer is Prometheus's, with a warning (:func:`fallback_note`),
and the frame's ``attrs["estimator"]`` says ``prometheus``. A model exported both ways is
answered from its classic buckets. The functions here return ``None`` for "answer as
Prometheus does"; :mod:`p95kit.query.fetch` builds the public frames for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.range_answers import from_lists
from p95kit.query import estimators, frames, window_histograms
from p95kit.query.histogram import Histogram
from p95kit.query.target import Target


def fallback_note(target: Target, estimator: str) -> str:
    """The warning for an answer that ``estimator`` left to Prometheus."""
    kind = "a summary" if target.histogram == "summary" else "native histograms"
    return (
        f"estimator={estimator!r} needs classic histogram buckets; {target.metric_name} has "
        f"{kind}, so these are Prometheus's own numbers (estimator='prometheus')"
    )


@dataclass
class Answer:
    """Estimated percentiles: ``models`` (sorted), ``values`` in ms (instant: shape
    ``(models, percentiles)``; range: one value per ``(model, stamp)`` row), the query."""

    models: list[str]
    values: np.ndarray
    query: str
    stamps: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)

    def instant_frame(self, columns: list[str], when: float) -> pd.DataFrame:
        """``model`` (str), one float64 column per quantile, ``timestamp`` (UTC ``when``)."""
        frame = pd.DataFrame({"model": pd.Series(self.models, dtype="str")})
        for position, column in enumerate(columns):
            frame[column] = self.values[:, position]
        frame["timestamp"] = frames.to_timestamps(np.full(len(frame), when))
        return frame

    def range_frame(self, column: str) -> pd.DataFrame:
        """``model`` (str), ``timestamp`` (UTC), ``column`` (float64); by model, then time."""
        frame = pd.DataFrame({"model": pd.Series(self.models, dtype="str")})
        frame["timestamp"] = frames.to_timestamps(self.stamps)
        frame[column] = self.values
        return frame


def instant(
    prom: Prometheus,
    target: Target,
    qs: tuple[float, ...],
    window: str,
    when: float,
    func: str,
    estimator: str,
) -> Answer | None:
    """Quantiles ``qs`` per model over ``window`` before ``when``; None: ask Prometheus."""
    hist = window_histograms.fetch(prom, target, window, when, func)
    if hist is None:
        return None
    values = hist.quantiles(qs, estimator)
    return Answer(hist.models, values, hist.query, None, hist.warnings, hist.infos)


def over_range(
    prom: Prometheus,
    target: Target,
    q: float,
    window: str,
    span: tuple[float, float, float],
    estimator: str,
    progress: bool | None = False,
) -> Answer | None:
    """Quantile ``q`` per model at ``start, start + step, ..., stop`` (``span``), each over
    the ``window`` before it (from ``rate``); None: ask Prometheus. ``progress``: as for
    :meth:`~p95kit.prometheus.client.Prometheus.query_range`."""
    if target.histogram in ("native", "summary"):
        return None
    start, stop, step = span
    text = window_histograms.query(target, window, "rate")
    result = prom.query_range(text, start, stop, step, progress=progress)
    layout = window_histograms.Layout.of(result.result, target.model_label, "histograms")
    if layout is None:
        return None
    columns = result.columns or from_lists(result.result)
    offsets = np.concatenate([[0], np.cumsum(columns.lengths)])
    points = round((stop - start) / step) + 1

    def grid(indexes: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The series' values summed on the time grid, and where any of them has a point."""
        total, seen = np.zeros(points), np.zeros(points, dtype=bool)
        for index in indexes:
            lo, hi = offsets[index], offsets[index + 1]
            at = np.rint((columns.stamps[lo:hi] - start) / step).astype(np.int64)
            np.add.at(total, at, np.nan_to_num(columns.values[lo:hi]))
            seen[at] = True
        return total, seen

    implementation = estimators.get(estimator).implementation()
    models, stamps, values = [], [], []
    for model in sorted(layout.buckets):
        by_bound = layout.buckets[model]
        bounds = sorted(by_bound)
        grids = [grid(by_bound[bound]) for bound in bounds]
        seen = np.logical_or.reduce([g[1] for g in grids])
        cumulative = np.stack([g[0] for g in grids], axis=1)[seen]
        sums, has_sum = grid(layout.sums.get(model, []))
        sums = np.where(has_sum, sums, np.nan)[seen]
        hist = Histogram.of(np.array(bounds), cumulative, sums, scale=target.scale)
        estimates = implementation.quantiles(hist, (q,))[:, 0]
        models += [model] * len(estimates)
        stamps.append(start + step * np.flatnonzero(seen))
        values.append(estimates)
    answer = Answer(models, _concat(values), text, _concat(stamps))
    answer.warnings, answer.infos = list(result.warnings), list(result.infos)
    return answer


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)
