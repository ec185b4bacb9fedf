"""The report's HTML fragments (p95kit.report.sections): headline, summary, comparison and models
tables, footer; every one escapes hostile names and Prometheus's text."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np

from p95kit.display.plotting import chart_models
from p95kit.report import sections
from p95kit.report.data import ReportData
from tests.support.report_data import HOSTILE, IDLE, SATURATED, make_data


def all_fragments(data: ReportData) -> str:
    return "".join(
        [
            sections.headline(data),
            sections.summary_table(data),
            sections.comparison_table(data),
            sections.models_table(data, exclude_top=2),
            sections.footer(data),
        ]
    )


def test_every_fragment_escapes_hostile_names_and_prometheus_text():
    page = all_fragments(make_data())
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;warn&#x27;)&lt;/script&gt;" in page
    assert "x{a=&quot;&lt;b&gt;&quot;}" in page
    assert "http://prometheus.example:9090/&lt;path&gt;" in page
    assert "$x$ and \\alpha_1" in page


def test_summary_table_formats_latency_traffic_and_top_bucket():
    table = sections.summary_table(make_data())
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    models = [re.search(r'<td class="model">(.*?)</td>', r) for r in rows[1:]]
    assert [m.group(1) for m in models] == [
        SATURATED,
        "&lt;img src=x onerror=alert(1)&gt;",
        "$x$ and \\alpha_1",
        "fast",
        IDLE,
    ]
    assert "≥ 10000 ms" in rows[1]
    assert rows[-1].count("no traffic") == 4  # p50, p95, p99, current
    assert "1,234" in rows[2] and "97.3 %" in rows[2]
    assert "Requests ≤ 500 ms" in table


def test_summary_table_without_slo_has_no_slo_column():
    assert "Requests ≤" not in sections.summary_table(make_data(slo_ms=None))


def test_fmt_ms_precision_and_special_values():
    assert sections.fmt_ms(245.678) == "245.7 ms"
    assert sections.fmt_ms(1.234) == "1.23 ms"
    assert sections.fmt_ms(12345.6) == "12346 ms"
    assert sections.fmt_ms(math.nan) == "—"
    assert sections.fmt_ms(math.nan, no_traffic=True) == "no traffic"
    assert sections.fmt_ms(10_000.0, top_bucket_ms=10_000.0) == "≥ 10000 ms"
    assert sections.fmt_ms(2_500.0, top_bucket_ms=10_000.0) == "2500 ms"


def test_comparison_table_puts_the_biggest_regression_first():
    table = sections.comparison_table(make_data())
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]
    assert SATURATED in rows[0] and "+50.0 ms (+0.5 %)" in rows[0]  # under 1 %: not coloured
    assert 'class="num worse">+20.0 ms (+25.0 %)' in rows[1]
    assert 'class="num better">-50.0 ms (-11.1 %)' in table
    assert IDLE in rows[-1] and rows[-1].count("no traffic") == 2
    assert "previous 24h (2026-11-29 00:00 UTC → 2026-11-30 00:00 UTC)" in table


def test_headline_shows_window_slowest_model_and_warnings():
    headline = sections.headline(make_data())
    assert "2026-11-30 00:00 UTC → 2026-12-01 00:00 UTC (24h)" in headline
    assert "5 (1 with no traffic)" in headline
    assert f"<code>{SATURATED}</code>, P95 ≥ 10000 ms" in headline
    assert 'class="p95kit-warnings"' in headline
    assert "Biggest regression:</strong> <code>fast</code>, P95 +20.0 ms (+25.0 %)" in headline


def test_models_table_lists_exactly_the_models_not_charted():
    data = make_data()
    charted = chart_models(data.range, 2, order=data.summary["model"])
    assert charted == [SATURATED, HOSTILE]
    table = sections.models_table(data, exclude_top=2)
    assert "3 models not in the chart" in table
    assert SATURATED not in table and "fast" in table and IDLE in table
    assert "1 model not in the chart" in sections.models_table(data, exclude_top=10)
    data.summary = data.summary[~data.summary["no_traffic"]]
    assert "Every model is in the chart" in sections.models_table(data, exclude_top=10)


def test_footer_shows_queries_url_version_and_generation_time():
    footer = sections.footer(make_data())
    for text in ("histogram_quantile(0.95", "prometheus.example", "0.1.0", "2026-12-01 00:00:12"):
        assert text in footer


def test_headline_says_when_there_is_nothing_to_compare_or_no_data():
    data = make_data()
    gone = {"p95_previous_ms": np.nan, "delta_p95_ms": np.nan, "delta_p95_pct": np.nan}
    no_previous = dataclasses.replace(data, summary=data.summary.assign(**gone))
    text = sections.headline(no_previous)
    assert "No comparison" in text and "1 % slower" not in text
    empty = dataclasses.replace(data, summary=data.summary.iloc[0:0])
    text = sections.headline(empty)
    assert "No data:" in text and "Slowest" not in text and "slower" not in text
    assert sections.models_table(empty) == sections._wrap("")


def test_footer_states_the_slo_estimate_and_the_chart_rate_window():
    data = make_data(slo_ms=1500.0)
    data.meta["chart_range"] = "15m"
    text = sections.footer(data)
    assert "each point over the 15m before it" in text
    assert "1500 ms; the share under it is interpolated" in text
    assert "Requests ≤ 1500 ms (est.)" in sections.summary_table(data)


def test_footer_states_an_assumed_unit():
    data = make_data()
    assert "assumed seconds" not in sections.footer(data)
    data.meta["unit_assumed"] = True  # a metric name without _seconds/_milliseconds/_ms
    assert "assumed seconds (the metric name has no unit suffix)" in sections.footer(data)
