"""``p95kit.compare``: is the candidate (a new model version) slower than the baseline?

A canary or an A/B test (two selectors over the same window) or a deploy (one selector,
before and after): per model, both sides' requests and P50/P95/P99, the P95 change, a
p-value and a verdict with its reason, from the bucket counts as the per-request sample they
are (see :mod:`p95kit.compare`; docs/COMPARE.md for the tests and why).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from p95kit.compare import parameters
from p95kit.compare.fetch import fetch_sides
from p95kit.compare.pairs import compare_frame
from p95kit.prometheus.client import Prometheus, connect
from p95kit.query import estimators
from p95kit.query.frame_warnings import add_warnings, missing_models
from p95kit.query.shapes import explain_if_empty

TimeLike = parameters.TimeLike


def compare(
    metric_name: str = "request_duration_seconds",
    baseline: str | None = None,
    candidate: str | None = None,
    time_range: str = "1h",
    model_label: str = "model",
    prometheus_url: str | None = None,
    at: TimeLike = None,
    client: Prometheus | None = None,
    *,
    baseline_at: TimeLike = None,
    max_slowdown_pct: float = 10.0,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    histogram: str = "auto",
    unit: str = "auto",
    confidence: float = 95.0,
    alternative: str = "two-sided",
    looks: int = 1,
    scrape_interval: str | None = None,
) -> pd.DataFrame:
    """Per model: is the candidate slower than the baseline at P95, and do the buckets show it?

    ``baseline`` and ``candidate`` are label selectors (``'version="v1"'``,
    ``'version="v2"'``) over the ``time_range`` before ``at``; with ``baseline_at`` (a time,
    or a duration before ``at`` such as ``"1d"``) the baseline is the same selector
    (``candidate``, else ``baseline``, else every series) over the window before that time.
    ``selector`` narrows both sides; ``models`` limits the models (and each is a row, traffic
    or not).

    Columns, one row per model, sorted: ``model`` (str), ``requests_baseline``,
    ``requests_candidate`` (float64: ``increase()`` over the window, not always integers),
    ``p50_baseline``, ``p50_candidate``, ``p95_baseline``, ``p95_candidate``,
    ``p99_baseline``, ``p99_candidate`` (float64 ms, the accurate estimator's; NaN for a side
    without requests), ``p95_change_pct`` (float64, candidate over baseline, %),
    ``p_value`` (float64: the change's direction, two-sided unless
    ``alternative="slower"``; significant when <= ``(1 - confidence/100) / looks``),
    ``verdict`` (str: ``slower``, ``faster``, ``no_change`` or ``inconclusive``), ``reason``
    (str); then the evidence: ``power`` (0-1, to see a ``max_slowdown_pct`` slowdown with
    these requests), ``requests_needed_baseline``, ``requests_needed_candidate`` (for 80 %
    power at the current split; inf when no number would do), ``tail_bound_ms`` (the bound
    nearest the pooled P95, tested), ``tail_share_baseline``, ``tail_share_candidate``
    (0-1 above it), ``prob_candidate_slower`` (0-1: a candidate request is the slower of a
    pair).

    ``slower``: the P95 grew by more than ``max_slowdown_pct`` and the counts show the
    candidate slower at ``confidence`` %; ``faster`` the mirror (never with
    ``alternative="slower"``); ``no_change``: enough requests to have seen a slowdown of
    ``max_slowdown_pct`` (80 % power) and no P95 change beyond it; ``inconclusive``: too few
    requests, or buckets too coarse; ``reason`` says which and what each side would need.
    ``looks``: how many times a growing window will be checked (the level is divided by it).
    ``scrape_interval`` (e.g. ``"15s"``): counts are scaled by ``(W - interval) / W``, undoing
    ``increase()``'s extrapolation in the number of requests. ``frame.attrs`` holds the
    parameters, both queries, and Prometheus's warnings.
    """
    plan = parameters.plan(
        metric_name,
        baseline,
        candidate,
        time_range,
        model_label,
        at,
        baseline_at=baseline_at,
        max_slowdown_pct=max_slowdown_pct,
        models=models,
        selector=selector,
        histogram=histogram,
        unit=unit,
        confidence=confidence,
        alternative=alternative,
        looks=looks,
        scrape_interval=scrape_interval,
    )
    with connect(prometheus_url, client) as prom:
        fetched = fetch_sides(prom, plan)
        names = [*fetched.models, *plan.baseline.target.models]
        frame = compare_frame(names, fetched.baseline, fetched.candidate, plan.rules)
        frame.attrs.update(
            plan.attrs,
            estimator=estimators.ACCURATE,
            queries=fetched.queries,
            prometheus_url=prom.safe_url,
            warnings=list(fetched.warnings),
        )
        if frame.empty:
            start = plan.baseline.when - plan.window_s - 86400
            frame = explain_if_empty(prom, frame, plan.candidate.target, start, plan.candidate.when)
    found = [m for m in frame["model"] if m in fetched.baseline or m in fetched.candidate]
    target = plan.candidate.target
    notes = missing_models(target.models, found, target.metric_name)
    if frame.empty and not frame.attrs.get("warnings"):
        notes.append(
            f"no {target.metric_name} series with a {target.model_label!r} label matched the "
            "baseline or the candidate selector; check them (p95kit models lists the models)"
        )
    return add_warnings(frame, notes)
