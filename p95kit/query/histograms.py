"""Each model's classic histogram over one window, from one query, and the numbers in it.

One answer to::

    sum by (le, <model>) (increase({__name__=~"<metric>_bucket|<metric>_sum", ...}[W]))

(``rate`` for a per-second answer; with ``histogram="auto"`` ``or`` the native form, to
notice native histograms) holds everything a report says about a window:

- the percentiles, as ``histogram_quantile`` computes them
  (:func:`p95kit.query.bucket_math.histogram_quantiles`: the same arithmetic on the same
  sums, so the same numbers Prometheus answers) or as the ``smooth`` estimator
  (:mod:`p95kit.query.smooth`, which also reads the ``_sum``);
- the requests per model: the ``+Inf`` bucket's count, which is the ``_count``;
- the :func:`p95kit.buckets` frame (SLO shares, bucket bounds, the all-models row):
  :func:`p95kit.query.buckets.from_histograms`.

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
from p95kit.query import bucket_math, promql, smooth, window_split
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
    """Models with the same bucket bounds: ``bounds`` (upper bounds in the metric's unit,
    increasing), ``rows`` (their positions in :attr:`WindowHistograms.models`) and
    ``cumulative`` (one row per model: the cumulative count per bound, as Prometheus
    summed it, spellings of one bound added)."""

    bounds: np.ndarray
    rows: np.ndarray
    cumulative: np.ndarray


@dataclass
class WindowHistograms:
    """Every model's classic histogram over the ``window`` before ``when`` (see the module).

    ``models`` are sorted; ``sums`` holds each model's ``_sum`` in the metric's unit (NaN
    without one); ``query`` is the PromQL asked; ``warnings``/``infos`` are Prometheus's."""

    target: Target
    window: str
    when: float
    query: str
    models: list[str]
    groups: list[Group]
    sums: np.ndarray
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)

    def quantiles(self, qs: tuple[float, ...], estimator: str = "prometheus") -> np.ndarray:
        """Quantiles ``qs`` (0 < q < 1) per model in ms, shape ``(models, len(qs))``:
        Prometheus's ``histogram_quantile`` (the quantile as PromQL text reads it, so
        99.9/100 is 0.999) or the ``smooth`` estimate."""
        out = np.full((len(self.models), len(qs)), np.nan)
        scale = self.target.scale
        for group in self.groups:
            if estimator == "smooth":
                sums = self.sums[group.rows] * scale
                values = smooth.quantiles_many(group.bounds * scale, group.cumulative, qs, sums)
            else:
                as_sent = tuple(float(promql.format_quantile(q)) for q in qs)
                values = bucket_math.histogram_quantiles(group.bounds, group.cumulative, as_sent)
                values = values * scale
            out[group.rows] = values
        return out

    def requests(self) -> np.ndarray:
        """Requests per model in the window: the ``+Inf`` bucket's count (the highest
        bucket's without one)."""
        out = np.full(len(self.models), np.nan)
        for group in self.groups:
            if group.cumulative.shape[1]:  # cumulative: the top count is the largest
                out[group.rows] = group.cumulative.max(axis=1)
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
    groups = [
        Group(
            np.array(bounds, dtype=np.float64),
            np.array([position[m] for m in members], dtype=np.int64),
            layout.matrix(members, bounds, samples),
        )
        for bounds, members in layout.same_bounds().items()
    ]
    sums = np.array([layout.sum_of(model, samples) for model in models], dtype=np.float64)
    warnings = list(getattr(answer, "warnings", []))
    infos = list(getattr(answer, "infos", []))
    return WindowHistograms(target, window, when, text, models, groups, sums, warnings, infos)


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
