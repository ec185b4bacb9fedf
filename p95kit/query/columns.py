"""The names of latency columns: ``p95``, ``p99.9``, ``p95_latency_ms``, ``delta_p95_ms``.

Every frame, payload and table that names a percentile column, or asks whether a
column holds milliseconds, uses these two functions.
"""

from __future__ import annotations


def percentile_column(percentile: float) -> str:
    """Column name for a percentile: ``95 -> 'p95'``, ``99.9 -> 'p99.9'``, ``1e-05 ->
    'p0.00001'`` (6 significant digits at most, never an exponent)."""
    text = f"{percentile:g}"
    if "e" in text:
        from decimal import Decimal

        text = format(Decimal(text), "f")
    return f"p{text}"


def is_latency_column(column: str) -> bool:
    """True for millisecond columns: ``p95``, ``p99.9``, ``p95_latency_ms``, ``delta_p95_ms``,
    ``p95_baseline``; not for a percentage such as ``p95_change_pct``."""
    if column.endswith("_pct"):
        return False
    return column.endswith("_ms") or (column[:1] == "p" and column[1:2].isdigit())
