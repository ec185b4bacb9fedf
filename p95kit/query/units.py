"""Latency units: which factor turns a metric's values into milliseconds."""

from __future__ import annotations

from p95kit.validation import UNITS, choice

_MS_SUFFIXES = ("_milliseconds", "_ms")


def resolve_unit(metric_name: str, unit: str = "auto") -> tuple[str, bool]:
    """Return ``(unit, assumed)`` where unit is ``"s"`` or ``"ms"``.

    ``auto`` reads the metric name: ``*_seconds`` is seconds, ``*_milliseconds`` and
    ``*_ms`` are milliseconds; any other name is *assumed* to be seconds, as the
    original API did, and ``assumed`` is True so reports can say so.
    """
    unit = choice(unit, UNITS, "unit")
    if unit != "auto":
        return unit, False
    base = metric_name.removesuffix("_bucket").removesuffix("_count").removesuffix("_sum")
    if base.endswith(_MS_SUFFIXES):
        return "ms", False
    return "s", not base.endswith("_seconds")


def scale_to_ms(unit: str) -> float:
    """Factor from ``unit`` to milliseconds."""
    return 1000.0 if unit == "s" else 1.0
