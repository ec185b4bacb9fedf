"""Parameter validation: every bad input raises InvalidParameterError naming the parameter."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

import p95kit
from p95kit import InvalidParameterError, validation
from p95kit.durations import align, choose_step, format_duration, parse_duration
from p95kit.query.units import resolve_unit
from p95kit.times import parse_time, to_rfc3339
from p95kit.validation import label_name, metric_name, models, percentiles, selector


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


def test_names():
    assert metric_name("request_duration_seconds") == "request_duration_seconds"
    assert metric_name("ns:request_duration_seconds") == "ns:request_duration_seconds"
    assert label_name("model_name") == "model_name"
    for bad in ["", "1abc", "a-b", 'x"}', "a b", None, "a{b}"]:
        with pytest.raises(InvalidParameterError, match="metric_name must be a Prometheus metric"):
            metric_name(bad)
    for bad in ["le", "__name__", "model-name", "", "quantile", 5]:
        with pytest.raises(InvalidParameterError, match="model_label must be a Prometheus label"):
            label_name(bad)


def test_percentiles():
    assert percentiles("50,95,99") == (50.0, 95.0, 99.0)
    assert percentiles([99, 50, 95, 95]) == (50.0, 95.0, 99.0)
    assert percentiles(" 99.9 ") == (99.9,)
    assert percentiles(95) == (95.0,)
    for bad in ["", "0", "100", "50,abc", "-1", [], [True], "nan", "inf", None, object()]:
        with pytest.raises(InvalidParameterError, match="such as 50,95,99"):
            percentiles(bad)


def test_models_and_selector():
    assert models(None) == ()
    assert models(["b", "a", "a"]) == ("a", "b")
    assert models("gpt-4") == ("gpt-4",)
    with pytest.raises(InvalidParameterError):
        models([""])
    assert selector('env="prod", cluster=~"eu-.*"') == 'env="prod", cluster=~"eu-.*"'
    assert selector("{env='prod'}") == "env='prod'"
    assert selector('a="x\\"y"') == 'a="x\\"y"'
    for bad in ['env="prod"} or vector(1) #', "env=prod", 'env="a" env="b"', '"x"', 'a="b",,']:
        with pytest.raises(InvalidParameterError, match="selector must be label matchers"):
            selector(bad)


def test_units():
    assert resolve_unit("request_duration_seconds") == ("s", False)
    assert resolve_unit("inference_latency_ms") == ("ms", False)
    assert resolve_unit("rpc_latency_milliseconds") == ("ms", False)
    assert resolve_unit("latency") == ("s", True)
    assert resolve_unit("latency", "ms") == ("ms", False)
    with pytest.raises(InvalidParameterError):
        resolve_unit("latency", "minutes")


def test_durations_stop_at_prometheus_limit_of_292_years(prom):
    """Prometheus keeps durations as int64 nanoseconds: 293y is its parse error, so ours
    (exit 2, nothing sent), while 292y is a valid query there."""
    import p95kit
    from p95kit.durations import parse_duration

    assert parse_duration("292y") == 292 * 365 * 86400
    assert not p95kit.p95(prometheus_url=prom.url, time_range="292y").empty
    with pytest.raises(InvalidParameterError, match="at most 292y"):
        p95kit.p95(prometheus_url="http://127.0.0.1:9", time_range="293y")


def test_percentile_columns_never_use_an_exponent():
    from p95kit.query.columns import percentile_column

    assert [percentile_column(p) for p in (95, 99.9, 0.0001, 1e-05)] == [
        "p95",
        "p99.9",
        "p0.0001",
        "p0.00001",
    ]


@pytest.mark.parametrize("value", [True, 0, -1, float("nan"), float("inf"), "5"])
def test_numbers_that_are_not_positive_are_refused_alike_everywhere(value):
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.plan import plan

    calls = {
        "slo_ms": lambda: plan(ReportSettings(slo_ms=value)),
        "timeout": lambda: p95kit.Prometheus("http://127.0.0.1:9", timeout=value),
        "cell_timeout": lambda: validation.positive(value, "cell_timeout", "seconds", "600"),
    }
    for parameter, call in calls.items():
        with pytest.raises(InvalidParameterError, match=f"{parameter} must be .* > 0 such as"):
            call()


@pytest.mark.parametrize("value", [True, 0, 1.5, "3"])
def test_counts_refuse_bools_and_non_ints(value):
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.plan import plan

    with pytest.raises(InvalidParameterError, match="max_chart_models must be an int >= 1"):
        plan(ReportSettings(max_chart_models=value))
    with pytest.raises(InvalidParameterError, match="max_models must be an int >= 1"):
        validation.count(value, "max_models", 10)
