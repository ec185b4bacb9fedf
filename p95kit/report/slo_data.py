"""What an SLO adds to a report's data: two questions, and each model judged at the window's end.

With ``--slo-ms X --objective P`` the report's window is the SLO's window: its buckets are
already fetched for the percentiles (:mod:`p95kit.query.window`), so the SLO adds two
questions per metric, asked in the same pool (:func:`slo_tasks`): the burn windows' counts
(:mod:`p95kit.slo.burn_windows`, one query) and the budget burning down over the window at
the report's step (:mod:`p95kit.slo.burndown`, one range query). :func:`judge` combines
them (:func:`p95kit.slo.evaluate.combine`) into the summary's SLO columns, ``meta["slo"]``
and the budget frame saved as ``budget.json``.

Choices, said in the report's SLO section: shares between bucket bounds are the ``smooth``
estimate (:data:`p95kit.query.estimators.ACCURATE`, whatever ``--estimator`` reads the
percentiles with), inside the bounds the counts prove; burn status follows
:func:`p95kit.slo.policy.policy_for`, as ``p95kit.slo`` and the rules do (the SRE workbook's
tiers, whatever the report's window).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from p95kit.prometheus.client import Prometheus
from p95kit.query import estimators
from p95kit.query.window_histograms import WindowHistograms
from p95kit.report.plan import Plan
from p95kit.slo.burndown import fetch_burndown
from p95kit.slo.evaluate import combine, fetch_burn
from p95kit.slo.policy import Objective, make_objective, policy_for
from p95kit.slo.thresholds import bound_records


def objective_of(p: Plan) -> Objective:
    """The SLO of a plan with ``slo_ms``: over the report's window."""
    return make_objective(p.slo_ms, p.objective, p.duration)


def slo_tasks(client: Prometheus, p: Plan) -> dict[str, Callable[[], Any]]:
    """The SLO's questions of one metric (none without ``slo_ms``)."""
    if not p.slo_ms:
        return {}
    goal = objective_of(p)
    return {
        "slo_burn": lambda: fetch_burn(client, p.target, goal, p.end, policy_for(goal)),
        "slo_budget": lambda: fetch_burndown(
            client, p.target, goal, p.end, p.step_s, estimators.ACCURATE
        ),
    }


@dataclass
class Judged:
    """Each model judged at the window's end: the :func:`p95kit.slo` ``frame``, what goes to
    ``meta["slo"]``, the PromQL asked, warnings, and the budget over the window."""

    frame: pd.DataFrame
    meta: dict[str, Any]
    queries: dict[str, str]
    warnings: list[str]
    budget: pd.DataFrame


def judge(p: Plan, histograms: WindowHistograms | None, results: dict[str, Any]) -> Judged | None:
    """The SLO's numbers from the window's ``histograms`` and the answers of
    :func:`slo_tasks` (None without ``slo_ms``)."""
    if not p.slo_ms:
        return None
    goal = objective_of(p)
    burn = results["slo_burn"]
    policy = policy_for(goal)
    found = combine(histograms, burn, goal, policy, estimators.ACCURATE, p.end)
    warnings = []
    if histograms is None:
        warnings.append(
            f"SLO: {p.target.metric_name} has native histograms; the SLO section needs "
            "classic buckets (le), so it is empty"
        )
    meta = {
        "threshold_ms": goal.threshold_ms,
        "objective": goal.objective,
        "window": goal.window,
        "estimator": found.estimator,
        "policy": {
            "tiers": [asdict(t) for t in policy.tiers],
            "min_bad_requests": policy.min_bad_requests,
        },
        "alerts": [f.record() for f in found.firing],
        "bounds": bound_records(found.models, found.bounds),
    }
    budget = results["slo_budget"]
    budget.attrs.update(threshold_ms=goal.threshold_ms, objective=goal.objective)
    budget.attrs.update(window=goal.window, step=p.step)
    queries = {"SLO burn windows": found.queries["burn"]}
    return Judged(found.frame(), meta, queries, warnings, budget)
