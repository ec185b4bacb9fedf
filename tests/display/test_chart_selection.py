"""Which models the P95 chart draws (p95kit.display.chart_selection), and its description."""

from __future__ import annotations

from p95kit.display.chart_selection import chart_description
from p95kit.display.plotting import chart_models
from tests.support.report_data import make_data


def test_chart_description_names_the_charted_models_slowest_first():
    data = make_data(names=("fast", "slow", "idle"))
    order = data.summary["model"]
    assert chart_description(data.range, 10, order=order).endswith(
        "models with traffic: " + ", ".join(chart_models(data.range, 10, order=order))
    )
    one = chart_description(data.range, 1, order=order)
    assert "for the 1 slowest of " in one and one.count(",") == 0
    empty = data.range.assign(p95_latency_ms=float("nan"))
    assert "no model had traffic" in chart_description(empty)
