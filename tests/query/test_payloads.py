"""Frames -> the original API's JSON, and parsing Prometheus results without HTTP."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from p95kit import InvalidParameterError, to_payload
from p95kit.query.frames import parse_instant, parse_matrix, parse_quantiles
from p95kit.query.payloads import dumps, error_payload, from_payload

AT = 1729123456.789


def _p95_frame() -> pd.DataFrame:
    result = [
        {"metric": {"model": "gpt-4"}, "value": [AT, "0.24567"]},
        {"metric": {"model": "a-idle"}, "value": [AT, "NaN"]},
        {"metric": {"model": "z-top"}, "value": [AT, "+Inf"]},
    ]
    frame = parse_instant(result, "model", "p95_latency_ms", 1000.0, AT)
    frame["metric_name"] = pd.Series(["request_duration_seconds"] * 3, dtype="str")
    frame["time_range"] = pd.Series(["5m"] * 3, dtype="str")
    frame.attrs.update(kind="p95", metric_name="request_duration_seconds", time_range="5m")
    return frame


def test_p95_payload_matches_the_contract_field_by_field():
    payload = to_payload(_p95_frame())
    assert list(payload) == ["status", "data", "count"]
    assert payload["status"] == "success" and payload["count"] == 3
    first = payload["data"][1]
    assert list(first) == ["model", "p95_latency_ms", "timestamp", "metric_name", "time_range"]
    assert first == {
        "model": "gpt-4",
        "p95_latency_ms": 245.67,
        "timestamp": 1729123456.789,
        "metric_name": "request_duration_seconds",
        "time_range": "5m",
    }
    assert [d["model"] for d in payload["data"]] == ["a-idle", "gpt-4", "z-top"]
    assert payload["data"][0]["p95_latency_ms"] is None  # NaN -> null
    assert payload["data"][2]["p95_latency_ms"] is None  # +Inf never becomes invalid JSON
    text = json.dumps(payload, allow_nan=False)
    assert json.loads(dumps(payload)) == json.loads(text)


def test_range_payload_groups_points_per_model():
    result = [
        {"metric": {"model": "b"}, "values": [[100, "0.1"], [160, "NaN"]]},
        {"metric": {"model": "a"}, "values": [[100, "0.2"], [160, "0.3"]]},
    ]
    frame = parse_matrix(result, "model", "p95_latency_ms", 1000.0)
    assert frame["model"].tolist() == ["a", "a", "b", "b"]
    frame.attrs.update(kind="p95_range", metric_name="m", duration="1h", step="1m")
    payload = to_payload(frame)
    assert payload["count"] == 2
    assert payload["data"][0] == {
        "model": "a",
        "data_points": [
            {"timestamp": 100.0, "p95_latency_ms": 200.0},
            {"timestamp": 160.0, "p95_latency_ms": 300.0},
        ],
        "metric_name": "m",
        "duration": "1h",
        "step": "1m",
    }
    assert payload["data"][1]["data_points"][1]["p95_latency_ms"] is None
    json.dumps(payload, allow_nan=False)


def test_percentiles_payload_and_column_names():
    result = [
        {"metric": {"model": "m", "quantile": q}, "value": [AT, v]}
        for q, v in (("0.5", "0.12045"), ("0.95", "0.24567"), ("0.999", "0.35089"))
    ]
    frame = parse_quantiles(result, "model", (50.0, 95.0, 99.9), 1000.0, AT)
    assert list(frame.columns) == ["model", "p50", "p95", "p99.9", "timestamp"]
    frame.attrs.update(
        kind="percentiles",
        percentiles=[50.0, 95.0, 99.9],
        metric_name="request_duration_seconds",
        time_range="5m",
    )
    payload = to_payload(frame)
    assert list(payload) == ["status", "data", "count", "metric_name", "time_range"]
    assert payload["data"] == [
        {
            "model": "m",
            "percentiles": {"p50": 120.45, "p95": 245.67, "p99.9": 350.89},
            "timestamp": AT,
        }
    ]


def test_empty_frames_keep_schema_and_payloads_are_empty():
    instant = parse_instant([], "model", "p95_latency_ms", 1000.0, AT)
    matrix = parse_matrix([], "model", "p95_latency_ms", 1000.0)
    quantiles = parse_quantiles([], "model", (50.0, 99.0), 1000.0, AT)
    assert str(instant["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert instant["p95_latency_ms"].dtype == np.float64
    assert list(matrix.columns) == ["model", "timestamp", "p95_latency_ms"]
    assert str(matrix["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert list(quantiles.columns) == ["model", "p50", "p99", "timestamp"]
    matrix.attrs.update(kind="p95_range", metric_name="m", duration="1h", step="1m")
    assert to_payload(matrix) == {"status": "success", "data": [], "count": 0}


def test_round_trip_through_payload():
    frame = _p95_frame()
    again = from_payload(json.loads(dumps(to_payload(frame))), "p95")
    assert again["model"].tolist() == frame["model"].tolist()
    assert list(again.dtypes.astype(str)) == list(frame.dtypes.astype(str))
    assert again["p95_latency_ms"].iloc[1] == 245.67


def test_to_payload_needs_a_p95kit_frame():
    with pytest.raises(InvalidParameterError, match="to_payload needs a frame"):
        to_payload(pd.DataFrame({"x": [1]}))


def test_error_payload_shape():
    error = InvalidParameterError("step", "step must be a Prometheus duration")
    assert error_payload(error) == {
        "error": "step must be a Prometheus duration",
        "details": {"parameter": "step", "type": "InvalidParameterError", "status": 400},
    }


def test_payloads_do_not_depend_on_the_callers_row_order():
    """A notebook sorts frames for display; the payload still groups and sorts by model."""
    result = [
        {"metric": {"model": m}, "values": [[100, "0.1"], [160, "0.2"], [220, "0.3"]]}
        for m in ("b", "a")
    ]
    frame = parse_matrix(result, "model", "p95_latency_ms", 1000.0)
    frame.attrs.update(kind="p95_range", metric_name="m", duration="1h", step="1m")
    shuffled = frame.sort_values(["timestamp", "model"], ascending=[False, False])
    assert to_payload(shuffled) == to_payload(frame)
    assert [item["model"] for item in to_payload(shuffled)["data"]] == ["a", "b"]
    p95 = _p95_frame()
    assert to_payload(p95.sort_values("p95_latency_ms", ascending=False)) == to_payload(p95)


def test_a_frame_missing_a_column_is_a_clear_error():
    with pytest.raises(InvalidParameterError, match="missing: p95_latency_ms"):
        to_payload(_p95_frame().drop(columns="p95_latency_ms"))
