"""What a report will ask (p95kit.report.plan): the chart's rate window is never shorter than
the step."""

from __future__ import annotations


def test_the_chart_rate_window_is_never_shorter_than_the_step():
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.plan import plan

    assert plan(ReportSettings(duration="7d")).chart_range == "30m"  # step 30m > 5m
    assert plan(ReportSettings(duration="24h", time_range="1h")).chart_range == "1h"
