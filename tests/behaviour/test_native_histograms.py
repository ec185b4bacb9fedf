"""Native histograms on a real Prometheus, pushed through remote write
(tests/support/remote_write.py).

Every tested quantile's rank falls on the edge between two adjacent populated buckets, so
the expected value is that edge, computed here from the pushed per-step counts.
"""

from __future__ import annotations

import math
from itertools import accumulate

import numpy as np
import pandas as pd
import pytest

import p95kit
from p95kit.query import promql
from tests.support import dataset
from tests.support import remote_write as rw


def native_ms(q: float, model: str) -> float:
    """The edge where the cumulative per-step count of ``model`` reaches ``q`` of its total."""
    series = [s for s in rw.NATIVE if s.labels["model"] == model]
    per_bucket: dict[int, int] = {}
    for s in series:
        for index, count in s.per_step.items():
            per_bucket[index] = per_bucket.get(index, 0) + count
    indexes = sorted(per_bucket)
    total = sum(per_bucket.values())
    if total == 0:
        return math.nan
    cumulative = list(accumulate(per_bucket[i] for i in indexes))
    position = cumulative.index(q * total)  # ValueError: not on an edge, the test data is wrong
    assert indexes[position + 1] == indexes[position] + 1, "edge between adjacent buckets"
    return rw.bucket_bound(indexes[position], series[0].schema) * 1000


def by_model(frame: pd.DataFrame, column: str) -> dict[str, float]:
    return dict(zip(frame["model"], frame[column]))


def test_encoder_basics():
    assert rw.varint(150) == b"\x96\x01"  # the protobuf documentation's example
    assert [rw.zigzag(v) for v in (0, -1, 1, -2, 2)] == [0, 1, 2, 3, 4]
    assert rw.spans_and_deltas({2: 100, 3: 90, 4: 8, 5: 1, 9: 1}) == (
        [(2, 4), (3, 1)],
        [100, -10, -82, -7, 0],
    )
    assert rw.bucket_bound(-3, 0) == 0.125 and rw.bucket_bound(4, 3) == math.sqrt(2)


@pytest.mark.parametrize("histogram", ["native", "auto"])
def test_p95_native_is_exact(native_prom, histogram):
    frame = p95kit.p95(prometheus_url=native_prom.url, at=native_prom.end, histogram=histogram)
    values = by_model(frame, "p95_latency_ms")
    assert sorted(values) == ["both-kinds", "claude-3", "gpt-4", "idle-model"]
    assert values["gpt-4"] == pytest.approx(250.0, rel=1e-9)  # 95 of 100 per step <= 1/4 s
    assert values["claude-3"] == pytest.approx(native_ms(0.95, "claude-3"), rel=1e-9)
    assert values["claude-3"] == pytest.approx(1000 * 2 ** (3 / 8), rel=1e-9)
    assert math.isnan(values["idle-model"])  # no traffic
    assert list(frame.columns) == [
        "model",
        "p95_latency_ms",
        "timestamp",
        "metric_name",
        "time_range",
    ]


def test_auto_prefers_the_classic_twin_without_duplicating_the_model(native_prom):
    """Both kinds for one metric (scrape_classic_histograms): ``or`` keeps the classic one."""
    auto = p95kit.p95(prometheus_url=native_prom.url, at=native_prom.end)
    native = p95kit.p95(prometheus_url=native_prom.url, at=native_prom.end, histogram="native")
    assert auto["model"].is_unique
    classic = dataset.expected_quantile(0.95, rw.CLASSIC_TWIN_BOUNDS, rw.CLASSIC_TWIN_COUNTS)
    assert by_model(auto, "p95_latency_ms")["both-kinds"] == pytest.approx(classic * 1000)
    assert by_model(native, "p95_latency_ms")["both-kinds"] == pytest.approx(
        native_ms(0.95, "both-kinds"), rel=1e-9
    )
    assert classic * 1000 != pytest.approx(native_ms(0.95, "both-kinds"))  # it tells them apart


@pytest.mark.parametrize("histogram", ["native", "auto"])
def test_percentiles_native_in_one_request(native_prom, histogram):
    frame = p95kit.percentiles(
        prometheus_url=native_prom.url,
        at=native_prom.end,
        histogram=histogram,
        models=["gpt-4", "claude-3"],
    )
    assert list(frame.columns) == ["model", "p50", "p95", "p99", "timestamp"]
    for _, row in frame.iterrows():
        for q in (0.5, 0.95, 0.99):
            column = f"p{q * 100:g}"
            assert row[column] == pytest.approx(native_ms(q, row["model"]), rel=1e-9), column
    assert by_model(frame, "p99")["gpt-4"] == pytest.approx(500.0, rel=1e-9)


def test_range_native_is_constant_and_aligned(native_prom):
    end = native_prom.end
    frame = p95kit.p95_range(
        duration="10m",
        step="1m",
        prometheus_url=native_prom.url,
        end=end,
        histogram="native",
        models=["claude-3"],
    )
    assert len(frame) == 11
    assert frame["timestamp"].iloc[-1] == pd.Timestamp(end, unit="s", tz="UTC")
    assert np.allclose(frame["p95_latency_ms"], native_ms(0.95, "claude-3"), rtol=1e-9)


def test_list_models_and_request_count_native(native_prom):
    models = p95kit.list_models(
        prometheus_url=native_prom.url, end=native_prom.end, histogram="native"
    )
    assert models == ["both-kinds", "claude-3", "gpt-4", "idle-model"]
    query = promql.request_count(promql.Target(histogram="native"), "5m")
    with p95kit.Prometheus(native_prom.url) as client:
        result = client.query(query, native_prom.end)
    counts = {i["metric"]["model"]: float(i["value"][1]) for i in result.result}
    per_5m = 300 // rw.STEP
    assert counts["gpt-4"] == pytest.approx(100 * per_5m, rel=1e-9)
    assert counts["claude-3"] == pytest.approx(200 * per_5m, rel=1e-9)
    assert counts["idle-model"] == 0
