"""Prometheus durations (``30s``, ``5m``, ``1h30m``), range steps and step alignment.

Everything here is pure: strings in, seconds (float) out, or
:class:`~p95kit.errors.InvalidParameterError` naming the parameter.
"""

from __future__ import annotations

import math
import re

from p95kit.errors import InvalidParameterError

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
# Prometheus's own grammar: units in descending order, each at most once.
_DURATION = re.compile(
    r"^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$"
)
_ORDER = ("y", "w", "d", "h", "m", "s", "ms")

#: Prometheus parses durations into Go's time.Duration (int64 nanoseconds, ~292 years);
#: longer ones are parse errors there ("duration out of range").
MAX_SECONDS = (2**63 - 1) // 10**9
#: Steps the report picks from, smallest first.
NICE_STEPS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
#: Aim for at most this many points per series when the step is chosen for the user.
TARGET_POINTS = 400


def parse_duration(value: str | int | float, parameter: str = "duration") -> float:
    """Return ``value`` in seconds; numbers are taken as seconds.

    Raises InvalidParameterError for anything that is not a positive Prometheus
    duration (``30s``, ``5m``, ``1h30m``, ``1d``, ``1w``).
    """
    if isinstance(value, bool):
        raise _bad(parameter, value)
    if isinstance(value, (int, float)):
        # At least 1ms (the resolution of a Prometheus duration), at most MAX_SECONDS.
        if 0.001 <= value <= MAX_SECONDS:
            return float(value)
        raise _bad(parameter, value)
    if not isinstance(value, str):
        raise _bad(parameter, value)
    match = _DURATION.match(value.strip())
    if not value.strip() or match is None or len(value.strip()) > 64:
        raise _bad(parameter, value)
    seconds = sum(int(n) * _UNITS[u] for n, u in zip(match.groups(), _ORDER) if n is not None)
    if seconds > MAX_SECONDS:
        raise InvalidParameterError(
            parameter, f"{parameter} must be at most 292y (Prometheus's limit), got {value!r}"
        )
    if seconds <= 0:
        raise _bad(parameter, value)
    return float(seconds)


def format_duration(seconds: float) -> str:
    """Format seconds as the shortest Prometheus duration: ``5400 -> '1h30m'``."""
    if seconds <= 0 or not math.isfinite(seconds):
        raise ValueError(f"cannot format {seconds!r} as a duration")
    millis = round(seconds * 1000)
    parts = []
    for unit in _ORDER:
        size = round(_UNITS[unit] * 1000)
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def normalize_duration(value: str | int | float, parameter: str) -> tuple[str, float]:
    """Validate ``value``; return ``(text, seconds)`` where text is what PromQL gets."""
    seconds = parse_duration(value, parameter)
    text = value.strip() if isinstance(value, str) else format_duration(seconds)
    return text, seconds


def choose_step(duration_seconds: float) -> float:
    """Pick a step giving at most :data:`TARGET_POINTS` points (24h -> 5m, 7d -> 30m)."""
    for step in NICE_STEPS:
        if duration_seconds / step <= TARGET_POINTS:
            return float(step)
    return float(math.ceil(duration_seconds / TARGET_POINTS / 86400) * 86400)


def align(timestamp: float, step: float) -> float:
    """Floor ``timestamp`` to a multiple of ``step`` so repeated calls give the same points."""
    return math.floor(timestamp / step) * step


def _bad(parameter: str, value: object) -> InvalidParameterError:
    return InvalidParameterError(
        parameter,
        f"{parameter} must be a Prometheus duration such as 5m or 1h30m, got {value!r}",
    )
