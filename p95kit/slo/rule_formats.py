"""The SLO as the specs other tools take: Sloth, Pyrra and OpenSLO.

Each builder turns a :class:`~p95kit.slo.rule_set.RuleSet` into YAML documents (dicts) plus
notes for the file's header: what the tool cannot express of p95kit's policy. The structures
follow the tools' published specs (Sloth ``prometheus/v1``, Pyrra's ``ServiceLevelObjective``
CRD, OpenSLO ``v1`` ``SLO``); one SLO per output, grouped by the model label:

- **Sloth**: an ``events`` SLI whose queries sum by the model label (Sloth keeps the label
  through its recording rules and alerts); ``{{.window}}`` is Sloth's template; the total is
  guarded with ``> 0`` so a model without traffic yields no ratio. Sloth's window catalogue
  has the workbook's four tiers for 30d (``--default-slo-period`` for 28d); a disabled
  severity is ``disable: true``; the low-traffic guard cannot be expressed.
- **Pyrra**: a ``latency`` indicator with ``grouping: [model]``; its success metric needs an
  ``le`` *equality* matcher, so the bound is written as Prometheus spells it (Pyrra 0.10+
  matches ``2`` and ``2.0`` itself); Pyrra uses its own tiers (factors 14, 7, 2, 1, with
  ``for``) and cannot turn one off (pyrra #1507, #1826).
- **OpenSLO**: a ratio SLI over the counters (``counter: true``), rolling ``timeWindow``,
  ``Occurrences`` budgeting; it has no grouping field (the queries sum by the model label) and
  cannot express multiwindow burn-rate alerts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from p95kit.durations import parse_duration
from p95kit.slo.rule_set import ALERT_NAME, RuleSet


@dataclass
class Built:
    """A format's YAML ``documents`` and the ``notes`` its header adds."""

    documents: list[dict]
    notes: list[str] = field(default_factory=list)


def sloth(rules: RuleSet) -> Built:
    """A Sloth ``prometheus/v1`` spec (``sloth generate -i``)."""
    label = rules.target.model_label
    window = "[{{.window}}]"
    total = f"sum by ({label}) (rate({rules.count_selector()}{window}))"
    good = f"sum by ({label}) (rate({rules.bucket_selector()}{window}))"
    wanted = {t.severity for t in rules.policy.tiers}
    alerting = {
        "name": ALERT_NAME,
        "labels": {"slo": rules.name},
        "annotations": {"summary": f"{{{{ $labels.{label} }}}}: {rules.describe()}"},
        "page_alert": {"labels": {"severity": "page"}},
        "ticket_alert": {"labels": {"severity": "ticket"}},
    }
    for severity in ("page", "ticket"):
        if severity not in wanted:
            alerting[f"{severity}_alert"] = {"disable": True}
    spec = {
        "version": "prometheus/v1",
        "service": _sloth_name(rules.target.metric_name),
        "slos": [
            {
                "name": _sloth_name(rules.name),
                "objective": rules.objective.objective,
                "description": rules.describe(),
                "sli": {
                    "events": {
                        "error_query": f"{total}\n-\n{good}",
                        "total_query": f"({total} > 0)",
                    }
                },
                "alerting": alerting,
            }
        ],
    }
    notes = ["Sloth: sloth generate -i this-file.yml; its tiers are the workbook's."]
    if rules.objective.window != "30d":
        notes.append(
            f"Sloth: run with --default-slo-period={rules.objective.window} (Sloth ships "
            "window catalogues for 28d and 30d only)."
        )
    if rules.guard:
        notes.append("Sloth cannot express the low-traffic guard: its alerts fire without it.")
    return Built([spec], notes)


def pyrra(rules: RuleSet) -> Built:
    """A Pyrra ``ServiceLevelObjective`` (``pyrra.dev/v1alpha1``)."""
    literal = rules.bucket.spellings[0]
    success = rules.bucket_selector().replace(rules.bucket.matcher, f'le="{literal}"')
    spec = {
        "apiVersion": "pyrra.dev/v1alpha1",
        "kind": "ServiceLevelObjective",
        "metadata": {"name": dns_name(rules.name, 253, dots=True)},
        "spec": {
            "description": rules.describe(),
            "target": f"{rules.objective.objective:g}",
            "window": rules.objective.window,
            "indicator": {
                "latency": {
                    "success": {"metric": success},
                    "total": {"metric": rules.count_selector()},
                    "grouping": [rules.target.model_label],
                }
            },
            "alerting": {"name": ALERT_NAME},
        },
    }
    notes = [
        f'Pyrra: the bound is written le="{literal}"; Pyrra 0.10+ also matches the '
        "other spelling of an integer bound (--enable-prometheus-3-migration, its default).",
        "Pyrra alerts with its own tiers (burn rates 14, 7, 2, 1, with for:) and cannot turn "
        "one off (pyrra #1507); use --format prometheus for exactly p95kit's policy.",
    ]
    if rules.guard:
        notes.append("Pyrra cannot express the low-traffic guard.")
    return Built([spec], notes)


def openslo(rules: RuleSet) -> Built:
    """An OpenSLO ``v1`` ``SLO`` with its ratio indicator inline."""
    label = rules.target.model_label
    name = dns_name(rules.name, 63)

    def source(selector: str) -> dict:
        query = f"sum by ({label}) ({selector})"
        return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}

    spec = {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name, "displayName": rules.name[:63]},
        "spec": {
            "description": rules.describe()[:1050],
            "service": dns_name(rules.target.metric_name, 63),
            "indicator": {
                "metadata": {"name": dns_name(f"{rules.name}-sli", 63)},
                "spec": {
                    "ratioMetric": {
                        "counter": True,
                        "good": source(rules.bucket_selector()),
                        "total": source(rules.count_selector()),
                    }
                },
            },
            "timeWindow": [{"duration": shorthand(rules.objective.window), "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": [
                {
                    "displayName": f"{rules.objective.objective:g} % at or under "
                    f"{rules.bucket.bound_ms:g} ms",
                    "target": round(rules.objective.objective / 100.0, 12),
                }
            ],
        },
    }
    notes = [
        f"OpenSLO has no grouping: the queries sum by {label}, one objective per {label}.",
        "OpenSLO cannot express multiwindow burn-rate alerts; use --format prometheus.",
    ]
    return Built([spec], notes)


BUILDERS: dict[str, Callable[[RuleSet], Built]] = {
    "sloth": sloth,
    "pyrra": pyrra,
    "openslo": openslo,
}


def dns_name(text: str, limit: int, dots: bool = False) -> str:
    """``text`` as an RFC 1123 name: lowercase letters, digits and ``-`` (and ``.``)."""
    allowed = "a-z0-9.-" if dots else "a-z0-9-"
    name = re.sub(f"[^{allowed}]+", "-", text.lower())
    name = name[:limit].strip("-.")
    return name or "slo"


def shorthand(window: str) -> str:
    """A window as OpenSLO's duration shorthand (one unit: ``30d``, ``36h``, ``90m``)."""
    seconds = int(parse_duration(window, "window"))
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and unit != "w":
            return f"{seconds // size}{unit}"
    return f"{max(seconds // 60, 1)}m"


def _sloth_name(text: str) -> str:
    """Sloth's names: ``[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]``."""
    name = re.sub(r"[^-A-Za-z0-9_.]+", "-", text).strip("-_.")
    return name if len(name) >= 2 else f"{name}-slo"
