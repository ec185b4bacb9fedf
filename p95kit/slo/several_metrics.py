"""Several latency SLOs at once (an LLM server's TTFT, inter-token and end-to-end), and goodput.

:func:`slo_metrics` judges one SLO per metric, each with its own threshold (``{"vllm:
time_to_first_token_seconds": 500, "vllm:inter_token_latency_seconds": 50}``), with the
same objective, window and policy; a ``preset`` (``vllm``, ``sglang``, ...) supplies the
model label and units, and lets a metric be named by a unique part of its name (``ttft`` is
not one, ``time_to_first_token`` is). The metrics are asked at once, a fixed number of
queries each.

:func:`goodput` bounds the share of requests meeting every target at once. Separate
histograms cannot say which requests were fast on both counts, so only the Fréchet bounds
hold: ``[max(0, a + b - 1), min(a, b)]`` for shares ``a`` and ``b`` (for n metrics
``[max(0, sum - (n - 1)), min]``), taken over what the counts prove of each share. They
treat every share as one of the same requests; an inter-token latency histogram counts
token gaps, not requests, so its share stands for the requests' only approximately.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import connect
from p95kit.prometheus.fanout import run_all
from p95kit.query import estimators, presets
from p95kit.query.frame_warnings import warn_missing_series
from p95kit.query.latency import TimeLike
from p95kit.slo.evaluate import evaluate
from p95kit.slo.latency_slo import finish
from p95kit.slo.parameters import check_policy, slo_target
from p95kit.slo.policy import Policy
from p95kit.slo.thresholds import bound_records
from p95kit.times import parse_time

#: Metrics judged at once (each asks two queries and a ``le`` lookup).
METRICS_AT_ONCE = 3


def resolve_thresholds(
    thresholds: Mapping[str, float] | Sequence[tuple[str, float]], preset: str | None = None
) -> dict[str, float]:
    """``{metric name: threshold ms}`` from names or, with a ``preset``, unique parts of its
    metrics' names (``time_to_first_token``, ``e2e``); the key ``""`` is the preset's first
    metric (or ``request_duration_seconds``)."""
    chosen = presets.get(preset)
    names = [m.name for m in chosen.metrics] if chosen else []
    items = thresholds.items() if isinstance(thresholds, Mapping) else thresholds
    out: dict[str, float] = {}
    for key, value in items:
        name = str(key).strip()
        if not name:
            name = names[0] if names else "request_duration_seconds"
        elif name not in names and chosen:
            matching = [n for n in names if name in n]
            if len(matching) != 1:
                raise InvalidParameterError(
                    "threshold_ms",
                    f"{name!r} names {'no' if not matching else 'more than one'} metric of "
                    f"preset {chosen.name}; use one of {', '.join(names)} (or a unique part "
                    "of it), e.g. time_to_first_token=500",
                )
            name = matching[0]
        if name in out:
            raise InvalidParameterError("threshold_ms", f"two thresholds for {name}")
        out[name] = value  # type: ignore[assignment]
    if not out:
        raise InvalidParameterError(
            "threshold_ms", "give a threshold per metric, e.g. {'time_to_first_token': 500}"
        )
    return out


def slo_metrics(
    thresholds: Mapping[str, float] | Sequence[tuple[str, float]],
    *,
    objective: float = 99.0,
    window: str = "30d",
    preset: str | None = None,
    model_label: str | None = None,
    prometheus_url: str | None = None,
    at: TimeLike = None,
    client=None,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    unit: str | None = None,
    estimator: str = estimators.ACCURATE,
    policy: Policy | None = None,
) -> pd.DataFrame:
    """One SLO per metric: ``thresholds`` maps each metric (or, with ``preset``, a unique
    part of one of its metrics' names) to its threshold in ms; the other parameters are
    :func:`p95kit.slo`'s, shared by every metric (``model_label`` and ``unit`` None: the
    preset's, else ``model`` and ``auto``).

    Columns: ``metric_name`` (str), then :func:`p95kit.slo`'s, one row per metric and model
    (metrics in the order given, models sorted). ``frame.attrs["alerts"]`` and
    ``attrs["bounds"]`` carry a ``metric_name`` too; :func:`goodput` bounds the share of
    requests meeting every target."""
    wanted = resolve_thresholds(thresholds, preset)
    entries = presets.resolve(preset, list(wanted), model_label=model_label, unit=unit)
    resolved = {r.metric_name: r for r in entries}
    jobs = []
    for name, threshold in wanted.items():
        entry = resolved[name]
        if entry.histogram == "summary":
            raise InvalidParameterError(
                "threshold_ms", f"{name} is a summary: an SLO needs a histogram's buckets"
            )
        target, goal = slo_target(
            name, threshold, objective, window, entry.model_label, models, selector, entry.unit
        )
        jobs.append((target, goal, check_policy(policy, goal)))
    how = estimators.estimator(estimator)
    when = parse_time(at, "at")
    with connect(prometheus_url, client) as prom:
        found = run_all(
            [lambda j=j: evaluate(prom, j[0], j[1], when, how, j[2]) for j in jobs],
            workers=min(len(jobs), METRICS_AT_ONCE),
        )
        parts = []
        for (target, _, _), one in zip(jobs, found):
            part = finish(one.frame(), one, target, prom)
            parts.append(warn_missing_series(part, target))
    return _combined(parts, [j[0].metric_name for j in jobs], found)


def _combined(parts: list[pd.DataFrame], names: list[str], found) -> pd.DataFrame:
    frames = []
    for name, part in zip(names, parts):
        part = part.copy()
        part.insert(0, "metric_name", pd.Series([name] * len(part), dtype="str"))
        frames.append(part)
    frame = pd.concat(frames, ignore_index=True)
    frame["metric_name"] = frame["metric_name"].astype("str")
    first = parts[0].attrs
    keep = ("objective", "window", "at", "estimator", "policy", "prometheus_url", "selector")
    frame.attrs = {k: first[k] for k in keep if k in first}
    frame.attrs.update(
        kind="slo_metrics",
        metric_names=names,
        thresholds={n: p.attrs["threshold_ms"] for n, p in zip(names, parts)},
        model_labels={n: p.attrs["model_label"] for n, p in zip(names, parts)},
        queries={n: p.attrs["queries"] for n, p in zip(names, parts)},
        alerts=[{"metric_name": n, **a} for n, p in zip(names, parts) for a in p.attrs["alerts"]],
        bounds=[
            r for n, one in zip(names, found) for r in bound_records(one.models, one.bounds, n)
        ],
        warnings=[w for p in parts for w in p.attrs.get("warnings", [])],
        infos=[i for p in parts for i in p.attrs.get("infos", [])],
    )
    return frame


def goodput(frame: pd.DataFrame, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Bounds on the share of each model's requests that meet every metric's target at
    once, from a :func:`slo_metrics` frame (``metrics``: which of its metrics; default all).

    Columns, one row per model (sorted): ``model`` (str), ``metrics`` (int, how many
    shares were combined), ``goodput_low`` and ``goodput_high`` (0-1: ``max(0, sum of the
    proven lows - (n - 1))`` and the smallest proven high; NaN when the model has no
    traffic in one of the metrics or lacks one). Separate histograms cannot say more (see
    the module)."""
    if "metric_name" not in frame.columns:
        raise InvalidParameterError(
            "frame", "goodput needs a frame returned by p95kit.slo_metrics (a metric_name column)"
        )
    chosen = list(metrics) if metrics is not None else list(dict.fromkeys(frame["metric_name"]))
    rows = frame[frame["metric_name"].isin(chosen)]
    models = sorted(set(rows["model"]))
    low, high = [], []
    for model in models:
        mine = rows[rows["model"] == model]
        lows = mine["good_share_low"].to_numpy(dtype=np.float64)
        highs = mine["good_share_high"].to_numpy(dtype=np.float64)
        complete = len(mine) == len(chosen) and np.isfinite(lows).all()
        low.append(max(0.0, lows.sum() - (len(lows) - 1)) if complete else np.nan)
        high.append(float(highs.min()) if complete else np.nan)
    out = pd.DataFrame(
        {
            "model": pd.Series(models, dtype="str"),
            "metrics": np.full(len(models), len(chosen), dtype=np.int64),
            "goodput_low": np.array(low, dtype=np.float64),
            "goodput_high": np.array(high, dtype=np.float64),
        }
    )
    out.attrs.update(kind="goodput", metric_names=chosen)
    return out
