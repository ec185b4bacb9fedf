"""Evaluation times: ``at`` / ``end`` given as datetimes, unix seconds or RFC 3339 text."""

from __future__ import annotations

import math
import numbers
import time
from datetime import datetime, timezone

from p95kit.errors import InvalidParameterError

#: Sanity bounds: 1970 .. 9999; a millisecond timestamp lands far outside.
_MAX_UNIX = 253402300799.0


def parse_time(value: datetime | float | int | str | None, parameter: str = "at") -> float:
    """Return unix seconds (float) for ``value``; ``None`` means now.

    Accepts a timezone-aware ``datetime`` (or ``pandas.Timestamp``), unix seconds
    as a number or numeric string, or RFC 3339 text such as ``2026-11-27T00:00:00Z``.
    """
    if value is None:
        return time.time()
    if isinstance(value, bool):
        raise _bad(parameter, value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidParameterError(
                parameter,
                f"{parameter} must be timezone-aware, e.g. "
                f"datetime(2026, 11, 27, tzinfo=timezone.utc), got naive {value!r}",
            )
        return _checked(value.timestamp(), parameter, value)
    if isinstance(value, numbers.Real):  # also numpy's int64 and float64
        return _checked(float(value) if 0 <= value <= _MAX_UNIX else math.nan, parameter, value)
    if isinstance(value, str):
        return _checked(_parse_text(value.strip(), parameter), parameter, value)
    raise _bad(parameter, value)


def to_rfc3339(timestamp: float) -> str:
    """Format unix seconds as ``2026-11-27T00:00:00Z`` (UTC, second precision)."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_text(text: str, parameter: str) -> float:
    if text.lower() == "now":
        return time.time()
    try:
        return float(text)
    except ValueError:
        pass
    iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        raise _bad(parameter, text) from None
    if parsed.tzinfo is None:
        raise InvalidParameterError(
            parameter,
            f"{parameter} needs a timezone, e.g. 2026-11-27T00:00:00Z, got {text!r}",
        )
    return parsed.timestamp()


def _checked(seconds: float, parameter: str, original: object) -> float:
    if not math.isfinite(seconds) or not 0 <= seconds <= _MAX_UNIX:
        raise _bad(parameter, original)
    return seconds


def _bad(parameter: str, value: object) -> InvalidParameterError:
    return InvalidParameterError(
        parameter,
        f"{parameter} must be a time such as 2026-11-27T00:00:00Z, unix seconds "
        f"or a timezone-aware datetime, got {value!r}",
    )
