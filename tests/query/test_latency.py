"""The public query functions (p95kit.query.latency) against a real Prometheus serving
tests/support/dataset.py.

Every expected value is computed from the dataset's per-step counts with an
independent histogram_quantile (dataset.expected_quantile), never copied.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

import p95kit
from p95kit.query.payloads import dumps
from tests.support import dataset

END = dataset.END
REQ_BOUNDS = dataset.SECONDS_BOUNDS


def ms(q: float, counts, bounds=REQ_BOUNDS, scale: float = 1000.0) -> float:
    return dataset.expected_quantile(q, bounds, counts) * scale


def assert_ms(actual: float, expected: float) -> None:
    if math.isnan(expected):
        assert math.isnan(actual)
    else:
        assert actual == pytest.approx(expected, rel=1e-9)


def test_p95_values_schema_and_order(backend):
    frame = p95kit.p95(prometheus_url=backend.url, at=END)
    assert list(frame.columns) == [
        "model",
        "p95_latency_ms",
        "timestamp",
        "metric_name",
        "time_range",
    ]
    assert [str(t) for t in frame.dtypes] == ["str", "float64", "datetime64[ns, UTC]", "str", "str"]
    assert frame["model"].tolist() == dataset.REQUEST_MODELS  # sorted by name
    for model, value in zip(frame["model"], frame["p95_latency_ms"]):
        assert_ms(value, ms(0.95, dataset.REQUEST_COUNTS[model]))
    row = frame.set_index("model")
    assert row.loc["gpt-4", "p95_latency_ms"] == pytest.approx(375.0)
    assert math.isnan(row.loc["idle-model", "p95_latency_ms"])
    assert row.loc["slow-model", "p95_latency_ms"] == pytest.approx(10_000.0)
    assert (frame["timestamp"] == pd.Timestamp(END, unit="s", tz="UTC")).all()
    assert frame.attrs["kind"] == "p95" and frame.attrs["time_range"] == "5m"


def test_at_accepts_datetime_and_rfc3339(backend):
    by_number = p95kit.p95(prometheus_url=backend.url, at=END)
    by_text = p95kit.p95(prometheus_url=backend.url, at="2026-11-21T00:00:00Z")
    by_datetime = p95kit.p95(
        prometheus_url=backend.url, at=datetime(2026, 11, 21, tzinfo=timezone.utc)
    )
    by_numpy = p95kit.p95(prometheus_url=backend.url, at=np.int64(END))  # df.column // 10**9
    pd.testing.assert_frame_equal(by_number, by_text)
    pd.testing.assert_frame_equal(by_number, by_datetime)
    pd.testing.assert_frame_equal(by_number, by_numpy)


def test_drifting_model_changes_in_time(backend):
    before = p95kit.p95(
        prometheus_url=backend.url, at=dataset.DRIFT_AT - 3600, models=["drifting-model"]
    )
    after = p95kit.p95(prometheus_url=backend.url, at=END, models=["drifting-model"])
    drift = next(h for h in dataset.HISTOGRAMS if h.labels["model"] == "drifting-model")
    assert_ms(before["p95_latency_ms"].iloc[0], ms(0.95, drift.before))
    assert_ms(after["p95_latency_ms"].iloc[0], ms(0.95, drift.after))
    assert after["p95_latency_ms"].iloc[0] > before["p95_latency_ms"].iloc[0]


def test_custom_metric_label_and_time_range(backend):
    frame = p95kit.p95(
        metric_name=dataset.SERVICE_METRIC,
        model_label="service",
        time_range="15m",
        prometheus_url=backend.url,
        at=END,
    )
    assert frame["model"].tolist() == ["checkout", "search"]
    for service, value in zip(frame["model"], frame["p95_latency_ms"]):
        assert_ms(value, ms(0.95, dataset.counts(dataset.SERVICE_METRIC, service=service)))
    assert set(frame["time_range"]) == {"15m"}
    assert set(frame["metric_name"]) == {dataset.SERVICE_METRIC}


def test_millisecond_histogram_is_not_scaled(backend):
    frame = p95kit.p95(metric_name=dataset.MS_METRIC, prometheus_url=backend.url, at=END)
    assert frame.attrs["unit"] == "ms"
    for model, value in zip(frame["model"], frame["p95_latency_ms"]):
        counts = dataset.counts(dataset.MS_METRIC, model=model)
        assert_ms(value, ms(0.95, counts, dataset.MS_BOUNDS, scale=1.0))


@pytest.mark.parametrize("wanted", ["50,95,99", [50, 95, 99], (99, 50, 95)])
def test_percentiles_as_list_or_text_in_one_request(backend, wanted):
    frame = p95kit.percentiles(percentiles=wanted, prometheus_url=backend.url, at=END)
    assert list(frame.columns) == ["model", "p50", "p95", "p99", "timestamp"]
    for _, row in frame.iterrows():
        counts = dataset.REQUEST_COUNTS[row["model"]]
        for q, column in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
            assert_ms(row[column], ms(q, counts))
    assert frame.attrs["query"].count("histogram_quantile") == 6  # classic or native, x3


def test_fractional_percentile_column(backend):
    frame = p95kit.percentiles(
        percentiles="99.9", prometheus_url=backend.url, at=END, models=["gpt-4"]
    )
    assert list(frame.columns) == ["model", "p99.9", "timestamp"]
    assert_ms(frame["p99.9"].iloc[0], ms(0.999, dataset.REQUEST_COUNTS["gpt-4"]))
    assert frame.attrs["warnings"] == []
    tiny = p95kit.percentiles(percentiles=[0.95], prometheus_url=backend.url, at=END)
    assert list(tiny.columns) == ["model", "p0.95", "timestamp"]  # answered, as asked ...
    assert "for P95 pass 95, not 0.95" in tiny.attrs["warnings"][-1]  # ... with a warning


def test_range_is_aligned_inclusive_and_exact(backend):
    frame = p95kit.p95_range(duration="1h", step="1m", prometheus_url=backend.url, end=END + 59)
    assert list(frame.columns) == ["model", "timestamp", "p95_latency_ms"]
    gpt4 = frame[frame["model"] == "gpt-4"]
    assert len(gpt4) == 61
    assert gpt4["timestamp"].iloc[-1] == pd.Timestamp(END, unit="s", tz="UTC")  # floored, kept
    assert gpt4["timestamp"].iloc[0] == pd.Timestamp(END - 3600, unit="s", tz="UTC")
    assert np.allclose(gpt4["p95_latency_ms"], 375.0, rtol=1e-9)
    assert frame["model"].is_monotonic_increasing
    again = p95kit.p95_range(duration="1h", step="1m", prometheus_url=backend.url, end=END + 30)
    pd.testing.assert_frame_equal(frame, again)  # same call, same points


def test_range_shows_the_drift(backend):
    frame = p95kit.p95_range(
        duration="24h", step="1h", prometheus_url=backend.url, end=END, models=["drifting-model"]
    )
    drift = next(h for h in dataset.HISTOGRAMS if h.labels["model"] == "drifting-model")
    early = frame[frame["timestamp"] <= pd.Timestamp(dataset.DRIFT_AT, unit="s", tz="UTC")]
    late = frame[frame["timestamp"] >= pd.Timestamp(dataset.DRIFT_AT + 600, unit="s", tz="UTC")]
    assert np.allclose(early["p95_latency_ms"], ms(0.95, drift.before), rtol=1e-9)
    assert np.allclose(late["p95_latency_ms"], ms(0.95, drift.after), rtol=1e-9)


def test_24h_at_5s_is_chunked_without_loss_or_duplicates(backend):
    frame = p95kit.p95_range(
        duration="24h", step="5s", prometheus_url=backend.url, end=END, models=["gpt-4", "claude-3"]
    )
    for model in ("gpt-4", "claude-3"):
        points = frame[frame["model"] == model]
        assert len(points) == 17_281
        assert points["timestamp"].is_unique and points["timestamp"].is_monotonic_increasing
        steps = points["timestamp"].diff().dropna().unique()
        assert list(steps) == [pd.Timedelta(seconds=5)]
        assert np.allclose(
            points["p95_latency_ms"], ms(0.95, dataset.REQUEST_COUNTS[model]), rtol=1e-9
        )


def test_empty_results_are_empty_frames_with_the_schema(backend):
    before_data = dataset.START - 86400
    frames = [
        p95kit.p95(prometheus_url=backend.url, at=before_data),
        p95kit.p95_range(prometheus_url=backend.url, end=before_data),
        p95kit.percentiles(prometheus_url=backend.url, at=before_data),
        p95kit.p95(metric_name="no_such_metric_seconds", prometheus_url=backend.url, at=END),
    ]
    for frame in frames:
        assert frame.empty
        assert "datetime64[ns, UTC]" in [str(t) for t in frame.dtypes]
        payload = p95kit.to_payload(frame)
        assert payload["count"] == 0 and payload["data"] == []
        assert "check metric_name, model_label and selector" in frame.attrs["warnings"][-1]


def test_models_filter_with_quotes_backslashes_and_html(backend):
    hostile = dataset.HOSTILE_MODEL
    frame = p95kit.p95(prometheus_url=backend.url, at=END, models=[hostile, dataset.UNICODE_MODEL])
    assert frame["model"].tolist() == sorted([hostile, dataset.UNICODE_MODEL])
    assert_ms(
        frame.set_index("model").loc[hostile, "p95_latency_ms"],
        ms(0.95, dataset.REQUEST_COUNTS[hostile]),
    )
    payload = p95kit.to_payload(frame)
    assert hostile in [d["model"] for d in payload["data"]]
    assert json.loads(dumps(payload))["data"][0]["model"] == hostile  # round-trips exactly


def test_models_filter_cannot_break_out_of_the_selector(backend):
    frame = p95kit.p95(prometheus_url=backend.url, at=END, models=['x"} or vector(1) or {a="'])
    assert frame.empty


def test_selector(backend):
    staging = p95kit.p95(prometheus_url=backend.url, at=END, selector='env="staging"')
    assert staging["model"].tolist() == ["staging-model"]
    prod = p95kit.p95(prometheus_url=backend.url, at=END, selector='env=~"pro.*"')
    assert prod["model"].tolist() == dataset.PROD_MODELS


def test_list_models(backend):
    assert p95kit.list_models(prometheus_url=backend.url, end=END) == dataset.REQUEST_MODELS
    services = p95kit.list_models(
        metric_name=dataset.SERVICE_METRIC,
        model_label="service",
        prometheus_url=backend.url,
        end=END,
    )
    assert services == ["checkout", "search"]


def test_client_reuse_and_url_from_environment(backend, monkeypatch):
    monkeypatch.setenv("P95KIT_PROMETHEUS_URL", backend.url)
    with p95kit.Prometheus() as client:
        assert client.url == backend.url
        first = p95kit.p95(client=client, at=END)
        second = p95kit.percentiles(client=client, at=END)
    assert len(first) == len(second) == len(dataset.REQUEST_MODELS)
    assert len(p95kit.p95(at=END)) == len(dataset.REQUEST_MODELS)
    with p95kit.Prometheus(backend.url) as client:  # the same URL with a trailing slash is fine
        assert len(p95kit.p95(prometheus_url=backend.url + "/", client=client, at=END))
        with pytest.raises(p95kit.InvalidParameterError, match="vs the client's http://127"):
            p95kit.p95(prometheus_url="http://other:9090", client=client, at=END)


def test_prometheus_rejecting_a_query(prom):
    client = p95kit.Prometheus(prom.url)
    with client, pytest.raises(p95kit.PrometheusQueryError) as info:
        client.query("sum(", END)
    assert info.value.error_type == "bad_data"


def test_several_percentiles_cost_one_http_request(backend):
    from tests.support.proxy import Proxy

    with Proxy(backend.url) as proxy:
        frame = p95kit.percentiles(percentiles="50,95,99,99.9", prometheus_url=proxy.url, at=END)
    assert list(frame.columns) == ["model", "p50", "p95", "p99", "p99.9", "timestamp"]
    assert [seen.path for seen in proxy.seen] == ["/api/v1/query"]


def test_the_unit_can_be_overridden(backend):
    """``inference_latency_ms`` is already ms; ``unit="s"`` says it is seconds after all."""
    as_named = p95kit.p95(dataset.MS_METRIC, prometheus_url=backend.url, at=END)
    as_ms = p95kit.p95(dataset.MS_METRIC, prometheus_url=backend.url, at=END, unit="ms")
    as_s = p95kit.p95(dataset.MS_METRIC, prometheus_url=backend.url, at=END, unit="s")
    assert as_named["p95_latency_ms"].tolist() == as_ms["p95_latency_ms"].tolist()
    assert as_s["p95_latency_ms"].tolist() == pytest.approx(
        (as_ms["p95_latency_ms"] * 1000).tolist(), rel=1e-12
    )
    assert (as_named.attrs["unit"], as_s.attrs["unit"]) == ("ms", "s")


def test_thirty_days_at_one_minute_joins_its_chunks_exactly(backend):
    """43,201 points per series: 4 chunks of at most 11,000, fetched concurrently."""
    from p95kit.prometheus.chunks import split_range

    end = float(END - END % 60)
    start = end - 30 * 86400
    assert len(split_range(start, end, 60)) == 4
    with p95kit.Prometheus(backend.url) as client:
        result = client.query_range("vector(1)", start, end, 60)
    assert result.columns is not None and result.columns.lengths.tolist() == [43_201]
    times = result.columns.stamps
    assert times[0] == start and times[-1] == end
    assert (np.diff(times) == 60).all()  # no gap, no duplicate at the chunk boundaries
    assert (result.columns.values == 1.0).all()
