"""The error budget burning down over an SLO window, per model: ``p95kit.budget_over_time``.

Each point ``t`` says how much of the window's budget the requests from the window's start
up to ``t`` have spent: ``1 - bad(start, t] / (requests(start, end] x (1 - objective/100))``.
It starts at 1, only falls, and ends at the budget the whole window leaves (the one
:func:`p95kit.slo` reports, within ``increase``'s extrapolation). One range query, whatever
the number of models::

    sum by (le, <model>) (increase(<metric>_bucket{le=~"<threshold spellings>|\\+Inf"}[<step>]))

at ``start + step, ..., end``: each point counts the requests of its own step, added up here
(every bucket and the ``_sum`` when the threshold lies between bounds; the estimator reads
each step's share, as for the burn rates).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from p95kit.durations import align, choose_step, format_duration, normalize_duration
from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import Prometheus, connect
from p95kit.prometheus.range_answers import from_lists
from p95kit.query import estimators, frames, window_histograms
from p95kit.query.frame_warnings import warn_missing_series
from p95kit.query.histogram import Histogram
from p95kit.query.latency import TimeLike
from p95kit.query.target import Target
from p95kit.slo import burn_windows
from p95kit.slo.parameters import slo_target
from p95kit.slo.policy import Objective
from p95kit.times import parse_time

#: The columns of :func:`budget_over_time`'s frame, in order.
COLUMNS = ("model", "timestamp", "requests", "bad_requests", "budget_remaining")


def budget_over_time(
    metric_name: str = "request_duration_seconds",
    threshold_ms: float | None = None,
    *,
    objective: float = 99.0,
    window: str = "30d",
    step: str | None = None,
    model_label: str = "model",
    prometheus_url: str | None = None,
    end: TimeLike = None,
    client: Prometheus | None = None,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    unit: str = "auto",
    estimator: str = estimators.ACCURATE,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The error budget of the SLO (as :func:`p95kit.slo`'s parameters say) burning down
    over the ``window`` before ``end``, one point per ``step`` (default: chosen from the
    window, 30d -> 3h; ``end`` is floored to the step).

    Columns, sorted by model, then time: ``model`` (str), ``timestamp`` (datetime64[ns,
    UTC]), ``requests`` and ``bad_requests`` (float64, from the window's start up to the
    point), ``budget_remaining`` (``1 - bad_requests / (the window's requests x (1 -
    objective/100))``: 1 at the start, the window's budget left at the end; 1.0 throughout
    for a model without requests). Draw it with :func:`p95kit.plot_budget`."""
    target, goal = slo_target(
        metric_name, threshold_ms, objective, window, model_label, models, selector, unit
    )
    how = estimators.estimator(estimator)
    step_s = _step(step, goal)
    stop = align(parse_time(end, "end"), step_s)
    with connect(prometheus_url, client) as prom:
        frame = fetch_burndown(prom, target, goal, stop, step_s, how, progress=progress)
    frame.attrs.update(
        kind="budget_over_time",
        **target.attrs(),
        threshold_ms=goal.threshold_ms,
        objective=goal.objective,
        window=goal.window,
        step=format_duration(step_s),
        end=stop,
        estimator=how,
    )
    return warn_missing_series(frame, target)


def _step(step: str | None, goal: Objective) -> float:
    if step is None:
        return choose_step(goal.window_s)
    text, seconds = normalize_duration(step, "step")
    if seconds > goal.window_s:
        raise InvalidParameterError(
            "step", f"step ({text}) must not exceed window ({goal.window}), e.g. step=1h"
        )
    return seconds


def fetch_burndown(
    prom: Prometheus,
    target: Target,
    goal: Objective,
    stop: float,
    step_s: float,
    estimator: str,
    *,
    progress: bool | None = False,
) -> pd.DataFrame:
    """The :func:`budget_over_time` frame (no ``attrs``) for validated parameters; ``stop``
    is aligned to ``step_s``."""
    start = stop - goal.window_s
    points = round(goal.window_s / step_s)
    first = stop - (points - 1) * step_s
    spellings = burn_windows.threshold_spellings(prom, target, goal.threshold_ms, start, stop)
    text = burn_windows.window_query(target, format_duration(step_s), spellings)
    result = prom.query_range(text, first, stop, step_s, progress=progress)
    layout = window_histograms.Layout.of(result.result, target.model_label, "histograms")
    columns = result.columns or from_lists(result.result)
    offsets = np.concatenate([[0], np.cumsum(columns.lengths)]).astype(np.int64)
    shares = estimators.get(estimator).implementation().shares
    parts = []
    for model in sorted(layout.buckets if layout is not None else {}):

        def grid(indexes: list[int]) -> np.ndarray:
            total = np.zeros(points)
            for index in indexes:
                lo, hi = offsets[index], offsets[index + 1]
                at = np.rint((columns.stamps[lo:hi] - first) / step_s).astype(np.int64)
                np.add.at(total, at, np.nan_to_num(columns.values[lo:hi]))
            return total

        by_bound = layout.buckets[model]
        bounds = sorted(by_bound)
        cumulative = np.stack([grid(by_bound[b]) for b in bounds], axis=1)
        sums = grid(layout.sums[model]) if model in layout.sums else None
        hist = Histogram.of(np.array(bounds), cumulative, sums, scale=target.scale)
        requests = np.nan_to_num(hist.requests, nan=0.0)
        with np.errstate(invalid="ignore"):
            bad = np.where(requests > 0, requests * (1.0 - shares(hist, goal.threshold_ms)), 0.0)
        parts.append((model, np.cumsum(requests), np.cumsum(np.nan_to_num(bad))))
    return _frame(parts, first, step_s, points, goal.budget)


def _frame(parts: list, first: float, step_s: float, points: int, budget: float) -> pd.DataFrame:
    stamps = first + step_s * np.arange(points)
    models, requests, bad = [], [], []
    for model, seen, spent in parts:
        models += [model] * points
        requests.append(seen)
        bad.append(spent)
    requests_all = np.concatenate(requests) if requests else np.empty(0)
    bad_all = np.concatenate(bad) if bad else np.empty(0)
    totals = np.repeat([seen[-1] for _, seen, _ in parts], points) if parts else np.empty(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(totals > 0, 1.0 - bad_all / (totals * budget), 1.0)
    frame = pd.DataFrame({"model": pd.Series(models, dtype="str")})
    frame["timestamp"] = frames.to_timestamps(np.tile(stamps, len(parts)))
    frame["requests"] = requests_all
    frame["bad_requests"] = bad_all
    frame["budget_remaining"] = left
    return frame[list(COLUMNS)]
