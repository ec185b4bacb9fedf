"""``p95kit.buckets``: the histogram behind the percentiles, exact against the known datasets.

Expected counts come from the per-step counts of tests/support/dataset.py (classic) and
tests/support/remote_write.py (native), never from p95kit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import p95kit
from p95kit.query.buckets import COLUMNS, parse_buckets
from tests.support import dataset
from tests.support import remote_write as rw

WINDOW = 300  # time_range="5m"


def expected_rows(bounds_ms, counts):
    """(lower, upper, count, share, cumulative share) per bucket from non-cumulative counts."""
    uppers = [*bounds_ms, math.inf]
    lowers = [0.0, *bounds_ms]
    total = sum(counts)
    shares = [c / total if total else math.nan for c in counts]
    return lowers, uppers, list(map(float, counts)), shares, list(np.cumsum(shares))


def check_model(frame, model, bounds_ms, counts):
    rows = frame[frame["model"] == model]
    lowers, uppers, counts, shares, cumulative = expected_rows(bounds_ms, counts)
    assert rows["lower_ms"].tolist() == pytest.approx(lowers)
    assert rows["upper_ms"].tolist() == pytest.approx(uppers)
    assert rows["count"].tolist() == pytest.approx(counts)
    assert rows["share"].tolist() == pytest.approx(shares, nan_ok=True)
    assert rows["cumulative_share"].tolist() == pytest.approx(cumulative, nan_ok=True)


def test_classic_buckets_are_exact_for_every_model(backend):
    frame = p95kit.buckets(prometheus_url=backend.url, at=dataset.END)
    assert tuple(frame.columns) == COLUMNS
    assert frame["model"].tolist() == sorted(frame["model"].tolist())
    assert sorted(frame["model"].unique()) == dataset.REQUEST_MODELS
    bounds_ms = [b * 1000 for b in dataset.SECONDS_BOUNDS]
    for model in dataset.REQUEST_MODELS:
        counts = dataset.counts_between(dataset.END - WINDOW, dataset.END, model=model)
        check_model(frame, model, bounds_ms, counts)
    idle = frame[frame["model"] == "idle-model"]
    assert (idle["count"] == 0).all() and idle["share"].isna().all()
    assert frame.attrs["kind"] == "buckets" and "sum by (le, model)" in frame.attrs["query"]


def test_the_p95_bucket_is_the_one_prometheus_interpolated_in(backend):
    """gpt-4: 10/30/50/10 per step -> P95 = 375 ms lies in (250, 500]."""
    frame = p95kit.buckets(prometheus_url=backend.url, at=dataset.END, models=["gpt-4"])
    holding = frame[frame["cumulative_share"] >= 0.95].iloc[0]
    assert (holding["lower_ms"], holding["upper_ms"]) == (250.0, 500.0)
    p95 = p95kit.p95(prometheus_url=backend.url, at=dataset.END, models=["gpt-4"])
    assert holding["lower_ms"] < p95["p95_latency_ms"].iloc[0] <= holding["upper_ms"]


def test_milliseconds_metric_and_other_label_and_window(backend):
    frame = p95kit.buckets(
        "inference_latency_ms", time_range="1h", prometheus_url=backend.url, at=dataset.END
    )
    assert frame.attrs["unit"] == "ms"
    for model in ("gpt-4", "claude-3"):
        counts = dataset.counts_between(
            dataset.END - 3600, dataset.END, dataset.MS_METRIC, model=model
        )
        check_model(frame, model, list(dataset.MS_BOUNDS), counts)
    services = p95kit.buckets(
        dataset.SERVICE_METRIC, model_label="service", prometheus_url=backend.url, at=dataset.END
    )
    assert sorted(services["model"].unique()) == ["checkout", "search"]


def test_empty_answer_keeps_the_schema_and_warns(backend):
    frame = p95kit.buckets("no_such_metric_seconds", prometheus_url=backend.url, at=dataset.END)
    assert frame.empty and tuple(frame.columns) == COLUMNS
    assert frame["count"].dtype == np.float64
    assert frame.attrs["warnings"]


def test_summary_is_refused_before_anything_is_sent():
    with pytest.raises(p95kit.InvalidParameterError, match="histogram"):
        p95kit.buckets(histogram="summary", prometheus_url="http://127.0.0.1:9")


def test_le_spelled_two_ways_is_one_bucket():
    """Python writes le="1.0", C++/Rust/Go write le="1": Prometheus 2.x keeps both."""
    result = [
        {"metric": {"model": "m", "le": le}, "value": [0, value]}
        for le, value in (("0.5", "2"), ("1.0", "3"), ("1", "4"), ("+Inf", "10"), ("+Inf", "1"))
    ]
    frame = parse_buckets(result, "model", 1000.0)
    assert frame["upper_ms"].tolist() == [500.0, 1000.0, math.inf]
    assert frame["count"].tolist() == [2.0, 5.0, 4.0]


def test_native_buckets_are_exact(native_prom):
    frame = p95kit.buckets(prometheus_url=native_prom.url, at=native_prom.end, histogram="native")
    steps = WINDOW // rw.STEP
    for series_model in ("gpt-4", "claude-3"):
        series = [s for s in rw.NATIVE if s.labels["model"] == series_model]
        per_bucket: dict[int, int] = {}
        for s in series:
            for index, count in s.per_step.items():
                per_bucket[index] = per_bucket.get(index, 0) + count
        rows = frame[(frame["model"] == series_model) & (frame["count"] > 0)]
        schema = series[0].schema
        indexes = sorted(per_bucket)
        assert rows["upper_ms"].tolist() == pytest.approx(
            [rw.bucket_bound(i, schema) * 1000 for i in indexes]
        )
        assert rows["lower_ms"].tolist() == pytest.approx(
            [rw.bucket_bound(i - 1, schema) * 1000 for i in indexes]
        )
        assert rows["count"].tolist() == pytest.approx([per_bucket[i] * steps for i in indexes])
        assert frame[frame["model"] == series_model]["share"].sum() == pytest.approx(1.0)
