"""Numbers and times as text: latencies in ms, counts, shares, changes, UTC.

The one vocabulary for milliseconds (:func:`fmt_ms`, :func:`given_ms`) and missing
values (``"no traffic"``, ``"—"``), used by the report's HTML (:mod:`p95kit.report.sections`),
the index page, ``p95kit.styled`` (:mod:`.styling`), the terminal (:mod:`.terminal`) and
the chart (:mod:`.plotting`), so a number reads the same everywhere. Plain text: escape
it where it is rendered.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

NO_TRAFFIC = "no traffic"
MISSING = "—"
#: After a percentile interpolated in a bucket more than 2x wide (a coarse estimate).
COARSE_MARK = " †"
#: How to read a percentile shown with its bucket (a report's footer says it).
READING_BUCKETS = (
    "a window percentile is interpolated inside one histogram bucket, shown after it: "
    "3156 ms (2525–3788) means somewhere between 2525 and 3788 ms; † marks a coarse estimate "
    "(a bucket more than 2x wide: the true percentile may be far from the number); "
    "≥ X ms means above the top finite bucket bound X"
)


def fmt_ms(
    value: float,
    *,
    no_traffic: bool = False,
    top_bucket_ms: float = math.nan,
    digits: int | None = None,
    unit: bool = True,
) -> str:
    """A latency in milliseconds as text: ``"245.7 ms"``.

    NaN is ``"no traffic"`` when ``no_traffic`` (else ``"—"``); a value at or above
    ``top_bucket_ms`` (the quantile lies in the ``+Inf`` bucket) is ``"≥ 10000 ms"``.
    Precision: ``digits`` decimals, or by default 2 under 10 ms, 1 under 1000 ms, none
    above. ``unit=False`` leaves out the ``" ms"`` (a column already named in ms).
    """
    suffix = " ms" if unit else ""
    if finite(top_bucket_ms) and (not finite(value) or value >= top_bucket_ms * (1 - 1e-9)):
        return f"≥ {number(top_bucket_ms)}{suffix}"
    if not finite(value):
        return NO_TRAFFIC if no_traffic else MISSING
    shown = number(value) if digits is None else f"{value:.{digits}f}"
    return f"{shown}{suffix}"


def given_ms(value: float) -> str:
    """A threshold the user gave (an SLO) as they wrote it: ``500 ms``, ``2.5 ms``."""
    return f"{value:g} ms"


def utc(when: Any) -> str:
    """Unix seconds or a datetime (a pandas ``Timestamp``; naive means UTC) as
    ``2026-11-27 06:00 UTC`` (seconds shown when not zero); ``?`` if none."""
    if isinstance(when, datetime):
        try:  # NaT is a datetime too, without a time
            when = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()
        except (ValueError, OverflowError):
            return "?"
    if not finite(when):
        return "?"
    moment = datetime.fromtimestamp(float(when), tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if moment.second else "%Y-%m-%d %H:%M UTC")


def bucket_range(lower: float, upper: float, coarse: bool = False) -> str:
    """The bucket a percentile lies in, to follow its value: ``" (2525–3788)"``, with
    :data:`COARSE_MARK` when ``coarse``; ``""`` when a bound is missing or infinite."""
    if not (finite(lower) and finite(upper)):
        return ""
    return f" ({bound(lower)}–{bound(upper)}){COARSE_MARK if coarse else ''}"


def bound(value: float) -> str:
    """A bucket bound in ms as the exporter wrote it, no invented digits: ``100``,
    ``2525``, ``0.15``, ``0.00015``."""
    return f"{value:.0f}" if abs(value) >= 1e6 else f"{value:.6g}"


def number(value: float) -> str:
    """2 decimals under 10, 1 under 1000, none above: ``1.23``, ``245.7``, ``12346``."""
    size = abs(value)
    return f"{value:.2f}" if size < 10 else f"{value:.1f}" if size < 1000 else f"{value:.0f}"


def fmt_count(value: float) -> str:
    """A request count: ``12,345``."""
    return f"{round(value):,}" if finite(value) else MISSING


def share(value: float) -> str:
    """A fraction as a percentage: ``0.915 -> "91.5 %"``."""
    return f"{100 * value:.1f} %" if finite(value) else MISSING


def trend(ms: float, pct: float) -> str:
    """CSS class of a change: "worse" (slower by 1 % or more), "better", or ""."""
    if ms > 0 and not pct < 1:
        return "worse"
    return "better" if ms < 0 and pct <= -1 else ""


def delta(ms: float, pct: float) -> str:
    """A change in ms with its percentage: ``+531.4 ms (+12.0 %)``."""
    if not finite(ms):
        return MISSING
    text = f"{'-' if ms < 0 else '+'}{number(abs(ms))} ms"
    return f"{text} ({pct:+.1f} %)" if finite(pct) else text


def finite(value: Any) -> bool:
    """True for a finite number (not None, NaN, infinity or text)."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
