"""Summaries (``histogram="summary"``): one row per model *and* instance, never averaged.

Two real Prometheus servers: ``prom`` has tests/support/dataset.py's backfilled
``rpc_duration_seconds`` (quantiles 0.5, 0.9, 0.99 on two instances per model), ``native_prom``
has tests/support/remote_write.py's pushed ``rpc_latency_seconds`` (with 0.95, and two series
of one model on one instance told apart by ``job``). Expected values are the exported ones, in
ms.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import p95kit
from p95kit.query.frames import instance_names, parse_instant, parse_matrix, parse_quantiles
from p95kit.query.payloads import from_payload
from tests.support import dataset
from tests.support import remote_write as rw


def exported(summaries, q: float) -> dict[tuple[str, str], float]:
    """``{(model, instance): value in ms}`` of quantile ``q`` (instance as the frame shows it)."""
    names = instance_names([labels for labels, _, _ in summaries], "model")
    return {
        (labels["model"], name): quantiles[q] * 1000
        for (labels, quantiles, _), name in zip(summaries, names)
    }


def rows(frame: pd.DataFrame, column: str) -> dict[tuple[str, str], float]:
    return dict(zip(zip(frame["model"], frame["instance"]), frame[column]))


def test_percentiles_per_instance_are_the_exported_values(backend):
    frame = p95kit.percentiles(
        metric_name=dataset.SUMMARY_METRIC,
        percentiles="50,90,99",
        histogram="summary",
        prometheus_url=backend.url,
        at=dataset.END,
    )
    assert list(frame.columns) == ["model", "instance", "p50", "p90", "p99", "timestamp"]
    keys = sorted(exported(dataset.SUMMARIES, 0.5))
    assert list(zip(frame["model"], frame["instance"])) == keys  # by model, then instance
    for q in (0.5, 0.9, 0.99):
        expected = exported(dataset.SUMMARIES, q)
        actual = rows(frame, f"p{q * 100:g}")
        assert actual == pytest.approx(expected, rel=1e-12)
    assert frame.attrs["warnings"] == []
    query = frame.attrs["query"]
    assert not any(word in query for word in ("sum", "avg", "histogram_quantile", "rate"))


def test_a_quantile_the_summary_does_not_export_is_named(backend):
    frame = p95kit.p95(
        metric_name=dataset.SUMMARY_METRIC,
        histogram="summary",
        prometheus_url=backend.url,
        at=dataset.END,
    )
    assert frame.empty
    assert list(frame.columns) == [
        "model",
        "instance",
        "p95_latency_ms",
        "timestamp",
        "metric_name",
        "time_range",
    ]
    assert [str(t) for t in frame.dtypes] == [
        "str",
        "str",
        "float64",
        "datetime64[ns, UTC]",
        "str",
        "str",
    ]
    assert len(frame.attrs["warnings"]) == 1
    assert 'quantile="0.95"' in frame.attrs["warnings"][0]
    both = p95kit.percentiles(
        metric_name=dataset.SUMMARY_METRIC,
        percentiles="50,95",
        histogram="summary",
        prometheus_url=backend.url,
        at=dataset.END,
    )
    assert both["p95"].isna().all() and both["p50"].notna().all()
    assert 'quantile="0.95"' in both.attrs["warnings"][0]
    assert 'quantile="0.5"' not in both.attrs["warnings"][0]


def test_p95_per_instance_never_averaged_and_time_range_does_not_apply(native_prom):
    kwargs = dict(
        metric_name=rw.SUMMARY_METRIC,
        histogram="summary",
        prometheus_url=native_prom.url,
        at=native_prom.end,
    )
    frame = p95kit.p95(**kwargs)
    assert list(frame.columns)[:3] == ["model", "instance", "p95_latency_ms"]
    assert rows(frame, "p95_latency_ms") == pytest.approx(exported(rw.SUMMARIES, 0.95))
    assert frame["instance"].tolist() == [
        "api-1:9090",
        "api-2:9090",
        'api-1:9090 {job="canary"}',
        'api-1:9090 {job="serving"}',
    ]
    longer = p95kit.p95(time_range="1h", **kwargs)
    assert longer["p95_latency_ms"].tolist() == frame["p95_latency_ms"].tolist()
    assert set(longer["time_range"]) == {"1h"}  # reported as given, as the payload shape wants


def test_models_and_selector_narrow_to_one_series_per_instance(native_prom):
    frame = p95kit.p95(
        metric_name=rw.SUMMARY_METRIC,
        histogram="summary",
        models=["llama"],
        selector='job="serving"',
        prometheus_url=native_prom.url,
        at=native_prom.end,
    )
    assert frame["instance"].tolist() == ["api-1:9090"]  # labels appended only when needed
    assert frame["p95_latency_ms"].tolist() == pytest.approx([700.0])


def test_range_per_instance(native_prom):
    frame = p95kit.p95_range(
        metric_name=rw.SUMMARY_METRIC,
        histogram="summary",
        duration="10m",
        step="1m",
        prometheus_url=native_prom.url,
        end=native_prom.end,
    )
    assert list(frame.columns) == ["model", "instance", "timestamp", "p95_latency_ms"]
    expected = exported(rw.SUMMARIES, 0.95)
    assert frame.groupby(["model", "instance"]).size().to_dict() == {k: 11 for k in expected}
    assert frame.equals(frame.sort_values(["model", "instance", "timestamp"], ignore_index=True))
    for key, value in expected.items():
        points = frame[(frame["model"] == key[0]) & (frame["instance"] == key[1])]
        assert np.allclose(points["p95_latency_ms"], value, rtol=1e-12)


def test_cli_csv_shows_the_instance_column(native_prom, cli):
    result = cli(
        "query",
        "p95",
        "--prometheus-url",
        native_prom.url,
        "--at",
        str(native_prom.end),
        "--metric-name",
        rw.SUMMARY_METRIC,
        "--histogram",
        "summary",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "model,instance,p95_latency_ms,timestamp,metric_name,time_range"
    assert lines[1].startswith("gpt-4,api-1:9090,400.0,")


def test_payloads_carry_the_instance(native_prom):
    kwargs = dict(
        metric_name=rw.SUMMARY_METRIC, histogram="summary", prometheus_url=native_prom.url
    )
    p95 = p95kit.to_payload(p95kit.p95(at=native_prom.end, **kwargs))
    assert list(p95["data"][0])[:3] == ["model", "instance", "p95_latency_ms"]
    assert p95["count"] == len(rw.SUMMARIES)
    span = p95kit.p95_range(duration="2m", step="1m", end=native_prom.end, **kwargs)
    ranged = p95kit.to_payload(span)
    assert [(d["model"], d["instance"], len(d["data_points"])) for d in ranged["data"]] == [
        (m, i, 3) for m, i in sorted(exported(rw.SUMMARIES, 0.95))
    ]
    wanted = p95kit.percentiles(percentiles="50,99", at=native_prom.end, **kwargs)
    percentiles = p95kit.to_payload(wanted)
    assert percentiles["data"][0]["instance"] == "api-1:9090"
    json.loads(json.dumps(percentiles, allow_nan=False))
    back = from_payload(ranged, "p95_range")
    assert list(back.columns) == list(span.columns)
    assert back[["model", "instance"]].equals(span[["model", "instance"]])


def test_instance_names_only_add_labels_to_tell_series_apart():
    metrics = [
        {"model": "a", "instance": "h1", "job": "x", "quantile": "0.5"},
        {"model": "a", "instance": "h1", "job": "x", "quantile": "0.9"},  # same series
        {"model": "a", "instance": "h2", "job": "x"},
        {"model": "b", "instance": "h1", "job": "x", "pod": 'p"1'},
        {"model": "b", "instance": "h1", "job": "y"},
        {"model": "c"},  # no instance label
    ]
    assert instance_names(metrics, "model") == [
        "h1",
        "h1",
        "h2",
        'h1 {job="x", pod="p\\"1"}',
        'h1 {job="y", pod=""}',
        "",
    ]


def test_parsers_key_summary_rows_by_model_and_instance_without_http():
    def item(model, instance, value, **extra):
        metric = {"model": model, "instance": instance, **extra}
        return {"metric": metric, "value": [100, value], "values": [[100, value], [160, value]]}

    result = [item("b", "h2", "0.2"), item("b", "h1", "0.1"), item("a", "h9", "NaN")]
    instant = parse_instant(result, "model", "p95_latency_ms", 1000.0, 100, "instance")
    assert list(zip(instant["model"], instant["instance"])) == [
        ("a", "h9"),
        ("b", "h1"),
        ("b", "h2"),
    ]
    assert instant["p95_latency_ms"].tolist()[1:] == [100.0, 200.0]
    matrix = parse_matrix(result, "model", "p95_latency_ms", 1000.0, "instance")
    assert matrix["instance"].tolist() == ["h9", "h9", "h1", "h1", "h2", "h2"]
    quantiles = [
        item("b", "h1", "0.1", quantile="0.5"),
        item("b", "h1", "0.3", quantile="0.99"),
        item("b", "h2", "0.2", quantile="0.5"),
    ]
    frame = parse_quantiles(quantiles, "model", (50.0, 99.0), 1000.0, 100, "instance")
    assert frame[["p50", "p99"]].to_numpy().tolist()[0] == [100.0, 300.0]
    assert np.isnan(frame["p99"].iloc[1])
    for empty in (
        parse_instant([], "model", "p95_latency_ms", 1000.0, 100, "instance"),
        parse_matrix([], "model", "p95_latency_ms", 1000.0, "instance"),
        parse_quantiles([], "model", (95.0,), 1000.0, 100, "instance"),
    ):
        assert list(empty.columns)[:2] == ["model", "instance"] and empty.empty
        assert str(empty["instance"].dtype) == "str"
