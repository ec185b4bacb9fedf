"""Each model's classic histogram over one window, from one query, and the numbers in it.

One answer to::

    sum by (le, <model>) (increase({__name__=~"<metric>_bucket|<metric>_sum", ...}[W]))

(``rate`` for a per-second answer; with ``histogram="auto"`` ``or`` the native form, to
notice native histograms) holds everything a report says about a window:

- the percentiles, as any estimator computes them (:mod:`p95kit.query.estimators`:
  ``prometheus`` is ``histogram_quantile``'s arithmetic on the same sums, so the same
  numbers Prometheus answers; ``smooth`` also reads the ``_sum``);
- the requests per model: the ``+Inf`` bucket's count, which is the ``_count``;
- the share of requests under a threshold and what the counts prove about it, and the
  bucket each percentile lies in (:class:`~p95kit.query.histogram.Histogram`);
- the :func:`p95kit.buckets` frame: :func:`p95kit.query.buckets.from_histograms`.

Asking Prometheus for each of those evaluates ``increase(...[W])`` over the same samples
once per percentile, once for the count and once for the buckets (what that cost:
benchmarks/RESULTS.md, section 6). A model with only a native histogram makes
:func:`fetch` answer None: its exponential buckets are Prometheus's to interpolate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from p95kit.errors import PrometheusUnavailableError
from p95kit.prometheus.answers import malformed_is_an_error
from p95kit.prometheus.client import Prometheus
from p95kit.query import estimators, promql, window_split
from p95kit.query.histogram import Histogram, Share
from p95kit.query.target import Target


def query(target: Target, window: str, func: str) -> str:
    """Bucket counts per ``le`` and model, and the ``_sum`` per model (the series without
    ``le``: ``increase``/``rate`` drop the name), from one selector; with
    ``histogram="auto"`` also native histograms, to notice them (``or`` keeps a classic
    twin's answer)."""
    classic = replace(target, histogram="classic")
    name = promql.regex_literal(target.metric_name)
    matchers = promql.series_selector(classic)[len(target.metric_name) + 1 :]
    families = f'{{__name__=~"{name}_bucket|{name}_sum", {matchers}'
    label = target.model_label
    text = f"sum by (le, {label}) ({func}({families}[{window}]))"
    if target.histogram == "auto":
        text += " or " + promql.bucket_counts(replace(target, histogram="native"), window, func)
    return text


@dataclass
class Group:
    """Models with the same bucket bounds: their positions in :attr:`WindowHistograms.models`
    (``rows``) and their :class:`~p95kit.query.histogram.Histogram` (one row per model)."""

    rows: np.ndarray
    hist: Histogram


@dataclass
class WindowHistograms:
    """Every model's classic histogram over the ``window`` before ``when`` (see the module).

    ``models`` are sorted; ``groups`` hold their histograms, by bucket layout (usually one);
    ``query`` is the PromQL asked; ``warnings``/``infos`` are Prometheus's."""

    target: Target
    window: str
    when: float
    query: str
    models: list[str]
    groups: list[Group]
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)

    def quantiles(self, qs: tuple[float, ...], estimator: str = "prometheus") -> np.ndarray:
        """Quantiles ``qs`` (0 < q < 1) per model in ms, shape ``(models, len(qs))``, as
        ``estimator`` reads the buckets (``prometheus``: what ``histogram_quantile`` answers)."""
        implementation = estimators.get(estimator).implementation()
        return self._per_model(len(qs), lambda hist: implementation.quantiles(hist, qs))

    def requests(self) -> np.ndarray:
        """Requests per model in the window: the ``+Inf`` bucket's count (the ``_count``)."""
        return self._per_model(None, lambda hist: hist.requests)

    def shares(self, threshold_ms: float, estimator: str = "prometheus") -> Share:
        """The share of each model's requests at or under ``threshold_ms``: ``estimator``'s
        estimate and the interval the counts prove (see :class:`~p95kit.query.histogram.Share`)."""
        implementation = estimators.get(estimator).implementation()
        parts = [
            self._per_model(None, lambda hist: implementation.shares(hist, threshold_ms)),
            self._per_model(None, lambda hist: hist.proven_share(threshold_ms)[0]),
            self._per_model(None, lambda hist: hist.proven_share(threshold_ms)[1]),
        ]
        return Share(*parts)

    def bucket_bounds(self, q: float) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` in ms of the bucket quantile ``q`` lies in, per model."""
        lower = self._per_model(None, lambda hist: hist.bucket_bounds(q)[0])
        return lower, self._per_model(None, lambda hist: hist.bucket_bounds(q)[1])

    def top_bound(self, q: float) -> np.ndarray:
        """Per model, the top finite bound (ms) when quantile ``q`` is in the ``+Inf`` bucket."""
        return self._per_model(None, lambda hist: hist.top_bound(q))

    def histogram(self, model: str) -> Histogram | None:
        """One model's histogram (None when it has no buckets in this window)."""
        row = self.models.index(model) if model in self.models else -1
        for group in self.groups:
            hit = np.flatnonzero(group.rows == row)
            if len(hit):
                return group.hist.row(hit[0])
        return None

    def _per_model(self, columns: int | None, compute) -> np.ndarray:
        shape = (len(self.models),) if columns is None else (len(self.models), columns)
        out = np.full(shape, np.nan)
        for group in self.groups:
            out[group.rows] = compute(group.hist)
        return out


def fetch(
    prom: Prometheus, target: Target, window: str, when: float, func: str = "increase"
) -> WindowHistograms | None:
    """Every model's classic histogram over the ``window`` before ``when`` (``func``:
    ``increase`` for counts, ``rate`` for counts per second). None without asking for a
    native histogram or summary target, and when a model has only a native histogram."""
    if target.histogram in ("native", "summary"):
        return None
    text = query(target, window, func)
    result = window_split.instant(prom, lambda w: query(target, w, func), window, when, func)
    return from_answer(result.result, target, window, when, text, result)


def from_answer(
    result: list[dict[str, Any]],
    target: Target,
    window: str,
    when: float,
    text: str,
    answer: Any = None,
) -> WindowHistograms | None:
    """:class:`WindowHistograms` from the vector :func:`query` answered (None: a model
    has only a native histogram)."""
    layout = Layout.of(result, target.model_label, "histogram")
    if layout is None:
        return None
    samples = numbers([item.get("value", (0, "nan"))[1] for item in result])
    models = sorted(layout.buckets)
    position = {model: row for row, model in enumerate(models)}
    sums = np.array([layout.sum_of(model, samples) for model in models], dtype=np.float64)
    groups = []
    for bounds, members in layout.same_bounds().items():
        rows = np.array([position[m] for m in members], dtype=np.int64)
        cumulative = layout.matrix(members, bounds, samples)
        hist = Histogram.of(np.array(bounds), cumulative, sums[rows], scale=target.scale)
        groups.append(Group(rows, hist))
    warnings = list(getattr(answer, "warnings", []))
    infos = list(getattr(answer, "infos", []))
    return WindowHistograms(target, window, when, text, models, groups, warnings, infos)


@dataclass
class Layout:
    """Where each model's series are in an answer: ``buckets[model][bound]`` and
    ``sums[model]`` list series indexes (one bound may be spelled ``1`` and ``1.0``)."""

    buckets: dict[str, dict[float, list[int]]]
    sums: dict[str, list[int]]

    @classmethod
    def of(cls, result: list[dict[str, Any]], label: str, native_key: str) -> Layout | None:
        """The layout of ``result``; None when a model has only a native histogram
        (``native_key``: ``histogram`` in a vector, ``histograms`` in a matrix)."""
        buckets: dict[str, dict[float, list[int]]] = {}
        sums: dict[str, list[int]] = {}
        native = set()
        parsed: dict[str, float] = {}  # each le spelling once
        for index, item in enumerate(result):
            metric = item["metric"]
            model, le = metric.get(label, ""), metric.get("le")
            if native_key in item:
                native.add(model)
            elif le is None:
                sums.setdefault(model, []).append(index)
            else:
                by_bound = buckets.get(model)
                if by_bound is None:
                    by_bound = buckets[model] = {}
                bound = parsed.get(le)
                if bound is None:
                    bound = parsed[le] = _number(le)
                if bound in by_bound:
                    by_bound[bound].append(index)
                else:
                    by_bound[bound] = [index]
        if native - set(buckets):
            return None
        return cls(buckets, sums)

    def same_bounds(self) -> dict[tuple[float, ...], list[str]]:
        """Models grouped by their bucket bounds (usually one group: computed at once)."""
        groups: dict[tuple[float, ...], list[str]] = {}
        for model in sorted(self.buckets):
            groups.setdefault(tuple(sorted(self.buckets[model])), []).append(model)
        return groups

    def matrix(
        self, models: list[str], bounds: tuple[float, ...], samples: np.ndarray
    ) -> np.ndarray:
        """Cumulative counts, one row per model and a column per bound (spellings summed)."""
        column = {bound: position for position, bound in enumerate(bounds)}
        cells = [
            (row, column[bound], index)
            for row, model in enumerate(models)
            for bound, indexes in self.buckets[model].items()
            for index in indexes
        ]
        rows, columns, indexes = np.array(cells, dtype=np.int64).reshape(-1, 3).T
        out = np.zeros((len(models), len(bounds)))
        np.add.at(out, (rows, columns), np.nan_to_num(samples[indexes]))
        return out

    def sum_of(self, model: str, samples: np.ndarray) -> float:
        indexes = self.sums.get(model)
        return float(samples[indexes].sum()) if indexes else np.nan


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError) as exc:
        raise PrometheusUnavailableError(f"invalid answer from Prometheus: le={text!r}") from exc


@malformed_is_an_error
def numbers(texts: list[str]) -> np.ndarray:
    """Sample values (text, as Prometheus writes them) as float64."""
    return np.array(texts, dtype=np.float64)
