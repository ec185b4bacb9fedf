"""The public query functions: per-model latency percentiles as DataFrames.

Each function validates every parameter before any request is sent
(:class:`~p95kit.errors.InvalidParameterError`), runs one PromQL query through
:class:`~p95kit.prometheus.client.Prometheus`, and returns a frame whose ``attrs`` carry the
query parameters, the PromQL, and Prometheus's ``warnings``/``infos``, so that
:func:`p95kit.to_payload` needs nothing else. Latencies are in milliseconds.

Metric kinds (``histogram=``): ``auto`` answers from a classic histogram
(``<metric>_bucket`` with ``le``) or a native one (``<metric>``), in one query;
``classic`` and ``native`` force one. ``summary`` reads the quantiles a summary's
clients computed themselves (``<metric>{quantile="0.95"}``). Those cannot be
aggregated, so summary frames are never summed or averaged over instances: each
row is one series, and an ``instance`` (str) column follows ``model`` (the
``instance`` label; see :func:`p95kit.query.frames.instance_names`). ``time_range`` does
not apply to summaries: the value is the latest one the client exported at the
evaluation time, over whatever window the client was configured with. A summary
has only the quantiles its clients export; a requested one that none of the
series has is NaN (or absent) and named in ``frame.attrs["warnings"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from p95kit import validation
from p95kit.durations import align, normalize_duration, parse_duration
from p95kit.errors import InvalidParameterError
from p95kit.progress import check as check_progress
from p95kit.prometheus.answers import Result
from p95kit.prometheus.client import Prometheus, connect
from p95kit.query import (
    bucket_estimates,
    estimators,
    frames,
    promql,
    quantile_split,
    window_histograms,
)
from p95kit.query.columns import percentile_column
from p95kit.query.frame_warnings import (
    add_warnings,
    missing_summary_quantiles,
    warn_missing_series,
    warn_small_percentiles,
)
from p95kit.query.shapes import explain_if_empty
from p95kit.query.target import Target, make_target
from p95kit.times import parse_time

log = logging.getLogger("p95kit")

TimeLike = datetime | float | int | str | None


def p95(
    metric_name: str = "request_duration_seconds",
    time_range: str = "5m",
    *,
    model_label: str = "model",
    prometheus_url: str | None = None,
    at: TimeLike = None,
    client: Prometheus | None = None,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    histogram: str = "auto",
    unit: str = "auto",
    estimator: str = "prometheus",
) -> pd.DataFrame:
    """Current P95 latency per model (the original ``GET /api/metrics/p95/``).

    Returns one row per model, sorted by model, with columns ``model`` (str),
    ``p95_latency_ms`` (float64 milliseconds; NaN = no traffic in ``time_range``),
    ``timestamp`` (datetime64[ns, UTC], the evaluation time), ``metric_name`` and
    ``time_range`` (str). ``at`` pins the evaluation time (default now).
    With ``histogram="summary"`` an ``instance`` column follows ``model``, one row
    per series, and ``time_range`` does not apply (see the module docstring).
    ``estimator``: how a percentile is read from the buckets (:mod:`p95kit.query.estimators`:
    ``prometheus`` is ``histogram_quantile``).
    """
    target = make_target(metric_name, model_label, models, selector, histogram, unit)
    how = estimators.estimator(estimator)
    window, _ = normalize_duration(time_range, "time_range")
    when = parse_time(at, "at")
    with connect(prometheus_url, client) as prom:
        frame = fetch_p95(prom, target, window, when, how)
        frame = explain_if_empty(prom, frame, target, when - _lookback(window), when)
        return warn_missing_series(frame, target)


def p95_range(
    metric_name: str = "request_duration_seconds",
    duration: str = "1h",
    *,
    step: str = "1m",
    time_range: str = "5m",
    model_label: str = "model",
    prometheus_url: str | None = None,
    end: TimeLike = None,
    client: Prometheus | None = None,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    histogram: str = "auto",
    unit: str = "auto",
    estimator: str = "prometheus",
    progress: bool | None = None,
) -> pd.DataFrame:
    """P95 latency per model over time (the original ``GET /api/metrics/p95/range/``).

    Points fall on multiples of ``step`` (``end`` is floored to the step, and is
    included when already aligned), from ``end - duration`` to ``end``; each point
    is the P95 over the ``time_range`` before it. Columns: ``model`` (str),
    ``timestamp`` (datetime64[ns, UTC]), ``p95_latency_ms`` (float64 ms, NaN = no
    traffic); sorted by model, then time. Ranges over 11,000 points are fetched in
    chunks, with a bar counting them when ``progress`` says so (None: in Jupyter, or on
    a terminal with ``-v``; never under cron; True/False force it; see
    :mod:`p95kit.progress`). With ``histogram="summary"`` an ``instance`` column
    follows ``model`` (sorted by model, instance, time) and each point is the value
    the client exported at that time; ``time_range`` does not apply.
    ``estimator``: as for :func:`p95`.
    """
    target = make_target(metric_name, model_label, models, selector, histogram, unit)
    how = estimators.estimator(estimator)
    check_progress(progress)
    duration_text, span = normalize_duration(duration, "duration")
    step_text, step_s = normalize_duration(step, "step")
    window, _ = normalize_duration(time_range, "time_range")
    if step_s > span:
        raise InvalidParameterError(
            "step", f"step ({step_text}) must not exceed duration ({duration_text}), e.g. step=1m"
        )
    stop = align(parse_time(end, "end"), step_s)
    with connect(prometheus_url, client) as prom:
        frame = fetch_range(
            prom,
            target,
            duration_text,
            span,
            step_text,
            step_s,
            window,
            stop,
            how,
            progress=progress,
        )
        frame = explain_if_empty(prom, frame, target, stop - span - _lookback(window), stop)
        return warn_missing_series(frame, target)


def percentiles(
    metric_name: str = "request_duration_seconds",
    percentiles: Sequence[float] | str = (50, 95, 99),
    *,
    time_range: str = "5m",
    model_label: str = "model",
    prometheus_url: str | None = None,
    at: TimeLike = None,
    client: Prometheus | None = None,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    histogram: str = "auto",
    unit: str = "auto",
    estimator: str = "prometheus",
) -> pd.DataFrame:
    """Several percentiles per model in one request (``GET /api/metrics/percentiles/``).

    ``percentiles`` is a list of numbers in (0, 100) or text like ``"50,95,99"``
    (a value below 1, e.g. 0.95 for 95, adds a warning).
    Columns: ``model`` (str), one float64 column per percentile in milliseconds
    named ``p50``, ``p95``, ``p99`` (``p99.9`` for 99.9; NaN = no traffic), then
    ``timestamp`` (datetime64[ns, UTC]). One row per model, sorted by model.
    With ``histogram="summary"`` an ``instance`` column follows ``model``, one row
    per series; only the quantiles the summary exports can be answered.
    ``estimator``: as for :func:`p95`.
    """
    target = make_target(metric_name, model_label, models, selector, histogram, unit)
    how = estimators.estimator(estimator)
    wanted = validation.percentiles(percentiles)
    window, _ = normalize_duration(time_range, "time_range")
    when = parse_time(at, "at")
    with connect(prometheus_url, client) as prom:
        frame = fetch_percentiles(prom, target, wanted, window, when, estimator=how)
        frame = explain_if_empty(prom, frame, target, when - _lookback(window), when)
        frame = warn_missing_series(frame, target)
    return warn_small_percentiles(frame, wanted)


def list_models(
    metric_name: str = "request_duration_seconds",
    model_label: str = "model",
    *,
    prometheus_url: str | None = None,
    end: TimeLike = None,
    client: Prometheus | None = None,
    lookback: str = "1d",
    selector: str | None = None,
    histogram: str = "auto",
) -> list[str]:
    """Sorted names of the models with ``metric_name`` between ``end - lookback`` and ``end``."""
    target = make_target(metric_name, model_label, None, selector, histogram)
    stop = parse_time(end, "end")
    span = parse_duration(lookback, "lookback")
    matches = promql.discovery_selectors(target)
    with connect(prometheus_url, client) as prom:
        names = prom.label_values(target.model_label, matches, stop - span, stop)
        if not names:
            empty = pd.DataFrame({"model": pd.Series(dtype="str")})
            explain_if_empty(prom, empty, target, stop - span, stop)  # logs its warnings
        return names


def _lookback(window: str) -> float:
    """How far back an empty answer's shape check looks: the window, at least a day."""
    return max(parse_duration(window, "time_range"), 86400.0)


def fetch_p95(
    prom: Prometheus, target: Target, window: str, when: float, estimator: str = "prometheus"
) -> pd.DataFrame:
    """The :func:`p95` frame for validated parameters."""
    local = _computed(estimator) and bucket_estimates.instant(
        prom, target, (0.95,), window, when, "rate", estimator
    )
    if local:
        query, result = local.query, _result_of(local)
        frame = local.instant_frame(["p95_latency_ms"], when)
    else:
        query = promql.with_idle_models(promql.quantile(target, 0.95, window), target, window)
        result = quantile_split.answer(prom, target, (0.95,), window, when, "rate", query)
        frame = frames.parse_instant(
            result.result,
            target.model_label,
            "p95_latency_ms",
            target.scale,
            when,
            target.instance_label,
        )
    _estimated_by(frame, local, estimator, target)
    frame["metric_name"] = pd.Series([target.metric_name] * len(frame), dtype="str")
    frame["time_range"] = pd.Series([window] * len(frame), dtype="str")
    return _finish(frame, "p95", target, result, query, prom, (0.95,), time_range=window, at=when)


def fetch_range(
    prom: Prometheus,
    target: Target,
    duration: str,
    span: float,
    step: str,
    step_s: float,
    window: str,
    stop: float,
    estimator: str = "prometheus",
    *,
    progress: bool | None = False,
) -> pd.DataFrame:
    """The :func:`p95_range` frame for validated parameters; ``stop`` is step-aligned.

    ``progress``: a bar over the chunks of a long range (default: none)."""
    start = stop - (span // step_s) * step_s
    local = _computed(estimator) and bucket_estimates.over_range(
        prom, target, 0.95, window, (start, stop, step_s), estimator, progress
    )
    if local:
        query, result = local.query, _result_of(local)
        frame = local.range_frame("p95_latency_ms")
    else:
        query = promql.with_idle_models(promql.quantile(target, 0.95, window), target, window)
        result = prom.query_range(query, start, stop, step_s, progress=progress)
        frame = frames.parse_matrix(
            result.result,
            target.model_label,
            "p95_latency_ms",
            target.scale,
            target.instance_label,
            result.columns,
        )
    _estimated_by(frame, local, estimator, target)
    return _finish(
        frame,
        "p95_range",
        target,
        result,
        query,
        prom,
        (0.95,),
        duration=duration,
        step=step,
        time_range=window,
        start=start,
        end=stop,
    )


def fetch_percentiles(
    prom: Prometheus,
    target: Target,
    wanted: tuple[float, ...],
    window: str,
    when: float,
    func: str = "rate",
    estimator: str = "prometheus",
) -> pd.DataFrame:
    """The :func:`percentiles` frame for validated parameters (``func``: rate or increase)."""
    qs = tuple(p / 100 for p in wanted)
    local = _computed(estimator) and bucket_estimates.instant(
        prom, target, qs, window, when, func, estimator
    )
    if local:
        query, result = local.query, _result_of(local)
        frame = local.instant_frame([percentile_column(p) for p in wanted], when)
    else:
        query = promql.quantiles(target, qs, window, func)
        query = promql.with_idle_models(query, target, window, func)
        result = quantile_split.answer(prom, target, qs, window, when, func, query)
        frame = frames.parse_quantiles(
            result.result, target.model_label, wanted, target.scale, when, target.instance_label
        )
    _estimated_by(frame, local, estimator, target)
    return _percentiles_frame(frame, target, result, query, prom, wanted, window, when)


def percentiles_from(
    prom: Prometheus,
    hist: window_histograms.WindowHistograms,
    wanted: tuple[float, ...],
    estimator: str = "prometheus",
) -> pd.DataFrame:
    """The :func:`percentiles` frame over ``hist``'s window, computed from its buckets: the
    numbers ``fetch_percentiles(..., "increase", estimator)`` answers, without a query.
    ``attrs["query"]`` is the PromQL that answers them (``histogram_quantile``'s, or the
    bucket query another estimator reads)."""
    qs = tuple(p / 100 for p in wanted)
    values = hist.quantiles(qs, estimator)
    answer = bucket_estimates.Answer(
        hist.models, values, hist.query, None, hist.warnings, hist.infos
    )
    frame = answer.instant_frame([percentile_column(p) for p in wanted], hist.when)
    frame.attrs["estimator"] = estimator
    target = hist.target
    in_promql = not _computed(estimator)
    query = promql.quantiles(target, qs, hist.window, "increase") if in_promql else hist.query
    result = _result_of(answer)
    return _percentiles_frame(frame, target, result, query, prom, wanted, hist.window, hist.when)


def _percentiles_frame(
    frame: pd.DataFrame,
    target: Target,
    result: Result,
    query: str,
    prom: Prometheus,
    wanted: tuple[float, ...],
    window: str,
    when: float,
) -> pd.DataFrame:
    qs = tuple(p / 100 for p in wanted)
    attrs = {"percentiles": list(wanted), "time_range": window, "at": when}
    return _finish(frame, "percentiles", target, result, query, prom, qs, **attrs)


def _computed(estimator: str) -> bool:
    """Whether p95kit computes ``estimator``'s answer from bucket counts (PromQL cannot)."""
    return not estimators.get(estimator).in_promql


def _result_of(answer: bucket_estimates.Answer) -> Result:
    return Result("vector", [], list(answer.warnings), list(answer.infos))


def _estimated_by(frame: pd.DataFrame, local: Any, estimator: str, target: Target) -> None:
    """Record which estimator answered (``local``: the computed Answer; None when the
    estimator left it to Prometheus, which adds a warning; False when PromQL answered)."""
    frame.attrs["estimator"] = estimator if local else estimators.PROMQL
    if local is None:
        frame.attrs["estimator_notes"] = [bucket_estimates.fallback_note(target, estimator)]


def _finish(
    frame: pd.DataFrame,
    kind: str,
    target: Target,
    result: Result,
    query: str,
    prom: Prometheus,
    qs: tuple[float, ...],
    **params: Any,
) -> pd.DataFrame:
    frame.attrs.update(
        kind=kind,
        **target.attrs(),
        **params,
        query=query,
        prometheus_url=prom.safe_url,
        warnings=list(result.warnings),
        infos=list(result.infos),
    )
    notes = frame.attrs.pop("estimator_notes", [])
    return add_warnings(frame, [*notes, *missing_summary_quantiles(target, result, qs)])
