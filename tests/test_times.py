"""Evaluation times (p95kit.times): datetimes, unix seconds and RFC 3339 text, and what is
refused naming the parameter."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from p95kit import InvalidParameterError
from p95kit.times import parse_time, to_rfc3339


def test_times():
    ts = 1795219200.0
    assert parse_time(ts) == ts
    assert parse_time(str(ts)) == ts
    assert parse_time("2026-11-21T00:00:00Z") == ts
    assert parse_time("2026-11-21T01:00:00+01:00") == ts
    assert parse_time(datetime(2026, 11, 21, tzinfo=timezone.utc)) == ts
    assert parse_time(datetime(2026, 11, 21, 9, tzinfo=timezone(timedelta(hours=9)))) == ts
    assert to_rfc3339(ts) == "2026-11-21T00:00:00Z"


@pytest.mark.parametrize(
    "bad",
    [
        "yesterday",
        "2026-11-21T00:00:00",
        datetime(2026, 11, 21),
        -5,
        1795219200000,
        math.nan,
        True,
        [1],
    ],
)
def test_bad_times(bad):
    with pytest.raises(InvalidParameterError) as info:
        parse_time(bad, "at")
    assert info.value.parameter == "at"
    assert "2026, 11, 27" in str(info.value) or "2026-11-27T00:00:00Z" in str(info.value)
