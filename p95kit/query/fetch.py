"""The frames of the latency questions, for parameters already validated.

:func:`fetch_p95`, :func:`fetch_range` and :func:`fetch_percentiles` are what
:func:`p95kit.p95`, :func:`p95kit.p95_range` and :func:`p95kit.percentiles` (in
:mod:`p95kit.query.latency`, which validates) ask once the parameters are known to be good;
the report and the window's numbers (:mod:`p95kit.query.window`) call them directly, and
:func:`percentiles_from` answers the percentiles from a window's buckets fetched already.
Each asks Prometheus for ``histogram_quantile`` (PromQL, with the idle models, split for the
sample limit by :mod:`p95kit.query.quantile_split`), or, for an estimator PromQL cannot
ask, for the bucket counts (:mod:`p95kit.query.bucket_estimates`), and puts the parameters,
the PromQL and Prometheus's ``warnings``/``infos`` in ``frame.attrs``. Latencies are in
milliseconds; the frames' columns are the public functions'.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from p95kit.prometheus.answers import Result
from p95kit.prometheus.client import Prometheus
from p95kit.query import (
    bucket_estimates,
    estimators,
    frames,
    promql,
    quantile_split,
    window_histograms,
)
from p95kit.query.columns import percentile_column
from p95kit.query.frame_warnings import add_warnings, missing_summary_quantiles
from p95kit.query.target import Target


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
