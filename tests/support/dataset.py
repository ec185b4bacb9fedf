"""The known-answer dataset served by the ``prom`` fixture, and an independent
``histogram_quantile`` to compute what Prometheus must answer.

Every expected number comes from the per-step counts below through
:func:`expected_quantile`; tests never hard-code results. Counts are NON-cumulative, one per
bucket ``(previous bound, bound]`` and a last one for the ``+Inf`` overflow. The counts at
timestamp t are the observations made in ``(t - STEP, t]``, so ``rate(x[5m])`` at t sees
exactly ``counts(t)`` per step whenever the distribution is constant over ``(t - 5m, t]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from p95kit.demo.local_prometheus import OpenMetricsWriter

END = 1795219200  # 2026-11-21T00:00:00Z, the last sample
SPAN = 48 * 3600  # reports compare the last 24 h with the 24 h before
START = END - SPAN  # the first sample
STEP = 60
DRIFT_AT = END - 12 * 3600  # drifting-model: distribution A up to here (inclusive), B after

SECONDS_BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)  # le="1.0"
MS_BOUNDS = (5, 10, 25, 50, 100, 250, 500, 1000)  # ints: le="5", as Go clients write them

REQUEST_METRIC = "request_duration_seconds"  # label model (+ env, instance)
SERVICE_METRIC = "api_response_time_seconds"  # label service instead of model
MS_METRIC = "inference_latency_ms"  # label model, bounds in milliseconds
SUMMARY_METRIC = "rpc_duration_seconds"  # a summary: label model, two instances

HOSTILE_MODEL = "<img src=x onerror=alert(1)>\"q\\uote'"  # HTML, ", ', one backslash
UNICODE_MODEL = "模型-ü"
INF = math.inf


def per_bucket(bounds: Sequence[float], by_upper: Mapping[float, int]) -> tuple[int, ...]:
    """Non-cumulative counts from ``{upper bound: count}`` (``INF`` for the overflow)."""
    uppers = [*bounds, INF]
    if not set(by_upper) <= set(uppers):
        raise ValueError(f"unknown bounds {set(by_upper) - set(uppers)}")
    return tuple(by_upper.get(upper, 0) for upper in uppers)


@dataclass(frozen=True)
class Hist:
    """One histogram series set: its labels and its per-step counts (before/after DRIFT_AT)."""

    metric: str
    labels: dict[str, str]
    bounds: tuple[float, ...]
    before: tuple[int, ...]
    after: tuple[int, ...] | None = field(default=None)

    def counts(self, t: int) -> tuple[int, ...]:
        """Per-step counts observed in ``(t - STEP, t]``."""
        return self.after if self.after is not None and t > DRIFT_AT else self.before


def _req(
    model: str,
    counts: Mapping[float, int],
    env: str = "prod",
    instance: str = "api-1:9090",
    after: Mapping[float, int] | None = None,
) -> Hist:
    labels = {"model": model, "env": env, "instance": instance}
    later = per_bucket(SECONDS_BOUNDS, after) if after is not None else None
    return Hist(REQUEST_METRIC, labels, SECONDS_BOUNDS, per_bucket(SECONDS_BOUNDS, counts), later)


def _other(
    metric: str, label: str, value: str, bounds: tuple[float, ...], counts: Mapping[float, int]
) -> Hist:
    labels = {label: value, "env": "prod", "instance": "api-1:9090"}
    return Hist(metric, labels, bounds, per_bucket(bounds, counts))


HISTOGRAMS: list[Hist] = [
    # gpt-4 is split over two instances; summed it is 10/30/50/10 -> p95 = 0.375 s.
    _req("gpt-4", {0.05: 6, 0.1: 20, 0.25: 30, 0.5: 4}),
    _req("gpt-4", {0.05: 4, 0.1: 10, 0.25: 20, 0.5: 6}, instance="api-2:9090"),
    _req("gpt-3.5-turbo", {0.005: 5, 0.01: 20, 0.025: 40, 0.05: 25, 0.1: 8, 0.25: 2}),
    _req("claude-3", {0.1: 5, 0.25: 15, 0.5: 30, 1.0: 30, 2.5: 13, 5.0: 7}),
    _req("idle-model", {}),  # series exist, no traffic: histogram_quantile gives NaN
    _req("slow-model", {5.0: 2, 10.0: 3, INF: 95}),  # p95 in +Inf: the top bound, 10
    _req("drifting-model", {0.1: 20, 0.25: 60, 0.5: 20}, after={0.5: 20, 1.0: 50, 2.5: 30}),
    _req(HOSTILE_MODEL, {0.025: 10, 0.05: 40, 0.1: 40, 0.25: 10}),
    _req(UNICODE_MODEL, {0.25: 30, 0.5: 40, 1.0: 20, 2.5: 10}),
    _req("staging-model", {0.05: 50, 0.1: 50}, env="staging"),
    _other(SERVICE_METRIC, "service", "checkout", SECONDS_BOUNDS, {0.1: 30, 0.25: 40, 0.5: 30}),
    _other(SERVICE_METRIC, "service", "search", SECONDS_BOUNDS, {0.01: 30, 0.025: 60, 0.05: 10}),
    _other(MS_METRIC, "model", "gpt-4", MS_BOUNDS, {50: 10, 100: 30, 250: 50, 500: 10}),
    _other(MS_METRIC, "model", "claude-3", MS_BOUNDS, {250: 20, 500: 50, 1000: 30}),
]

# Summary series: (labels, {quantile: value}, observations per step).
SUMMARIES: list[tuple[dict[str, str], dict[float, float], int]] = [
    ({"model": "gpt-4", "instance": "api-1:9090"}, {0.5: 0.12, 0.9: 0.3, 0.99: 0.8}, 100),
    ({"model": "gpt-4", "instance": "api-2:9090"}, {0.5: 0.15, 0.9: 0.35, 0.99: 1.2}, 50),
    ({"model": "claude-3", "instance": "api-1:9090"}, {0.5: 0.4, 0.9: 0.9, 0.99: 2.0}, 20),
    ({"model": "claude-3", "instance": "api-2:9090"}, {0.5: 0.5, 0.9: 1.1, 0.99: 3.0}, 20),
]

_REQUESTS = [h for h in HISTOGRAMS if h.metric == REQUEST_METRIC]
REQUEST_MODELS = sorted({h.labels["model"] for h in _REQUESTS})
PROD_MODELS = sorted({h.labels["model"] for h in _REQUESTS if h.labels["env"] == "prod"})


def counts(metric: str = REQUEST_METRIC, t: int = END, **match: str) -> list[int]:
    """Per-step counts at ``t``, summed over the series of ``metric`` whose labels match."""
    chosen = [h for h in HISTOGRAMS if h.metric == metric and match.items() <= h.labels.items()]
    if not chosen:
        raise KeyError(f"no {metric} series with {match}")
    return [sum(column) for column in zip(*(h.counts(t) for h in chosen))]


def counts_between(after: int, until: int, metric: str = REQUEST_METRIC, **match: str) -> list[int]:
    """Counts observed in ``(after, until]``, as ``increase(x[until - after])`` at until sees."""
    steps = [counts(metric, t, **match) for t in range(after + STEP, until + 1, STEP)]
    return [sum(column) for column in zip(*steps)]


def bounds_of(metric: str) -> tuple[float, ...]:
    """The finite bucket bounds of a histogram metric."""
    return next(h.bounds for h in HISTOGRAMS if h.metric == metric)


# Per-step counts of every request_duration_seconds model at END (summed over instances).
REQUEST_COUNTS: dict[str, list[int]] = {m: counts(model=m) for m in REQUEST_MODELS}


def expected(q: float, metric: str = REQUEST_METRIC, t: int = END, **match: str) -> float:
    """What ``histogram_quantile(q, sum(rate(metric_bucket[5m])))`` answers at ``t``."""
    return expected_quantile(q, bounds_of(metric), counts(metric, t, **match))


def expected_quantile(q: float, bounds: Sequence[float], counts: Sequence[float]) -> float:
    """Prometheus 2.42 ``histogram_quantile`` on NON-cumulative ``counts`` (last: overflow).

    NaN without observations; the top finite bound when the rank falls in the +Inf bucket;
    linear interpolation inside a bucket, from 0 in the lowest one when its bound is > 0.
    """
    if len(counts) != len(bounds) + 1:
        raise ValueError("need one count per finite bound plus the +Inf overflow")
    if math.isnan(q):
        return math.nan
    if q < 0 or q > 1:
        return -math.inf if q < 0 else math.inf
    cumulative, running = [], 0.0
    for count in counts:
        running += count
        cumulative.append(running)
    total = cumulative[-1]
    if total == 0 or len(counts) < 2:
        return math.nan
    rank = q * total
    index = next((i for i, c in enumerate(cumulative[:-1]) if c >= rank), len(bounds))
    if index == len(bounds):
        return float(bounds[-1])
    if index == 0 and bounds[0] <= 0:
        return float(bounds[0])
    lower = bounds[index - 1] if index > 0 else 0.0
    below = cumulative[index - 1] if index > 0 else 0.0
    in_bucket = cumulative[index] - below
    if in_bucket == 0:  # only for q = 0 with an empty lowest bucket: Go computes 0/0
        return math.nan
    return lower + (bounds[index] - lower) * (rank - below) / in_bucket


def expected_mean(bounds: Sequence[float], counts: Sequence[float]) -> float:
    """``rate(_sum) / rate(_count)``: OpenMetricsWriter adds each bucket's middle to _sum
    (``bounds[0] / 2`` for the lowest, the top bound for the overflow)."""
    lowers = [0.0, *bounds[:-1]]
    middles = [(lo + hi) / 2 for lo, hi in zip(lowers, bounds)] + [bounds[-1]]
    total = sum(counts)
    return sum(c * m for c, m in zip(counts, middles)) / total if total else math.nan


def build(path: Path) -> Path:
    """Write the whole dataset as an OpenMetrics file for promtool; return ``path``."""
    writer = OpenMetricsWriter()
    for hist in HISTOGRAMS:
        increments = hist.counts if hist.after is not None else hist.before
        writer.add_histogram(hist.metric, hist.labels, hist.bounds, increments, START, END, STEP)
    for labels, quantiles, per_step in SUMMARIES:
        writer.add_summary(SUMMARY_METRIC, labels, quantiles, per_step, START, END, STEP)
    return writer.write(path)


def share_at(threshold_s: float, bounds: Sequence[float], counts: Sequence[float]) -> float:
    """The share of NON-cumulative ``counts`` at or under ``threshold_s``, a bucket bound
    (or ``INF``); NaN without observations."""
    total = sum(counts)
    good = sum(c for c, upper in zip(counts, [*bounds, INF]) if upper <= threshold_s * (1 + 1e-12))
    return good / total if total else math.nan


def linear_share(threshold_s: float, bounds: Sequence[float], counts: Sequence[float]) -> float:
    """What Prometheus 3.4's ``histogram_fraction`` (linear inside a bucket) answers for the
    share at or under ``threshold_s``, a value inside a finite bucket."""
    uppers = [*bounds]
    index = next(i for i, b in enumerate(uppers) if b >= threshold_s)
    lower = uppers[index - 1] if index else 0.0
    below = share_at(lower, bounds, counts) if index else 0.0
    above = share_at(uppers[index], bounds, counts)
    return below + (above - below) * (threshold_s - lower) / (uppers[index] - lower)
