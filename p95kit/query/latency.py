"""The public query functions: per-model latency percentiles as DataFrames.

Each function validates every parameter before any request is sent
(:class:`~p95kit.errors.InvalidParameterError`), runs one PromQL query through
:class:`~p95kit.prometheus.client.Prometheus` (:mod:`p95kit.query.fetch`, for validated
parameters), and returns a frame whose ``attrs`` carry the query parameters, the PromQL,
and Prometheus's ``warnings``/``infos``, so that :func:`p95kit.to_payload` needs nothing
else. Latencies are in milliseconds.

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

import pandas as pd

from p95kit import validation
from p95kit.durations import align, normalize_duration, parse_duration
from p95kit.errors import InvalidParameterError
from p95kit.progress import check as check_progress
from p95kit.prometheus.client import Prometheus, connect
from p95kit.query import estimators, promql
from p95kit.query.fetch import fetch_p95, fetch_percentiles, fetch_range
from p95kit.query.frame_warnings import warn_missing_series, warn_small_percentiles
from p95kit.query.shapes import explain_if_empty
from p95kit.query.target import make_target
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
