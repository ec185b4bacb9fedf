"""Which number a percentile is: Prometheus's ``histogram_quantile`` or p95kit's ``smooth``.

``estimator="prometheus"`` (the default) asks Prometheus for ``histogram_quantile``, the
number Grafana and alert rules show. ``estimator="smooth"`` asks for the bucket counts
instead (one query of ``sum by (le, <model>) (rate|increase(<metric>_bucket[W]))``) and
computes the percentiles with :mod:`p95kit.query.smooth`; the window's ``_sum`` is asked
for only when a percentile lies in the ``+Inf`` bucket (a second, small query).

``smooth`` works on classic histograms. A native histogram's exponential buckets are
narrow (ratio ``2**2**-schema``, 1.09 at the default schema 3), so linear interpolation
inside them is already within a few percent, and Prometheus 3 interpolates them
exponentially itself: for native histograms and summaries (with ``histogram="auto"``:
as soon as one model answers with a native histogram), the whole answer is Prometheus's,
with a warning saying so, and the frame's ``attrs["estimator"]`` says ``prometheus``.

The functions here return ``None`` to mean "answer as Prometheus does"; they never
build the public frames themselves (:mod:`p95kit.query.latency` does, for both).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.range_answers import from_lists
from p95kit.query import frames, promql, smooth
from p95kit.query.target import Target

ESTIMATORS = ("prometheus", "smooth")


def estimator(value: object) -> str:
    """``prometheus`` or ``smooth``; anything else is an :class:`InvalidParameterError`."""
    if value not in ESTIMATORS:
        raise InvalidParameterError(
            "estimator",
            f"estimator must be 'prometheus' (histogram_quantile, as Grafana shows) or "
            f"'smooth' (p95kit's estimate from the same buckets), e.g. estimator='smooth'; "
            f"got {value!r}",
        )
    return value  # type: ignore[return-value]


def fallback_note(target: Target) -> str:
    """The warning for an answer that ``smooth`` left to Prometheus."""
    kind = "a summary" if target.histogram == "summary" else "native histograms"
    return (
        f"estimator='smooth' needs classic histogram buckets; {target.metric_name} has {kind}, "
        "so these are Prometheus's own numbers (estimator='prometheus')"
    )


@dataclass
class Answer:
    """``smooth`` percentiles: ``models`` (sorted), ``values`` in ms (instant: shape
    ``(models, percentiles)``; range: one value per ``(model, stamp)`` row), the queries."""

    models: list[str]
    values: np.ndarray
    query: str
    stamps: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)


def instant(
    prom: Prometheus, target: Target, qs: tuple[float, ...], window: str, when: float, func: str
) -> Answer | None:
    """Quantiles ``qs`` per model over ``window`` before ``when``; None: ask Prometheus."""
    from p95kit.query.buckets import parse_buckets, per_model  # buckets imports latency

    if target.histogram in ("native", "summary"):
        return None
    classic = replace(target, histogram="classic")
    query = promql.bucket_counts(target, window, func)
    result = prom.query(query, when)
    if _has_native(result.result):
        return None
    histograms = per_model(parse_buckets(result.result, target.model_label, target.scale))
    models = sorted(histograms)
    answer = Answer(models, np.full((len(models), len(qs)), np.nan), query)
    answer.warnings, answer.infos = list(result.warnings), list(result.infos)
    sums = {}
    if any(_overflows(cum[None, :], max(qs)).any() for _, cum in histograms.values()):
        sums = _instant_sums(prom, classic, window, when, func, answer)
    for row, model in enumerate(models):
        bounds, cumulative = histograms[model]
        total_sum = sums.get(model)
        for column, q in enumerate(qs):
            answer.values[row, column] = smooth.quantiles(bounds, cumulative, q, total_sum)
    return answer


def over_range(
    prom: Prometheus, target: Target, q: float, window: str, start: float, stop: float, step: float
) -> Answer | None:
    """Quantile ``q`` per model at ``start, start + step, ..., stop`` (each over the
    ``window`` before it, from ``rate``); None: ask Prometheus."""
    if target.histogram in ("native", "summary"):
        return None
    classic = replace(target, histogram="classic")
    query = promql.bucket_counts(target, window, "rate")
    result = prom.query_range(query, start, stop, step)
    if _has_native(result.result):
        return None
    points = round((stop - start) / step) + 1
    grids = _grids(result, target.model_label, start, step, points)
    sums = {}
    if any(_overflows(grid.cumulative(), q).any() for grid in grids.values()):
        sum_query = _sum_query(classic, window, "rate")
        sum_result = prom.query_range(sum_query, start, stop, step)
        query = f"{query}\n{sum_query}"
        sums = _sum_grids(sum_result, target.model_label, start, step, points)
    models, stamps, values = [], [], []
    for model in sorted(grids):
        grid = grids[model]
        bounds = np.array(grid.bounds) * target.scale
        total_sum = sums.get(model)
        if total_sum is not None:
            total_sum = total_sum[grid.seen] * target.scale
        estimates = smooth.quantiles(bounds, grid.cumulative()[grid.seen], q, total_sum)
        models += [model] * len(estimates)
        stamps.append(start + step * np.flatnonzero(grid.seen))
        values.append(estimates)
    answer = Answer(models, _concat(values), query, _concat(stamps))
    answer.warnings, answer.infos = list(result.warnings), list(result.infos)
    return answer


@dataclass
class _Grid:
    """One model's bucket rates on the range's time grid: ``counts[t, i]`` per ``bounds[i]``."""

    bounds: list[float]
    counts: np.ndarray
    seen: np.ndarray

    def cumulative(self) -> np.ndarray:
        return np.maximum.accumulate(self.counts, axis=1)


def _grids(result: Any, label: str, start: float, step: float, points: int) -> dict[str, _Grid]:
    columns = result.columns or from_lists(result.result)
    offsets = np.concatenate([[0], np.cumsum(columns.lengths)])
    series: dict[str, dict[float, list[int]]] = {}
    for index, item in enumerate(result.result):
        bound = float(item["metric"]["le"])
        model = item["metric"].get(label, "")
        series.setdefault(model, {}).setdefault(bound, []).append(index)
    grids = {}
    for model, by_bound in series.items():
        bounds = sorted(by_bound)
        counts = np.zeros((points, len(bounds)))
        seen = np.zeros(points, dtype=bool)
        for column, bound in enumerate(bounds):
            for index in by_bound[bound]:
                lo, hi = offsets[index], offsets[index + 1]
                at = np.rint((columns.stamps[lo:hi] - start) / step).astype(np.int64)
                np.add.at(counts[:, column], at, np.nan_to_num(columns.values[lo:hi]))
                seen[at] = True
        grids[model] = _Grid(bounds, counts, seen)
    return grids


def _sum_grids(
    result: Any, label: str, start: float, step: float, points: int
) -> dict[str, np.ndarray]:
    columns = result.columns or from_lists(result.result)
    offsets = np.concatenate([[0], np.cumsum(columns.lengths)])
    sums: dict[str, np.ndarray] = {}
    for index, item in enumerate(result.result):
        grid = sums.setdefault(item["metric"].get(label, ""), np.full(points, np.nan))
        lo, hi = offsets[index], offsets[index + 1]
        grid[np.rint((columns.stamps[lo:hi] - start) / step).astype(np.int64)] = columns.values[
            lo:hi
        ]
    return sums


def _has_native(result: list[dict[str, Any]]) -> bool:
    """True when a series is a native histogram (``histogram="auto"`` found one)."""
    return any("histogram" in item or "histograms" in item for item in result)


def _overflows(cumulative: np.ndarray, q: float) -> np.ndarray:
    """Rows whose quantile ``q`` lies in the ``+Inf`` bucket (the last column)."""
    if cumulative.shape[1] < 2:
        return np.zeros(len(cumulative), dtype=bool)
    return q * cumulative[:, -1] > cumulative[:, -2]


def _sum_query(target: Target, window: str, func: str) -> str:
    selector = promql.series_selector(target, "_sum")
    return f"sum by ({target.model_label}) ({func}({selector}[{window}]))"


def _instant_sums(
    prom: Prometheus, target: Target, window: str, when: float, func: str, answer: Answer
) -> dict[str, float]:
    sum_query = _sum_query(target, window, func)
    result = prom.query(sum_query, when)
    answer.query = f"{answer.query}\n{sum_query}"
    answer.warnings += result.warnings
    frame = frames.parse_labelled_values(result.result, (target.model_label,), "sum", target.scale)
    return dict(zip(frame[target.model_label], frame["sum"]))


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)
