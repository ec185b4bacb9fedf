"""The report's "would have paged" lines (p95kit.report.paging_section): the backtest of the
report's window on the test Prometheus, and the HTML, escaped."""

from __future__ import annotations

from p95kit.prometheus.client import Prometheus
from p95kit.report.data import ReportData
from p95kit.report.paging_section import paging, paging_section
from p95kit.report.parameters import ReportSettings
from p95kit.report.plan import plan_metrics
from tests.support import dataset


def _plan(slo_ms: float):
    settings = ReportSettings(duration="24h", end=dataset.END, slo_ms=slo_ms)
    return plan_metrics(settings)[0][0].plan


def _data(found: dict) -> ReportData:
    return ReportData(*([None] * 4), meta={"paging": found})  # type: ignore[arg-type]


def test_each_model_says_whether_the_slo_would_have_paged(prom):
    with Prometheus(prom.url) as client:
        found = paging(client, _plan(500), 99.0)
    rows = {row["model"]: row for row in found["rows"]}
    assert set(rows) == set(dataset.REQUEST_MODELS)
    drift = rows["drifting-model"]  # slower from 12 h before the end: one page
    assert drift["pages"] == 1 and drift["text"].startswith("would have paged once, first at")
    assert drift["first_page"].startswith("2026-11-20T12:")
    assert rows["gpt-4"]["text"] == rows["idle-model"]["text"] == "would not have paged"
    assert rows["slow-model"]["pages"] == 1 and found["note"] == ""


def test_a_threshold_between_bounds_is_moved_and_the_section_says_so(prom):
    with Prometheus(prom.url) as client:
        found = paging(client, _plan(300), 99.0)
    assert found["threshold_bucket_ms"] == 250
    assert "threshold moved from 300 ms to the bucket bound 250 ms" in paging_section(_data(found))


def test_the_section_escapes_model_names_and_is_empty_without_an_objective():
    row = {
        "model": dataset.HOSTILE_MODEL,
        "pages": 2,
        "first_page": "2026-11-20T12:11:00Z",
        "firing_minutes": 30.0,
        "peak_burn_rate": 80.0,
        "text": "would have paged 2 times, first at 2026-11-20 12:11 UTC, peak burn rate 80x",
    }
    found = {"objective": 99.0, "threshold_ms": 500, "note": "", "rows": [row]}
    html = paging_section(_data(found))
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "2026-11-20 12:11 UTC" in html and "would have paged 2 times" in html
    assert paging_section(ReportData(*([None] * 4), meta={})) == ""  # type: ignore[arg-type]
