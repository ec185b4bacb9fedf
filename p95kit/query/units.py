"""Latency units: which unit a metric's values are in, and the factor that turns them into ms.

``auto`` reads the metric name's suffix (``_seconds``; ``_milliseconds``/``_ms``;
``_microseconds``/``_us``; ``_nanoseconds``/``_ns``); a name without one is *assumed*
to be seconds, as the original API did, and every output says so (:func:`describe`).
"""

from __future__ import annotations

from p95kit.validation import UNITS, choice

#: Metric-name suffix -> unit, longest first (``_ms`` must not shadow ``_milliseconds``).
SUFFIXES = (
    ("_milliseconds", "ms"),
    ("_microseconds", "us"),
    ("_nanoseconds", "ns"),
    ("_seconds", "s"),
    ("_ms", "ms"),
    ("_us", "us"),
    ("_ns", "ns"),
)
#: Factor from a unit to milliseconds.
TO_MS = {"s": 1000.0, "ms": 1.0, "us": 1e-3, "ns": 1e-6}
#: How a unit reads in outputs.
NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}


def resolve_unit(metric_name: str, unit: str = "auto") -> tuple[str, bool]:
    """Return ``(unit, assumed)``: unit is one of ``s``, ``ms``, ``us``, ``ns``.

    ``auto`` reads the metric name (a ``_bucket``, ``_count``, ``_sum`` or ``_total``
    suffix is looked through); any other name is *assumed* to be seconds, and
    ``assumed`` is True so outputs can say so. An explicit ``unit`` always wins.
    """
    unit = choice(unit, UNITS, "unit")
    if unit != "auto":
        return unit, False
    base = metric_name
    for suffix in ("_bucket", "_count", "_sum", "_total"):
        base = base.removesuffix(suffix)
    for suffix, named in SUFFIXES:
        if base.endswith(suffix):
            return named, False
    return "s", True


def scale_to_ms(unit: str) -> float:
    """Factor from ``unit`` (``s``, ``ms``, ``us``, ``ns``) to milliseconds."""
    return TO_MS[unit]


def describe(unit: str, assumed: bool = False) -> str:
    """How outputs state the unit: ``"microseconds, shown in ms"``, or for a name without
    a suffix ``"assumed seconds (the metric name has no unit suffix), shown in ms; ..."``."""
    if assumed:
        return (
            "assumed seconds (the metric name has no unit suffix), shown in ms; "
            "--unit / unit= sets it"
        )
    name = NAMES.get(unit, unit)
    return name if unit == "ms" else f"{name}, shown in ms"
