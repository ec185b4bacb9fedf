"""A comparison shown: the chart, the terminal table, the JSON body and the report's section,
each safe for hostile model names and label values (no Prometheus needed)."""

from __future__ import annotations

import json
import math

import numpy as np
import orjson
import pandas as pd
import pytest

import p95kit
from p95kit.compare.busiest import compare_busiest
from p95kit.compare.pairs import compare_frame
from p95kit.compare.payload import to_compare_payload
from p95kit.compare.verdicts import Rules
from p95kit.display.compare_text import render
from p95kit.display.plotting import figure_png
from p95kit.query.histogram import Histogram
from p95kit.query.payloads import dumps
from p95kit.report import compare_section
from p95kit.report.data import ReportData
from tests.support.dataset import HOSTILE_MODEL, UNICODE_MODEL

BOUNDS = np.array([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, math.inf])
FAST = [600, 1700, 500, 150, 40, 10, 0]
SLOW = [0, 600, 1700, 500, 150, 40, 10]
ANSI_MODEL = "evil\x1b[31m\nmodel"
MATH_MODEL = "$\\frac{1}{0}$ model"


def one(counts) -> Histogram:
    return Histogram.of(BOUNDS, np.cumsum([counts], axis=1), np.array([np.nan]), scale=1000.0)


@pytest.fixture
def frame() -> pd.DataFrame:
    names = [HOSTILE_MODEL, UNICODE_MODEL, ANSI_MODEL, MATH_MODEL, "solo"]
    baseline = {name: one(FAST) for name in names}
    candidate = {HOSTILE_MODEL: one(SLOW), UNICODE_MODEL: one(FAST), ANSI_MODEL: one(SLOW)}
    candidate[MATH_MODEL] = one(FAST)
    result = compare_frame(names, baseline, candidate, Rules())
    result.attrs.update(
        kind="compare",
        metric_name="request_duration_seconds",
        model_label="model",
        baseline='version="v1"',
        candidate='version="<b>v2</b>\\n"',
        time_range="1h",
        at=1795219200.0,
        baseline_at=None,
        max_slowdown_pct=10.0,
        confidence=95.0,
        alternative="two-sided",
        looks=1,
        estimator="x",
        selector="",
        unit="s",
        unit_assumed=False,
    )
    return result


def test_the_chart_draws_every_name_as_plain_text(frame):
    fig = p95kit.plot_compare(frame, max_models=5)
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]
    shown = " ".join(t.get_text() for t in texts)
    for name in (HOSTILE_MODEL, UNICODE_MODEL, MATH_MODEL, "solo"):
        assert name[:30] in shown
    assert all(not t.get_parse_math() for t in texts if "$" in t.get_text())
    assert figure_png(fig).startswith(b"\x89PNG")
    slower_first = [t.get_text() for t in fig.axes[0].texts] + [fig.axes[0].get_title(loc="left")]
    assert any("slower" in text for text in slower_first)


def test_the_chart_needs_a_compare_frame(frame):
    with pytest.raises(p95kit.InvalidParameterError, match=r"p95kit\.compare"):
        p95kit.plot_compare(pd.DataFrame({"model": ["a"]}))
    chosen = p95kit.plot_compare(frame, models=["solo", "nope"])
    assert len(chosen.axes) == 1


def test_the_terminal_table_escapes_control_characters(frame):
    text = render(frame, "table")
    assert "\x1b" not in text and "evil\\x1b[31m\\nmodel" in text
    assert "slower" in text and "per side are needed" in text
    assert 'baseline version="v1", candidate version="<b>v2</b>\\n"' in text


def test_the_json_body_is_strict_and_leads_with_the_worst_verdict(frame):
    body = to_compare_payload(frame)
    assert body["verdict"] == "slower" and body["count"] == len(frame)
    assert set(body["slower"]) == {HOSTILE_MODEL, ANSI_MODEL}
    text = dumps(body).decode()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(render(frame, "json")) == json.loads(text)
    solo = next(item for item in body["data"] if item["model"] == "solo")
    assert solo["p95_candidate"] is None and solo["verdict"] == "inconclusive"
    with pytest.raises(p95kit.InvalidParameterError):
        to_compare_payload(frame.drop(columns=["reason"]))


def test_csv_has_every_column_once(frame):
    lines = render(frame, "csv").splitlines()
    assert lines[0].split(",")[:4] == [
        "model",
        "requests_baseline",
        "requests_candidate",
        "p50_baseline",
    ]


def test_the_report_section_escapes_and_reads_back_from_summary_json():
    by_label = {
        HOSTILE_MODEL: {
            "v1": one(FAST),
            "<script>v2</script>": one(SLOW),
            "v0": one([1] * 6 + [0]),
        },
        "lonely": {"v1": one(FAST)},
    }
    frame = compare_busiest(by_label, "version")
    rows = frame.set_index("model")
    assert rows.loc[HOSTILE_MODEL, "baseline_value"] in ("v1", "<script>v2</script>")
    assert rows.loc[HOSTILE_MODEL, "verdict"] in ("slower", "faster")
    assert rows.loc["lonely", "reason"].startswith("only one version value had traffic")
    meta = orjson.loads(dumps({"compare": compare_section.to_meta(frame)}))  # summary.json
    data = ReportData(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), meta)
    html = compare_section.compare_table(data)
    assert "<script>" not in html and "&lt;script&gt;v2&lt;/script&gt;" in html
    assert HOSTILE_MODEL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Versions compared (by version)" in html
    assert compare_section.compare_table(ReportData(*[pd.DataFrame()] * 4, {})) == ""
