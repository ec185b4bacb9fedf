"""The snapshots side by side: ``p95kit.history`` and the trends on ``index.html``, from
hand-made published snapshots (no Prometheus, no kernel)."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
from pathlib import Path

import pandas as pd
import pytest

import p95kit
from p95kit.report.data import METRICS_DIR, folder_name
from p95kit.report.index_page import render_index
from p95kit.report.snapshots import SnapshotStore
from p95kit.report.trends import WORSE_OVER, Trend, model_trends, sparkline
from tests.support.report_data import END, HOSTILE, IDLE, SATURATED, make_data

DAY = 86400


def publish(store: SnapshotStore, day: int, growth: float = 0.1, **options) -> Path:
    """A 24 h snapshot ending ``day`` days after END, every P95 ``growth`` higher per day
    (``metrics``: several metric names; ``failed``, ``duration``)."""
    metrics = options.get("metrics", ["request_duration_seconds"])
    staging = store.new_staging(time.time())
    for index, metric in enumerate(metrics):
        data = make_data()
        data.summary["p95"] = data.summary["p95"] * (1 + growth * day)
        meta = {**data.meta, "metric_name": metric, "window_end": END + day * DAY}
        meta["duration"] = options.get("duration", "24h")
        if len(metrics) > 1:
            meta["metrics"] = [
                {"metric_name": m, "title": "", "folder": f"{METRICS_DIR}/{folder_name(m)}"}
                for m in metrics
            ]
        data = dataclasses.replace(data, meta=meta)
        if index == 0:
            data.save(staging)
        sub = staging / METRICS_DIR / folder_name(metric)
        sub.mkdir(parents=True, exist_ok=True)
        data.save(sub)
    status = "failed" if options.get("failed") else "success"
    window = {"duration": options.get("duration", "24h")}
    (staging / "run.json").write_text(json.dumps({"status": status, "window": window}))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(END + day * DAY))
    name = f"{stamp}_{options.get('duration', '24h')}"
    return store.publish(staging, name, failed=bool(options.get("failed")))


def test_history_has_every_published_snapshots_rows(tmp_path):
    store = SnapshotStore(tmp_path)
    for day in range(3):
        publish(store, day)
    publish(store, 3, failed=True)  # not published: left out
    frame = p95kit.history(tmp_path)
    assert list(frame.columns) == [
        "snapshot",
        "window_end",
        "metric_name",
        "model",
        "requests",
        "p50",
        "p95",
        "p99",
        "duration",
    ]
    assert str(frame["window_end"].dtype) == "datetime64[ns, UTC]"
    assert frame["p95"].dtype == "float64" and frame["model"].dtype == "str"
    models = sorted(make_data().summary["model"])
    assert len(frame) == 3 * len(models)
    assert frame["snapshot"].nunique() == 3
    ends = frame.drop_duplicates("snapshot")["window_end"].tolist()
    assert ends == sorted(ends) and ends[0] == pd.Timestamp(END, unit="s", tz="UTC")
    hostile = frame[frame["model"] == HOSTILE]["p95"].tolist()
    assert hostile == pytest.approx([400.0, 440.0, 480.0])
    assert frame[frame["model"] == IDLE]["p95"].isna().all()
    assert len(p95kit.history(tmp_path, last=2)) == 2 * len(models)


def test_history_of_a_multi_metric_report_and_of_nothing(tmp_path):
    metrics = ["vllm:e2e_request_latency_seconds", "vllm:time_to_first_token_seconds"]
    publish(SnapshotStore(tmp_path / "llm"), 0, metrics=metrics)
    frame = p95kit.history(tmp_path / "llm")
    assert frame["metric_name"].drop_duplicates().tolist() == metrics
    empty = p95kit.history(tmp_path / "nothing-here")
    assert empty.empty and list(empty.columns) == list(frame.columns)


def test_index_shows_a_trend_per_model_and_marks_the_ones_getting_worse(tmp_path):
    store = SnapshotStore(tmp_path)
    for day in range(3):
        publish(store, day)
    page = render_index(store)
    assert page.count('<svg class="spark"') == 4  # the idle model has no line
    rows = re.findall(r"<tr class=\"([a-z]*)\"><td class=\"model\">(.*?)</td>", page)
    worse = {name for css, name in rows if css == "worse"}
    assert worse == {"&lt;img src=x onerror=alert(1)&gt;", "fast", SATURATED, "$x$ and \\alpha_1"}
    assert "<img src=x" not in page
    assert f"slower {WORSE_OVER} snapshots in a row" in page
    assert 'title="400.0 ms, 440.0 ms, 480.0 ms"' in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page)  # offline


def test_two_snapshots_are_a_trend_but_not_yet_a_worsening(tmp_path):
    store = SnapshotStore(tmp_path)
    publish(store, 0)
    assert "P95 trend" not in render_index(store)  # one snapshot: nothing to draw
    publish(store, 1)
    page = render_index(store)
    assert "P95 trend" in page and "▲ slower" not in page


def test_trends_compare_windows_of_the_same_length(tmp_path):
    store = SnapshotStore(tmp_path)
    for day in range(3):
        publish(store, day)
    publish(store, 4, growth=-0.05, duration="1h")
    frame = p95kit.history(tmp_path)
    daily = model_trends(frame, "24h")
    assert {len(t.p95) for t in daily} == {3}
    assert model_trends(frame) == []  # the latest is a 1h report: only one of those


def test_a_worsening_needs_each_step_to_be_at_least_1_percent():
    assert Trend("m", "a", (100.0, 102.0, 104.0)).worse
    assert not Trend("m", "a", (100.0, 102.0, 102.5)).worse  # +0.5 %: not "worse"
    assert not Trend("m", "a", (100.0, math.nan, 104.0)).worse
    assert not Trend("m", "a", (100.0, 104.0)).worse
    assert Trend("m", "a", (100.0, 50.0)).change_pct == -50.0


def test_the_sparkline_is_numbers_only():
    svg = sparkline((1.0, math.nan, 3.0, 2.0))
    assert re.fullmatch(r"[<>/=\"a-zA-Z0-9 .,:\-]+", svg)
    assert svg.count("<polyline") == 1  # the gap splits the line; one point alone is no line
    assert sparkline((math.nan,)) == ""
