"""The histogram behind the percentiles: request counts per bucket and model, as a tidy frame.

:func:`buckets` answers one question, "how many requests fell in each latency bucket
over the ``time_range`` before ``at``?", from one query::

    sum by (le, <model_label>) (increase(<metric>_bucket[W]))      classic histograms
    sum by (<model_label>) (increase(<metric>[W]))                  native histograms

:func:`histograms_of` turns the frame back into each model's
:class:`~p95kit.query.histogram.Histogram`, the core that :func:`p95kit.percentile_buckets`,
:func:`p95kit.overall_percentiles` and :func:`p95kit.plot_distribution` read.

Classic ``le`` values are compared as numbers, so the same bound spelled ``"1"`` (C++,
Rust, Go clients) and ``"1.0"`` (Python clients) is one bucket, and cumulative
counts are made monotonic the way ``histogram_quantile`` does before they are
turned into per-bucket counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from p95kit.durations import normalize_duration
from p95kit.errors import InvalidParameterError
from p95kit.prometheus.answers import malformed_is_an_error
from p95kit.prometheus.client import Prometheus, connect
from p95kit.query import promql, window_split
from p95kit.query.frame_warnings import warn_missing_series
from p95kit.query.histogram import Histogram
from p95kit.query.latency import TimeLike
from p95kit.query.shapes import explain_if_empty
from p95kit.query.target import Target, make_target
from p95kit.query.window_histograms import WindowHistograms
from p95kit.times import parse_time

COLUMNS = ("model", "lower_ms", "upper_ms", "count", "share", "cumulative_share")


def buckets(
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
) -> pd.DataFrame:
    """Requests per latency bucket and model over the ``time_range`` before ``at``.

    Columns: ``model`` (str), ``lower_ms`` and ``upper_ms`` (float64 milliseconds, the
    bucket is ``(lower_ms, upper_ms]``; ``upper_ms`` is ``inf`` for the ``+Inf``
    overflow bucket; the first classic bucket starts at 0), ``count`` (float64,
    requests in the bucket; ``increase`` extrapolates, so counts need not be whole),
    ``share`` (``count`` over the model's total; NaN when it had no traffic) and
    ``cumulative_share`` (the share at or under ``upper_ms``). Sorted by model, then
    ``upper_ms``. Classic and native histograms (``histogram="auto"`` answers from
    whichever exists; a native histogram's buckets are its own exponential ones).

        frame = p95kit.buckets(time_range="1h", models=["gpt-4"])
        frame[frame["cumulative_share"] >= 0.95].head(1)     # the bucket that holds P95
    """
    target = make_target(metric_name, model_label, models, selector, histogram, unit)
    if target.histogram == "summary":
        raise InvalidParameterError(
            "histogram",
            "a summary has no buckets, only the quantiles its clients computed; "
            "use histogram='auto', 'classic' or 'native'",
        )
    window, span = normalize_duration(time_range, "time_range")
    when = parse_time(at, "at")
    with connect(prometheus_url, client) as prom:
        frame = fetch_buckets(prom, target, window, when)
        frame = explain_if_empty(prom, frame, target, when - max(span, 86400.0), when)
        return warn_missing_series(frame, target)


def fetch_buckets(
    prom: Prometheus, target: Target, window: str, when: float, func: str = "increase"
) -> pd.DataFrame:
    """The :func:`buckets` frame for validated parameters (``func``: increase or rate)."""
    query = promql.bucket_counts(target, window, func)
    result = window_split.instant(
        prom, lambda w: promql.bucket_counts(target, w, func), window, when, func
    )
    frame = parse_buckets(result.result, target.model_label, target.scale)
    frame.attrs.update(
        kind="buckets",
        **target.attrs(),
        time_range=window,
        at=when,
        query=query,
        prometheus_url=prom.safe_url,
        warnings=list(result.warnings),
        infos=list(result.infos),
    )
    return frame


@malformed_is_an_error
def parse_buckets(result: list[dict[str, Any]], model_label: str, scale: float) -> pd.DataFrame:
    """An instant vector of bucket counts -> the :func:`buckets` frame.

    Classic series carry ``le`` and a cumulative ``value``; native ones a
    ``histogram`` with per-bucket counts. Where a model has both (a server that
    exports both kinds), the classic buckets are kept, as ``histogram="auto"`` does
    for percentiles. ``scale`` turns the metric's unit into milliseconds.
    """
    classic: dict[str, dict[float, float]] = {}
    native: dict[str, list[tuple[float, float, float]]] = {}
    for item in result:
        model = item["metric"].get(model_label, "")
        if "histogram" in item:
            native[model] = _native_buckets(item["histogram"][1])
        elif "le" not in item["metric"]:
            # The native side of histogram="auto" also answers for a plain counter: it has
            # no buckets (the empty-answer check says what the metric is).
            continue
        else:
            bound = float(item["metric"]["le"])
            by_bound = classic.setdefault(model, {})
            by_bound[bound] = by_bound.get(bound, 0.0) + float(item["value"][1])
    parts = [_classic_rows(model, by_bound, scale) for model, by_bound in classic.items()]
    parts += [
        _native_rows(model, rows, scale) for model, rows in native.items() if model not in classic
    ]
    if not parts:
        return _empty()
    frame = pd.concat(parts, ignore_index=True)
    frame["model"] = frame["model"].astype("str")
    frame = frame.sort_values(["model", "upper_ms"], kind="stable", ignore_index=True)
    return frame[list(COLUMNS)]


def from_histograms(hist: WindowHistograms, prometheus_url: str = "") -> pd.DataFrame:
    """The :func:`buckets` frame of histograms already fetched
    (:mod:`p95kit.query.window_histograms`), with the numbers :func:`parse_buckets` gives for
    the same answer."""
    parts = []
    for group in hist.groups:
        core = group.hist
        if not len(core.bounds):
            continue
        counts = core.counts
        uppers, lowers = core.bounds * core.scale, core.lowers * core.scale
        total = counts.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(total > 0, counts / total, np.nan)
        models = np.array(hist.models, dtype=object)[group.rows]
        parts.append(
            pd.DataFrame(
                {
                    "model": np.repeat(models, len(uppers)),
                    "lower_ms": np.tile(lowers, len(models)),
                    "upper_ms": np.tile(uppers, len(models)),
                    "count": counts.ravel(),
                    "share": shares.ravel(),
                    "cumulative_share": np.cumsum(shares, axis=1).ravel(),
                }
            )
        )
    frame = _empty()
    if parts:
        frame = pd.concat(parts, ignore_index=True)
        frame["model"] = frame["model"].astype("str")
        frame = frame.sort_values(["model", "upper_ms"], kind="stable", ignore_index=True)
    frame.attrs.update(
        kind="buckets",
        **hist.target.attrs(),
        time_range=hist.window,
        at=hist.when,
        query=hist.query,
        prometheus_url=prometheus_url,
        warnings=list(hist.warnings),
        infos=list(hist.infos),
    )
    return frame


def histograms_of(frame: pd.DataFrame) -> dict[str, Histogram]:
    """A :func:`buckets` frame -> ``{model: Histogram}`` (one row each, bounds in ms), by
    model name; a model whose buckets are not the ``(previous, upper]`` of a classic
    histogram keeps its own lower bounds (a native histogram's)."""
    out = {}
    for model, (lowers, uppers, counts) in model_slices(frame):
        classic = len(uppers) > 0 and np.isposinf(uppers[-1])
        out[model] = Histogram.of(
            uppers, np.cumsum(counts), lowers=None if classic else lowers, native=not classic
        )
    return out


def model_slices(frame: pd.DataFrame) -> Iterator[tuple[str, tuple[np.ndarray, ...]]]:
    """``(model, (lower_ms, upper_ms, count))`` arrays per model of a :func:`buckets` frame,
    by model name; numpy slices, not a pandas groupby (which copies ``attrs`` for every
    column of every group)."""
    order = np.argsort(frame["model"].to_numpy(dtype=object), kind="stable")
    models = frame["model"].to_numpy(dtype=object)[order]
    columns = [
        frame[c].to_numpy(dtype=np.float64)[order] for c in ("lower_ms", "upper_ms", "count")
    ]
    starts = [i for i in range(len(models)) if i == 0 or models[i] != models[i - 1]]
    for begin, end in zip(starts, [*starts[1:], len(models)]):
        yield str(models[begin]), tuple(column[begin:end] for column in columns)


def _classic_rows(model: str, by_bound: dict[float, float], scale: float) -> pd.DataFrame:
    bounds = np.array(sorted(by_bound), dtype=np.float64)
    cumulative = np.maximum.accumulate(np.array([by_bound[b] for b in bounds], dtype=np.float64))
    counts = np.diff(cumulative, prepend=0.0)
    uppers = bounds * scale
    lowers = np.concatenate([[min(0.0, uppers[0])], uppers[:-1]]) if len(uppers) else uppers
    return _rows(model, lowers, uppers, counts)


def _native_buckets(histogram: dict[str, Any]) -> list[tuple[float, float, float]]:
    return [
        (float(lower), float(upper), float(count))
        for _rule, lower, upper, count in histogram.get("buckets") or []
    ]


def _native_rows(model: str, rows: list[tuple[float, float, float]], scale: float) -> pd.DataFrame:
    rows = sorted(rows, key=lambda row: row[1])
    lowers = np.array([row[0] for row in rows], dtype=np.float64) * scale
    uppers = np.array([row[1] for row in rows], dtype=np.float64) * scale
    counts = np.array([row[2] for row in rows], dtype=np.float64)
    return _rows(model, lowers, uppers, counts)


def _rows(model: str, lowers: np.ndarray, uppers: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
    total = float(counts.sum())
    shares = counts / total if total > 0 else np.full(len(counts), math.nan)
    return pd.DataFrame(
        {
            "model": [model] * len(counts),
            "lower_ms": lowers,
            "upper_ms": uppers,
            "count": counts,
            "share": shares,
            "cumulative_share": np.cumsum(shares),
        }
    )


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=np.float64) for column in COLUMNS})
    frame["model"] = frame["model"].astype("str")
    return frame
