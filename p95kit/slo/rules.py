"""``p95kit.slo_rules``: the alerting rules of a latency SLO, as the YAML people deploy.

``format="prometheus"`` is a rule file for Prometheus (``promtool check rules`` accepts it):
the recording rules and alerts of :class:`~p95kit.slo.rule_set.RuleSet`, in one group that
evaluates every ``step``. ``sloth``, ``pyrra`` and ``openslo`` are the specs those tools take
(:mod:`p95kit.slo.rule_formats`), one SLO grouped by the model label. Every output starts with
comments saying what the SLO is, which tiers and guard apply and, when ``nearest_bucket`` moved
the threshold to a bucket bound, which bound and what that changes.

The threshold must be a bucket bound (:mod:`p95kit.slo.bucket_bound`): the bounds are read from
Prometheus (``le`` values of the metric's buckets over the SLO ``window`` before ``end``), or
given as ``bounds_ms`` to generate rules without asking it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from p95kit.durations import parse_duration
from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import Prometheus, connect
from p95kit.query.target import Target
from p95kit.slo import rule_formats
from p95kit.slo.bucket_bound import resolve_bound
from p95kit.slo.parameters import slo_target
from p95kit.slo.policy import Objective, Policy, policy_for, severities
from p95kit.slo.rule_set import RuleSet, check_model_label, default_name, make_step, name_of
from p95kit.times import parse_time
from p95kit.validation import choice
from p95kit.version import __version__

FORMATS = ("prometheus", "sloth", "pyrra", "openslo")


@dataclass(frozen=True)
class Draft:
    """Every parameter validated, the bucket bound not yet known."""

    target: Target
    objective: Objective
    policy: Policy
    step: str
    name: str | None
    nearest_bucket: bool
    bounds_ms: tuple[float, ...] | None


def draft(
    metric_name: str,
    threshold_ms: object,
    objective: object,
    window: str,
    model_label: str,
    *,
    step: str | None = None,
    tiers: Sequence[str] | str = ("page", "ticket"),
    min_bad_requests: float = 3,
    nearest_bucket: bool = False,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    unit: str = "auto",
    name: str | None = None,
    bounds_ms: Sequence[float] | None = None,
) -> Draft:
    """Validate the parameters shared by :func:`slo_rules` and :func:`p95kit.slo_backtest`
    (InvalidParameterError names the one at fault; nothing is sent)."""
    target, slo = slo_target(
        metric_name, threshold_ms, objective, window, model_label, models, selector, unit
    )
    check_model_label(target)
    policy = policy_for(slo).only(severities(tiers)).with_guard(min_bad_requests)
    bounds = None
    if bounds_ms is not None:
        bounds = tuple(float(b) for b in bounds_ms)
        if not bounds or not all(b > 0 for b in bounds):
            raise InvalidParameterError(
                "bounds_ms", f"bounds_ms are bucket bounds in ms > 0, e.g. 500,1000; got {bounds}"
            )
    if name is not None:
        name_of(name, "")
    return Draft(target, slo, policy, make_step(step), name, bool(nearest_bucket), bounds)


def resolve(d: Draft, prom: Prometheus | None, start: float, end: float) -> RuleSet:
    """The :class:`RuleSet` of a draft: the threshold's bucket bound read from ``prom`` (the
    ``le`` values in ``[start, end]``) unless the draft has ``bounds_ms``."""
    bucket = resolve_bound(
        d.target,
        d.objective.threshold_ms,
        nearest=d.nearest_bucket,
        prom=prom,
        start=start,
        end=end,
        bounds_ms=d.bounds_ms,
    )
    name = name_of(d.name, default_name(d.target, bucket, d.objective))
    return RuleSet(d.target, d.objective, d.policy, bucket, d.step, name)


def slo_rules(
    metric_name: str = "request_duration_seconds",
    threshold_ms: float | None = None,
    objective: float = 99.0,
    window: str = "30d",
    model_label: str = "model",
    prometheus_url: str | None = None,
    client: Prometheus | None = None,
    *,
    format: str = "prometheus",
    step: str | None = None,
    tiers: Sequence[str] | str = ("page", "ticket"),
    min_bad_requests: float = 3,
    nearest_bucket: bool = False,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    unit: str = "auto",
    name: str | None = None,
    bounds_ms: Sequence[float] | None = None,
    end: datetime | float | str | None = None,
) -> str:
    """The alerting rules of the SLO "``objective`` % of requests at or under ``threshold_ms``
    over ``window``", per model, as YAML text.

    ``format``: ``prometheus`` (a rule file: recording rules for the error ratio per model and
    window, alerts ``P95kitLatencyBudgetBurn`` with labels ``severity`` (``page``/``ticket``),
    ``long_window``, ``short_window``, ``slo`` and the model label), ``sloth``, ``pyrra`` or
    ``openslo``. ``tiers``: ``page``, ``ticket`` or both. ``min_bad_requests``: the low-traffic
    guard (0: none). ``step``: how often Prometheus evaluates the group (default ``1m``).
    ``nearest_bucket``: move a threshold between bucket bounds to the nearest one instead of
    refusing it. ``bounds_ms``: the metric's bucket bounds, to generate without Prometheus;
    otherwise they are read over the ``window`` before ``end`` (default now). ``name``: the
    ``slo`` label (default ``<metric>-<threshold>ms-<objective>``).
    """
    chosen = choice(format, FORMATS, "format")
    d = draft(
        metric_name,
        threshold_ms,
        objective,
        window,
        model_label,
        step=step,
        tiers=tiers,
        min_bad_requests=min_bad_requests,
        nearest_bucket=nearest_bucket,
        models=models,
        selector=selector,
        unit=unit,
        name=name,
        bounds_ms=bounds_ms,
    )
    when = parse_time(end, "end")
    if d.bounds_ms is not None:
        rules = resolve(d, None, 0, 0)
    else:
        with connect(prometheus_url, client) as prom:
            rules = resolve(d, prom, when - parse_duration(d.objective.window), when)
    return render(rules, chosen)


def render(rules: RuleSet, chosen: str = "prometheus") -> str:
    """The YAML text of ``rules`` in format ``chosen``, after its header comments."""
    notes = header(rules)
    if chosen == "prometheus":
        documents: list[Any] = [{"groups": [rules.group()]}]
    else:
        built = rule_formats.BUILDERS[chosen](rules)
        notes += built.notes
        documents = built.documents
    text = "".join(f"# {line}\n" for line in notes)
    return text + "---\n".join(dump(doc) for doc in documents)


def header(rules: RuleSet) -> list[str]:
    """What the file is: the SLO, the tiers and guard, a moved threshold."""
    policy = rules.policy
    lines = [f"Generated by p95kit {__version__}. {rules.describe()}."]
    for tier in policy.tiers:
        lines.append(
            f"{tier.severity}: burn rate > {tier.burn_rate:g} over {tier.long_window} and "
            f"{tier.short_window}"
        )
    if rules.guard:
        lines.append(
            f"Low-traffic guard: a tier fires only with >= {policy.min_bad_requests:g} slow "
            f"requests in its long window (increase() is extrapolated: compared with "
            f">= {rules.guard:g})."
        )
    unreachable = policy.unreachable(rules.objective)
    if unreachable:
        windows = ", ".join(f"{t.long_window}/{t.short_window}" for t in unreachable)
        lines.append(f"Warning: tiers {windows} can never fire at this objective.")
    if rules.bucket.note:
        lines.append("Note: " + rules.bucket.note + ".")
    lines.append(f"Bucket bound spellings matched: {', '.join(rules.bucket.spellings)}.")
    return lines


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
_Dumper.ignore_aliases = lambda self, data: True  # type: ignore[method-assign]  # no &id001


def dump(document: Any) -> str:
    """YAML with multi-line strings (PromQL) as literal blocks."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
