"""Prometheus durations (p95kit.durations): parsed, refused naming the parameter with an
example, formatted back, range steps and their alignment, and Prometheus's own limit."""

from __future__ import annotations

import math

import pytest

from p95kit import InvalidParameterError
from p95kit.durations import align, choose_step, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("1h", 3600),
        ("1d", 86400),
        ("1w", 604800),
        ("1h30m", 5400),
        ("500ms", 0.5),
        ("2d12h", 216000),
        (90, 90),
        (0.5, 0.5),
    ],
)
def test_durations_parse(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "bad",
    [
        "5x",
        "",
        "m",
        "-5m",
        "5",
        "30m1h",
        "0s",
        "1h 30m",
        None,
        True,
        0,
        -1,
        math.inf,
        math.nan,
        "５m",
    ],
)
def test_bad_durations_name_the_parameter_and_show_an_example(bad):
    with pytest.raises(InvalidParameterError) as info:
        parse_duration(bad, "time_range")
    assert info.value.parameter == "time_range"
    assert "time_range must be a Prometheus duration such as 5m or 1h30m" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_format_duration_round_trips():
    for seconds in (0.5, 30, 300, 5400, 86400, 90061, 604800 + 3600):
        assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)
    assert format_duration(5400) == "1h30m"


def test_step_choice_gives_a_few_hundred_points():
    assert choose_step(86400) == 300
    assert choose_step(7 * 86400) == 1800
    for span in (3600, 86400, 30 * 86400, 365 * 86400):
        assert 10 <= span / choose_step(span) <= 400


def test_align_floors_to_the_step():
    assert align(1000.7, 60) == 960
    assert align(960, 60) == 960


def test_durations_stop_at_prometheus_limit_of_292_years(prom):
    """Prometheus keeps durations as int64 nanoseconds: 293y is its parse error, so ours
    (exit 2, nothing sent), while 292y is a valid query there."""
    import p95kit
    from p95kit.durations import parse_duration

    assert parse_duration("292y") == 292 * 365 * 86400
    assert not p95kit.p95(prometheus_url=prom.url, time_range="292y").empty
    with pytest.raises(InvalidParameterError, match="at most 292y"):
        p95kit.p95(prometheus_url="http://127.0.0.1:9", time_range="293y")
