"""The public SLO questions: ``p95kit.slo`` (budget and status per model) and
``p95kit.burn_rates`` (the burn rate per model and window).

Both validate every parameter before anything is sent (:class:`~p95kit.errors.InvalidParameterError`
names the one at fault), ask the fixed number of questions of :func:`p95kit.slo.evaluate.evaluate`
whatever the number of models, and return frames whose ``attrs`` carry the parameters, the
PromQL, Prometheus's warnings, the tiers that fire (``alerts``) and the bucket bounds around
the threshold per model (``bounds``, read by :func:`p95kit.slo_advice`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict

import pandas as pd

from p95kit.prometheus.client import Prometheus, connect
from p95kit.query import estimators
from p95kit.query.frame_warnings import add_warnings, warn_missing_series
from p95kit.query.latency import TimeLike
from p95kit.query.shapes import explain_if_empty
from p95kit.query.target import Target
from p95kit.slo.evaluate import Evaluation, evaluate
from p95kit.slo.parameters import check_policy, slo_target
from p95kit.slo.policy import Objective, Policy, describe
from p95kit.slo.thresholds import bound_records
from p95kit.times import parse_time


def slo(
    metric_name: str = "request_duration_seconds",
    threshold_ms: float | None = None,
    *,
    objective: float = 99.0,
    window: str = "30d",
    model_label: str = "model",
    prometheus_url: str | None = None,
    at: TimeLike = None,
    client: Prometheus | None = None,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    unit: str = "auto",
    estimator: str = estimators.ACCURATE,
    policy: Policy | None = None,
) -> pd.DataFrame:
    """Is each model keeping its latency SLO, and how much error budget is left?

    The SLO: ``objective`` % of requests at or under ``threshold_ms`` over the ``window``
    before ``at`` (default now), counted from the histogram's buckets (classic histograms).

    Columns, one row per model sorted by model: ``model`` (str), ``requests`` (float64,
    requests in the window), ``good_share`` (0-1, the share at or under the threshold as
    ``estimator`` reads the buckets), ``good_share_low`` and ``good_share_high`` (what the
    bucket counts prove: all three equal when the threshold is a bucket bound, matched as a
    number so ``le="2"``, ``"2.0"`` and ``"2e+00"`` all count), ``objective`` (percent),
    ``budget_remaining`` (``1 - bad / (requests x (1 - objective/100))``: 1 untouched, 0
    spent, negative overspent), ``burn_rate_1h`` and ``burn_rate_6h`` (the bad share over
    that window / ``(1 - objective/100)``), ``status`` (``ok``, ``burning``, ``exhausted``,
    ``no traffic``), ``timestamp`` (datetime64[ns, UTC], ``at``), ``threshold_ms`` (float64)
    and ``window`` (str).

    Every count is a ratio of sums over the window's requests. A model without requests in
    the window is ``no traffic``: ``good_share`` NaN, budget 1.0, burn rates 0. ``status``
    is ``burning`` when a tier of ``policy`` fires at ``at`` (default: the SRE workbook's
    multiwindow, multi-burn-rate tiers, :func:`p95kit.slo.policy.policy_for` the window:
    page on 14.4x over 1h and 5m or 6x over 6h and 30m, ticket on 3x over 1d and 2h or 1x
    over 3d and 6h for 30 days), each tier needing at least 3 bad requests in its long
    window (the low-traffic guard); ``burning`` wins over ``exhausted`` (budget remaining
    <= 0). Burn rates when the threshold lies between bounds use ``estimator``'s share.
    ``frame.attrs["alerts"]`` lists the tiers that fire. See :func:`burn_rates` for every
    window's numbers and :func:`p95kit.slo_advice` for the bounds around the threshold.
    """
    target, goal = slo_target(
        metric_name, threshold_ms, objective, window, model_label, models, selector, unit
    )
    with _evaluated(prometheus_url, client, target, goal, estimator, at, policy) as (prom, found):
        frame = finish(found.frame(), found, target, prom)
        frame = explain_if_empty(prom, frame, target, found.when - goal.window_s, found.when)
    return warn_missing_series(frame, target)


def burn_rates(
    metric_name: str = "request_duration_seconds",
    threshold_ms: float | None = None,
    *,
    objective: float = 99.0,
    window: str = "30d",
    model_label: str = "model",
    prometheus_url: str | None = None,
    at: TimeLike = None,
    client: Prometheus | None = None,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    unit: str = "auto",
    estimator: str = estimators.ACCURATE,
    policy: Policy | None = None,
) -> pd.DataFrame:
    """The burn rate of each model over each window of the burn-rate ``policy`` (the
    workbook's: 5m, 30m, 1h, 2h, 6h, 1d, 3d), all ending at ``at``; parameters as
    :func:`slo`'s.

    Columns, one row per model and window (sorted by model, then shortest window first):
    ``model`` (str), ``window`` (str), ``requests`` (float64, requests in the window),
    ``bad_requests`` (float64, over the threshold), ``good_share`` (0-1; NaN without
    requests), ``burn_rate`` (``(1 - good_share) / (1 - objective/100)``; 0 without
    requests), ``timestamp`` (``at``). ``frame.attrs["alerts"]`` lists the tiers that fire
    (each with its burn rates and the bad requests in its long window).
    """
    target, goal = slo_target(
        metric_name, threshold_ms, objective, window, model_label, models, selector, unit
    )
    with _evaluated(prometheus_url, client, target, goal, estimator, at, policy) as (prom, found):
        frame = finish(found.burn_frame(), found, target, prom, kind="burn_rates")
    return warn_missing_series(frame, target)


@contextmanager
def _evaluated(
    prometheus_url: str | None,
    client: Prometheus | None,
    target: Target,
    goal: Objective,
    estimator: str,
    at: TimeLike,
    policy: Policy | None,
) -> Iterator[tuple[Prometheus, Evaluation]]:
    """Validate the rest (``estimator``, ``at``, ``policy``), connect and judge the SLO at
    ``at``; yields the client (still open) and the :class:`Evaluation`."""
    how = estimators.estimator(estimator)
    when = parse_time(at, "at")
    chosen = check_policy(policy, goal)
    with connect(prometheus_url, client) as prom:
        yield prom, evaluate(prom, target, goal, when, how, chosen)


def finish(
    frame: pd.DataFrame, found: Evaluation, target: Target, prom: Prometheus, kind: str = "slo"
) -> pd.DataFrame:
    """Put the parameters, queries, alerts and bounds in ``frame.attrs``; warn about tiers
    that cannot fire."""
    goal = found.objective
    frame.attrs.update(
        kind=kind,
        **target.attrs(),
        threshold_ms=goal.threshold_ms,
        objective=goal.objective,
        window=goal.window,
        at=found.when,
        estimator=found.estimator,
        policy={
            "tiers": [asdict(t) for t in found.policy.tiers],
            "min_bad_requests": found.policy.min_bad_requests,
        },
        queries=dict(found.queries),
        query=found.queries.get("window", ""),
        prometheus_url=prom.safe_url,
        alerts=[f.record() for f in found.firing],
        bounds=bound_records(found.models, found.bounds),
        warnings=list(found.warnings),
        infos=list(found.infos),
    )
    notes = [
        f"at objective {goal.objective:g} % the tier '{describe(t)}' can never fire "
        "(it needs more bad requests than there are requests)"
        for t in found.policy.unreachable(goal)
    ]
    return add_warnings(frame, notes)
