"""What an SLO question asks, validated before anything is sent.

Every SLO question (:func:`p95kit.slo`, :func:`p95kit.burn_rates`,
:func:`p95kit.budget_over_time`, :func:`p95kit.slo_metrics`, :func:`p95kit.slo_rules`,
:func:`p95kit.slo_backtest`) measures a classic histogram against an objective:
:func:`slo_target` validates both, in that order, and :func:`check_policy` the burn-rate
policy. Every invalid value raises :class:`~p95kit.errors.InvalidParameterError` naming
the parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

from p95kit.errors import InvalidParameterError
from p95kit.query.target import Target, make_target
from p95kit.slo.policy import Objective, Policy, make_objective, policy_for


def slo_target(
    metric_name: str,
    threshold_ms: object,
    objective: object,
    window: str,
    model_label: str,
    models: Sequence[str] | None,
    selector: str | None,
    unit: str,
) -> tuple[Target, Objective]:
    """The SLO's target (a classic histogram: SLOs count requests from its buckets) and its
    objective (``threshold_ms``, ``objective`` %, ``window``)."""
    target = make_target(metric_name, model_label, models, selector, "classic", unit)
    return target, make_objective(threshold_ms, objective, window)


def check_policy(policy: Policy | None, goal: Objective) -> Policy:
    """``policy``, or the workbook's tiers for ``goal``'s window when None."""
    if policy is None:
        return policy_for(goal)
    if not isinstance(policy, Policy):
        raise InvalidParameterError(
            "policy",
            "policy must be a p95kit.slo.policy.Policy, e.g. policy=WORKBOOK.only('page'); "
            f"got {policy!r}",
        )
    return policy
