"""What Sloth, Pyrra and OpenSLO require of a spec, written from their published facts (no code
copied): Sloth ``prometheus/v1`` (``pkg/prometheus/api/v1`` and ``pkg/common/validation`` of
slok/sloth v0.16), Pyrra's ``ServiceLevelObjective`` CRD and ``validate()`` (pyrra-dev/pyrra,
strict decoding in its filesystem mode), OpenSLO ``v1`` ``SLO`` (the spec's README, the go-sdk's
rules and the former JSON schema). Each checker returns the problems found (empty: accepted).
"""

from __future__ import annotations

import re
from typing import Any

_SLOTH_NAME = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$")
_WINDOW_TEMPLATE = re.compile(r"{{ *\.window *}}")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_PROM_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_SHORTHAND = re.compile(r"^[1-9][0-9]*[mhdwMQY]$")
_LE_EQUAL_FLOAT = re.compile(r'\ble="([^"]*)"')


def _keys(where: str, doc: Any, allowed: set[str], required: set[str] = frozenset()) -> list[str]:
    if not isinstance(doc, dict):
        return [f"{where}: not a mapping"]
    problems = [f"{where}: unknown field {k}" for k in doc if k not in allowed]
    problems += [f"{where}: missing {k}" for k in required if k not in doc]
    return problems


def check_sloth(doc: Any) -> list[str]:
    """Sloth ``prometheus/v1``: fields, names, objective, SLI templates, alerting."""
    problems = _keys(
        "spec",
        doc,
        {"version", "service", "labels", "slo_plugins", "slos"},
        {"version", "service", "slos"},
    )
    if problems:
        return problems
    if doc["version"] != "prometheus/v1":
        problems.append("version must be prometheus/v1")
    if not _SLOTH_NAME.match(str(doc["service"])):
        problems.append(f"service {doc['service']!r} is not a valid name")
    if not isinstance(doc["slos"], list) or not doc["slos"]:
        return [*problems, "slos: at least one SLO"]
    for slo in doc["slos"]:
        allowed = {"name", "description", "objective", "labels", "plugins", "sli", "alerting"}
        problems += _keys("slo", slo, allowed, {"name", "objective", "sli"})
        if not _SLOTH_NAME.match(str(slo.get("name", ""))):
            problems.append(f"slo name {slo.get('name')!r} is not a valid name")
        objective = slo.get("objective")
        if not isinstance(objective, (int, float)) or not 0 < objective <= 100:
            problems.append("objective must be a number in (0, 100]")
        sli = slo.get("sli") or {}
        kinds = [k for k in ("events", "raw", "plugin") if k in sli]
        if len(kinds) != 1:
            problems.append("sli: exactly one of events, raw, plugin")
        events = sli.get("events")
        if events is not None:
            problems += _keys(
                "sli.events", events, {"error_query", "total_query"}, {"error_query", "total_query"}
            )
            queries = [events.get("error_query", ""), events.get("total_query", "")]
            if queries[0] == queries[1]:
                problems.append("error_query and total_query must differ")
            problems += [
                f"query without {{{{.window}}}}: {q}"
                for q in queries
                if not _WINDOW_TEMPLATE.search(str(q))
            ]
        alerting = slo.get("alerting") or {}
        problems += _keys(
            "alerting", alerting, {"name", "labels", "annotations", "page_alert", "ticket_alert"}
        )
        if not alerting.get("name"):
            problems.append("alerting.name is required")
        for key in ("page_alert", "ticket_alert"):
            problems += _keys(key, alerting.get(key, {}), {"disable", "labels", "annotations"})
            labels = {**alerting.get("labels", {}), **alerting.get(key, {}).get("labels", {})}
            problems += [f"label {k!r}" for k in labels if not _LABEL.match(k) or k == "__name__"]
            problems += [f"empty label value for {k}" for k, v in labels.items() if not v]
    return problems


def check_pyrra(doc: Any) -> list[str]:
    """Pyrra ``pyrra.dev/v1alpha1`` ``ServiceLevelObjective`` (strictly decoded)."""
    problems = _keys(
        "object",
        doc,
        {"apiVersion", "kind", "metadata", "spec"},
        {"apiVersion", "kind", "metadata", "spec"},
    )
    if problems:
        return problems
    if doc["apiVersion"] != "pyrra.dev/v1alpha1" or doc["kind"] != "ServiceLevelObjective":
        problems.append("apiVersion/kind")
    metadata = doc["metadata"]
    problems += _keys(
        "metadata", metadata, {"name", "namespace", "labels", "annotations"}, {"name"}
    )
    if not _DNS_SUBDOMAIN.match(str(metadata.get("name", ""))):
        problems.append("metadata.name is not a DNS subdomain")
    spec = doc["spec"]
    allowed = {
        "description",
        "target",
        "window",
        "indicator",
        "alerting",
        "partial_response_strategy",
        "performanceOverAccuracy",
        "ruleOutput",
    }
    problems += _keys("spec", spec, allowed, {"target", "window", "indicator"})
    target = spec.get("target")
    if not isinstance(target, str):
        problems.append("target must be a string")
    elif not 0 <= float(target) <= 100:
        problems.append("target out of 0..100")
    if not _PROM_DURATION.match(str(spec.get("window", ""))):
        problems.append("window is not a Prometheus duration")
    indicator = spec.get("indicator") or {}
    if len(indicator) != 1:
        problems.append("indicator: exactly one kind")
    latency = indicator.get("latency")
    if latency is not None:
        problems += _keys(
            "latency", latency, {"success", "total", "grouping"}, {"success", "total"}
        )
        for part in ("success", "total"):
            problems += _keys(part, latency.get(part, {}), {"metric"}, {"metric"})
        success = str(latency.get("success", {}).get("metric", ""))
        match = _LE_EQUAL_FLOAT.search(success)
        try:
            float(match.group(1)) if match else float("x")
        except ValueError:
            problems.append(
                "latency success metric must contain a le label matcher with a float value"
            )
        grouping = latency.get("grouping", [])
        if not isinstance(grouping, list) or not all(isinstance(g, str) for g in grouping):
            problems.append("grouping must be a list of strings")
    alerting = spec.get("alerting", {})
    problems += _keys(
        "alerting",
        alerting,
        {"name", "absentName", "burnrates", "absent", "disabled", "severities"},
    )
    return problems


def check_openslo(doc: Any) -> list[str]:
    """OpenSLO ``openslo/v1`` ``SLO`` with an inline ratio indicator."""
    problems = _keys(
        "object",
        doc,
        {"apiVersion", "kind", "metadata", "spec"},
        {"apiVersion", "kind", "metadata", "spec"},
    )
    if problems:
        return problems
    if doc["apiVersion"] != "openslo/v1" or doc["kind"] != "SLO":
        problems.append("apiVersion/kind")
    metadata = doc["metadata"]
    problems += _keys(
        "metadata", metadata, {"name", "displayName", "labels", "annotations"}, {"name"}
    )
    if not _DNS_LABEL.match(str(metadata.get("name", ""))):
        problems.append("metadata.name is not a DNS label")
    if len(str(metadata.get("displayName", ""))) > 63:
        problems.append("displayName longer than 63")
    spec = doc["spec"]
    allowed = {
        "description",
        "service",
        "indicator",
        "indicatorRef",
        "timeWindow",
        "budgetingMethod",
        "objectives",
        "alertPolicies",
    }
    problems += _keys("spec", spec, allowed, {"service", "budgetingMethod", "objectives"})
    if len(str(spec.get("description", ""))) > 1050:
        problems.append("description longer than 1050")
    if ("indicator" in spec) == ("indicatorRef" in spec):
        problems.append("exactly one of indicator, indicatorRef")
    if spec.get("budgetingMethod") not in ("Occurrences", "Timeslices", "RatioTimeslices"):
        problems.append("budgetingMethod")
    windows = spec.get("timeWindow", [])
    if len(windows) != 1:
        problems.append("timeWindow: exactly one item")
    for window in windows:
        if not _SHORTHAND.match(str(window.get("duration", ""))):
            problems.append("timeWindow.duration is not a duration shorthand")
        if window.get("isRolling") is not True and "calendar" not in window:
            problems.append("calendar required unless isRolling")
    for objective in spec.get("objectives") or [None]:
        if not isinstance(objective, dict):
            problems.append("objectives: at least one")
            continue
        if ("target" in objective) == ("targetPercent" in objective):
            problems.append("exactly one of target, targetPercent")
        target = objective.get("target", 0.5)
        if not isinstance(target, (int, float)) or not 0 <= target < 1:
            problems.append("target in [0, 1)")
        if "op" in objective or "value" in objective:
            problems.append("op/value are for threshold metrics")
    indicator = spec.get("indicator") or {}
    if not _DNS_LABEL.match(str(indicator.get("metadata", {}).get("name", ""))):
        problems.append("indicator.metadata.name is not a DNS label")
    ratio = indicator.get("spec", {}).get("ratioMetric")
    if ratio is None:
        return [*problems, "indicator: ratioMetric expected"]
    if ratio.get("counter") is not True:
        problems.append("counter: true")
    if ("total" in ratio) == ("raw" in ratio) or ("good" in ratio) == ("bad" in ratio):
        problems.append("ratioMetric: total with exactly one of good/bad")
    for part in ("good", "bad", "total"):
        if part in ratio:
            source = ratio[part].get("metricSource", {})
            if not isinstance(source.get("spec"), dict) or not source["spec"]:
                problems.append(f"{part}.metricSource.spec must have a key")
    return problems
