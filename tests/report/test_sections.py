"""The report's rendering side: HTML fragments, the chart, the report notebook file."""

from __future__ import annotations

import dataclasses
import io
import math
import os
import re
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from matplotlib.figure import Figure

import p95kit
from p95kit import InvalidParameterError
from p95kit.display.chart_selection import chart_description
from p95kit.display.fonts import CJK_FAMILIES, chart_families, chart_fonts
from p95kit.display.plotting import MAX_LABEL_CHARS, chart_models, figure_png, plot_p95
from p95kit.report import sections
from p95kit.report.data import ReportData
from tests.support.report_data import HOSTILE, IDLE, MATH, SATURATED, make_data

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "report.ipynb"


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


def _range(count: int) -> pd.DataFrame:
    times = pd.date_range("2026-11-30", periods=48, freq="30min", tz="UTC")
    frames = [
        pd.DataFrame({"model": f"model-{i:02d}", "timestamp": times, "p95_latency_ms": 10.0 + i})
        for i in range(count)
    ]
    empty = pd.DataFrame({"model": pd.Series(dtype="str"), "timestamp": times[:0]})
    return pd.concat(frames, ignore_index=True) if frames else empty.assign(p95_latency_ms=0.0)


def _legend_labels(fig: Figure) -> list[str]:
    legend = fig.axes[0].get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_plot_with_no_models_says_no_data():
    fig = plot_p95(_range(0))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("No data" in t for t in texts)
    assert figure_png(fig).startswith(b"\x89PNG")


def test_plot_with_one_model_and_an_slo_line():
    fig = plot_p95(_range(1), slo_ms=250)
    assert _legend_labels(fig) == ["model-00", "SLO 250 ms"]
    assert fig.axes[0].get_ylabel() == "P95 latency (ms)"
    assert fig.axes[0].get_xlabel() == "Time (UTC)"


def test_figure_png_draws_once_and_gives_savefig_bytes(monkeypatch):
    """One draw (savefig draws a constrained-layout figure twice), the same PNG, and the
    figure left as it was (its canvas, dpi and face colour)."""
    expected = io.BytesIO()
    plot_p95(_range(12), slo_ms=250).savefig(expected, format="png", dpi=100, facecolor="white")
    fig = plot_p95(_range(12), slo_ms=250)
    before = fig.canvas, fig.dpi, fig.get_facecolor()
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: (draws.append(1), original(self, r))[1])
    assert figure_png(fig) == expected.getvalue()
    assert len(draws) == 1
    assert (fig.canvas, fig.dpi, fig.get_facecolor()) == before


def test_plot_caps_the_legend_and_says_how_many_are_hidden():
    fig = plot_p95(_range(30), max_models=10)
    labels = _legend_labels(fig)
    assert labels == [f"model-{i:02d}" for i in range(29, 19, -1)]
    title = fig.axes[0].get_legend().get_title().get_text()
    assert "10 of 30" in title and "20 more not shown" in title
    assert len(figure_png(fig)) > 10_000


def test_plot_draws_untrusted_names_literally_and_truncates_long_ones():
    data = make_data(names=(HOSTILE, MATH, "_private", "a" * 80))
    fig = plot_p95(data.range, slo_ms=300, order=data.summary["model"])
    texts = fig.axes[0].get_legend().get_texts()
    labels = [t.get_text() for t in texts]
    assert {HOSTILE, MATH, "_private"} <= set(labels)
    assert "a" * (MAX_LABEL_CHARS - 1) + "…" in labels
    assert all(not t.get_parse_math() and not t.get_usetex() for t in texts)
    figure_png(fig)  # drawing must not raise on "$", "\\" or "_"


def test_plot_draws_hangul_and_kanji_names_as_text():
    """The team's model names may be Korean: they need a CJK font, not boxes."""
    families = chart_families()
    if len(families) == 1:  # only DejaVu Sans: scripts/setup installs fonts-wqy-microhei
        message = "no CJK font installed (apt-get install fonts-wqy-microhei)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    names = ("한국어-요약-모델", "日本語モデル", "中文模型-v2")
    data = make_data(names=names)
    fig = plot_p95(data.range, order=data.summary["model"])
    texts = {t.get_text(): t for t in fig.axes[0].get_legend().get_texts()}
    assert set(names) <= set(texts)
    assert all(set(texts[n].get_fontfamily()) & set(CJK_FAMILIES) for n in names)
    with chart_fonts(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")  # as figure_png does, without its filter
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []


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


def test_plot_draws_into_a_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_p95(_range(3), ax=ax) is fig


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_has_one_parameters_cell_and_is_clean(notebook):
    nbformat.validate(notebook)
    assert notebook.cells[0].cell_type == "markdown"
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is notebook.cells[1]
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert not any(
        line.lstrip().startswith(("%", "!")) for c in code for line in c.source.split("\n")
    )
    assert notebook.metadata.kernelspec.name == "python3"


def test_notebook_parameters_are_annotated_with_the_documented_defaults(notebook):
    source = notebook.cells[1].source
    for line in (
        'prometheus_url: str = ""',
        'metric_name: str = ""',
        'duration: str = "24h"',
        "slo_ms: float = 0.0",
        "max_chart_models: int = 10",
        'data_dir: str = ""',
    ):
        assert line in source


def test_papermill_reads_every_parameter_with_its_type(notebook, caplog):
    found = papermill.inspect_notebook(str(NOTEBOOK))
    assert "Unable to parse" not in caplog.text  # a comment with "=" makes papermill skip a line
    assert list(found) == [
        "prometheus_url",
        "metric_name",
        "model_label",
        "duration",
        "step",
        "time_range",
        "percentiles",
        "end",
        "slo_ms",
        "objective",
        "models",
        "selector",
        "histogram",
        "unit",
        "max_chart_models",
        "estimator",
        "preset",
        "compare_label",
        "data_dir",
    ]
    assert all(p["inferred_type_name"] in ("str", "int", "float") for p in found.values())


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


def test_the_chart_rate_window_is_never_shorter_than_the_step():
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.plan import plan

    assert plan(ReportSettings(duration="7d")).chart_range == "30m"  # step 30m > 5m
    assert plan(ReportSettings(duration="24h", time_range="1h")).chart_range == "1h"


def test_plot_checks_its_arguments_and_frames_a_single_point():
    with pytest.raises(InvalidParameterError, match="missing: p95_latency_ms"):
        plot_p95(make_data().window)
    with pytest.raises(InvalidParameterError, match="max_models"):
        plot_p95(_range(3), max_models=0)
    with pytest.raises(InvalidParameterError, match="slo_ms"):
        plot_p95(_range(3), slo_ms=-1)
    one = _range(1).groupby("model").head(1)
    low, high = plot_p95(one).axes[0].get_xlim()
    assert high - low == pytest.approx(1 / 24)  # an hour (matplotlib dates are days)


def test_styled_shows_utc_escapes_and_formats_other_numbers():
    frame = pd.DataFrame(
        {
            "model": ["<b>x</b>", "y"],
            "p95_latency_ms": [1.234, np.nan],
            "timestamp": pd.to_datetime(["2026-11-27 10:00", None])
            .tz_localize("UTC")
            .tz_convert("Asia/Seoul"),
            "requests": [1234.0, 5.5],
        }
    )
    html = p95kit.styled(frame).to_html()
    cells = re.findall(r">([^<]*)</td>", html[html.index("<tbody") :])
    assert cells == [
        "&lt;b&gt;x&lt;/b&gt;",
        "1.2 ms",
        "2026-11-27 10:00:00 UTC",
        "1,234",
        "y",
        "no traffic",
        "—",
        "5.5",
    ]


def test_footer_states_an_assumed_unit():
    data = make_data()
    assert "assumed seconds" not in sections.footer(data)
    data.meta["unit_assumed"] = True  # a metric name without _seconds/_milliseconds/_ms
    assert "assumed seconds (the metric name has no unit suffix)" in sections.footer(data)
