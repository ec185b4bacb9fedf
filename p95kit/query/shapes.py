"""Why an answer is empty: what the metric really is, and what would work instead.

Run only when a query answered nothing (no cost on the happy path), and by ``p95kit
doctor``. :func:`inspect_metric` finds the metric's shape: ``/api/v1/metadata`` where
Prometheus has it, else the names and labels of its series (``/api/v1/series`` over
``name``, ``name_bucket``, ``name_count``, ``name_sum``; metadata is empty for backfilled
data and behind many proxies), and for a bare ``name`` one sample, which tells a native
histogram from a plain number. :func:`check_shape` raises
:class:`~p95kit.errors.MetricShapeError` for a metric that cannot give a percentile
as asked (a counter, a summary asked as a histogram and back), naming what would work, and
returns warnings for the rest (the series lack the model label: their labels are named).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from p95kit.errors import (
    MetricShapeError,
    PrometheusQueryError,
    PrometheusUnavailableError,
)
from p95kit.prometheus.client import Prometheus
from p95kit.query import promql
from p95kit.query.frame_warnings import add_warnings
from p95kit.query.presets import COUNTERS
from p95kit.query.target import Target

log = logging.getLogger("p95kit")

#: Shapes :func:`inspect_metric` tells apart.
KINDS = ("absent", "classic", "native", "summary", "summary_no_quantiles", "number")
_NOT_LABELS = {"__name__", "le", "quantile"}
#: Labels that often name the model, tried first when suggesting --model-label.
_LIKELY_MODEL_LABELS = (
    "model",
    "model_name",
    "deployment",
    "service_name",
    "application",
    "requested_model",
    "job",
    "instance",
)


@dataclass(frozen=True)
class Shape:
    """What ``metric`` looks like in Prometheus: ``kind`` (one of :data:`KINDS`), the series
    names found, the label names its series carry (without ``__name__``, ``le``,
    ``quantile``), whether any carries the model label, and the metadata type if known."""

    metric: str
    kind: str
    names: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    has_model_label: bool = False
    metadata_type: str = ""


def inspect_metric(prom: Prometheus, target: Target, start: float, end: float) -> Shape:
    """The shape of ``target.metric_name`` from its series in ``[start, end]``."""
    name = target.metric_name
    series = prom.series([promql.family_selector(name)], start, end)
    names = tuple(sorted({s.get("__name__", "") for s in series}))
    labels = tuple(sorted({k for s in series for k in s} - _NOT_LABELS))
    kind = _kind(prom, name, series, names, end)
    return Shape(
        metric=name,
        kind=kind,
        names=names,
        labels=labels,
        has_model_label=any(target.model_label in s for s in series),
        metadata_type=_metadata_type(prom, name) if kind in ("number", "native") else "",
    )


def check_shape(shape: Shape, target: Target) -> list[str]:
    """Raise MetricShapeError when ``shape`` cannot answer ``target`` as asked (saying
    what would); return warnings (the model label is missing) or [] when the shape is fine."""
    name, kind = shape.metric, shape.kind
    if kind == "number" and shape.metadata_type == "histogram":
        kind = "native"  # a native histogram's sample was not in reach; the metadata knows
    if kind == "number":
        raise MetricShapeError("metric_name", _not_a_histogram(shape))
    if kind == "summary_no_quantiles":
        raise MetricShapeError(
            "metric_name",
            f"{name} has only {name}_count and {name}_sum (a summary without quantiles): no "
            f"percentile can be computed from it; a mean latency is "
            f"rate({name}_sum[5m]) / rate({name}_count[5m])",
        )
    wanted = target.histogram
    if kind == "summary" and wanted != "summary":
        raise MetricShapeError(
            "histogram",
            f"{name} is a summary (quantiles its clients computed), not a histogram: pass "
            "--histogram summary (histogram='summary') to read its quantiles with p95kit query; "
            "a report needs a histogram",
        )
    if kind in ("classic", "native") and wanted == "summary":
        raise MetricShapeError(
            "histogram",
            f"{name} is a {kind} histogram, not a summary: pass --histogram auto",
        )
    if kind in ("classic", "native") and wanted in ("classic", "native") and kind != wanted:
        raise MetricShapeError(
            "histogram", f"{name} is a {kind} histogram: pass --histogram auto or {kind}"
        )
    if kind != "absent" and not shape.has_model_label:
        return [_missing_label(shape, target)]
    return []


def explain_empty(prom: Prometheus, target: Target, start: float, end: float) -> list[str]:
    """For an empty answer: raise when the metric's shape is wrong, else return warnings."""
    return check_shape(inspect_metric(prom, target, start, end), target)


def _kind(
    prom: Prometheus, name: str, series: list[dict], names: tuple[str, ...], end: float
) -> str:
    if f"{name}_bucket" in names:
        return "classic"
    bare = [s for s in series if s.get("__name__") == name]
    if any("quantile" in s for s in bare):
        return "summary"
    if bare:
        return _sample_kind(prom, name, end)
    if f"{name}_count" in names or f"{name}_sum" in names:
        return "summary_no_quantiles"
    return "absent"


def _sample_kind(prom: Prometheus, name: str, end: float) -> str:
    """``native`` when a recent sample of ``name`` is a histogram, else ``number``."""
    selector = f'{{__name__="{name}"}}'
    result = prom.query(f"last_over_time({selector}[1d])", end).result
    if any("histogram" in item for item in result):
        return "native"
    return "number"


def _metadata_type(prom: Prometheus, name: str) -> str:
    types = {entry.get("type", "") for entry in prom.metadata(name)}
    return next(iter(types)) if len(types) == 1 else ""


def _not_a_histogram(shape: Shape) -> str:
    name = shape.metric
    what = shape.metadata_type or "counter or gauge"
    hint = COUNTERS.get(name)
    requests = hint.requests if hint else "<requests counter>"
    text = (
        f"{name} is a {what}, not a histogram or summary: it has no buckets, so no "
        f"percentile can be computed from it. A mean latency from the counters is "
        f"rate({name}[5m]) / rate({requests}[5m])"
    )
    if hint and hint.advice:
        text += f"; {hint.advice}"
    else:
        text += "; percentiles need the server to export a histogram (name_bucket with le)"
    return text


def _missing_label(shape: Shape, target: Target) -> str:
    have = ", ".join(shape.labels) or "none"
    likely = [label for label in _LIKELY_MODEL_LABELS if label in shape.labels]
    suggestion = f" (pass --model-label {likely[0]})" if likely else ""
    return (
        f"no {shape.metric} series has a {target.model_label!r} label; its series have "
        f"the labels: {have}{suggestion}"
    )


def explain_if_empty(
    prom: Prometheus, frame: pd.DataFrame, target: Target, start: float, end: float
) -> pd.DataFrame:
    """``frame`` unchanged when it has rows; else raise for a wrong shape, or add the
    warnings :func:`explain_empty` returns to ``frame.attrs["warnings"]``.

    The check only explains: when a backend cannot answer it (no ``/api/v1/series``
    behind a proxy, an odd answer), the empty frame keeps its usual warning."""
    if not frame.empty:
        return frame
    try:
        notes = explain_empty(prom, target, start, end)
    except (PrometheusUnavailableError, PrometheusQueryError) as exc:
        log.debug("the empty-answer check could not run: %s", exc)
        return frame
    return add_warnings(frame, notes)
