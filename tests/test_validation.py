"""Parameter validation (p95kit.validation): every bad input raises InvalidParameterError
naming the parameter."""

from __future__ import annotations

import pytest

import p95kit
from p95kit import InvalidParameterError, validation
from p95kit.validation import label_name, metric_name, models, percentiles, selector


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
