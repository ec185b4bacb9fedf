"""PromQL building: the contract's default query and safe escaping of untrusted values."""

from __future__ import annotations

from p95kit.query.promql import Target, quantile, quantiles, regex_literal, string_literal


def test_default_query_is_the_contracts():
    target = Target(histogram="classic")
    assert quantile(target, 0.95, "5m") == (
        "histogram_quantile(0.95, sum by (le, model) "
        '(rate(request_duration_seconds_bucket{model!=""}[5m])))'
    )


def test_several_quantiles_are_one_expression_with_a_quantile_label():
    query = quantiles(Target(histogram="classic"), (0.5, 0.95, 0.999), "5m")
    assert query.count("histogram_quantile") == 3
    assert '"quantile", "0.999"' in query
    assert query.count(" or ") == 2


def test_native_and_auto():
    native = quantile(Target(histogram="native"), 0.95, "5m")
    assert "_bucket" not in native and "le" not in native.split("by")[1].split(")")[0]
    auto = quantile(Target(), 0.95, "5m")
    assert "_bucket" in auto and " or " in auto


def test_escaping_of_hostile_values():
    assert string_literal('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert regex_literal("a.b|c(d)") == "a\\.b\\|c\\(d\\)"
    target = Target(models=('x"}) or vector(1) #',), selector='env="prod"')
    query = quantile(target, 0.95, "5m")
    assert 'model=~"x\\"\\\\}\\\\) or vector\\\\(1\\\\) #", env="prod"}' in query
