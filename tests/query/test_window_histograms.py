"""A report's window numbers computed from one bucket query equal Prometheus's own answers.

``p95kit.query.window_histograms`` fetches each model's bucket counts (and ``_sum``) once and
computes the window percentiles with ``histogram_quantile``'s arithmetic
(``p95kit.query.linear.quantiles``), the request counts and the buckets frame. Here every
classic histogram of both test data sets (the model servers' shapes: ``le`` spelled three
ways, split series, ``+Inf`` overflow, SGLang's ``le="0.0"``, millisecond and microsecond
units) is asked both ways from the same real Prometheus, and the floats must be equal, not
close. Native histograms make ``fetch`` answer None and the report asks Prometheus.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import p95kit
from p95kit.prometheus.client import Prometheus
from p95kit.query import fetch, linear, presets, promql, window_histograms
from p95kit.query.buckets import fetch_buckets, from_histograms
from p95kit.query.histogram import Histogram
from p95kit.query.target import Target, make_target
from p95kit.report.collect import collect
from p95kit.report.parameters import ReportSettings
from p95kit.report.plan import plan
from tests.support import dataset
from tests.support import servers_dataset as sd
from tests.support.victoriametrics import quantile_noise

WANTED = (50.0, 90.0, 95.0, 99.0, 99.9)


def _server_target(preset: str, metric: str) -> Target:
    chosen = presets.resolve(preset, [metric])[0]
    return make_target(metric, chosen.model_label, histogram=chosen.histogram, unit=chosen.unit)


SERVER_ROWS = [(preset, metric) for preset, metric, *_ in sd.HISTOGRAM_ROWS]
DATASET_TARGETS = [
    (dataset.REQUEST_METRIC, "model"),
    (dataset.SERVICE_METRIC, "service"),
    (dataset.MS_METRIC, "model"),
]


def _both_ways(url: str, target: Target, window: str, when: float, estimator: str):
    with Prometheus(url) as client:
        hist = window_histograms.fetch(client, target, window, when)
        assert hist is not None
        computed = fetch.percentiles_from(client, hist, WANTED, estimator)
        asked = fetch.fetch_percentiles(client, target, WANTED, window, when, "increase", estimator)
        # classic data: the count of the classic side (auto's native side needs
        # histogram_count, which VictoriaMetrics has not; p95kit sends it for native only)
        classic = replace(target, histogram="classic")
        counted = client.query(promql.request_count(classic, window), when)
        buckets = fetch_buckets(client, target, window, when)
    return hist, computed, asked, counted, buckets


def _assert_same(hist, computed, asked, counted, buckets, noise: float = 0.0):
    """Equal floats; ``noise``: the backend's histogram_quantile is not Prometheus's own
    (tests/support/victoriametrics.py, QUANTILE_NOISE)."""
    assert len(computed) > 0
    columns = ["model", *[c for c in asked.columns if c.startswith("p")]]
    pd.testing.assert_frame_equal(
        computed[columns].reset_index(drop=True),
        asked[columns].reset_index(drop=True),
        check_exact=not noise,
        rtol=noise or 1e-5,
        atol=0,
    )
    label = hist.target.model_label
    counts = {item["metric"][label]: float(item["value"][1]) for item in counted.result}
    assert dict(zip(hist.models, hist.requests().tolist())) == counts
    pd.testing.assert_frame_equal(from_histograms(hist), buckets, check_exact=True)


@pytest.mark.parametrize(("metric", "label"), DATASET_TARGETS)
@pytest.mark.parametrize(
    ("window", "when"),
    [("24h", dataset.END), ("24h", dataset.END - 86400), ("1h", dataset.DRIFT_AT + 1800)],
)
def test_histogram_quantile_computed_from_the_buckets_is_prometheus_own(
    backend, metric, label, window, when
):
    target = make_target(metric, label)
    answers = _both_ways(backend.url, target, window, when, "prometheus")
    _assert_same(*answers, noise=quantile_noise(backend))


@pytest.mark.parametrize(("preset", "metric"), SERVER_ROWS)
def test_every_model_server_histogram_gives_prometheus_own_numbers(servers_backend, preset, metric):
    target = _server_target(preset, metric)
    answers = _both_ways(servers_backend.url, target, "1h", sd.END, "prometheus")
    _assert_same(*answers, noise=quantile_noise(servers_backend))
    label = target.model_label
    for model, p95 in zip(answers[1]["model"], answers[1]["p95"]):  # p95kit's own, exact
        expected = sd.expected_ms(0.95, metric, target.scale, **{label: model})
        assert p95 == pytest.approx(expected, rel=1e-9)


def _assert_smooth_same(url: str, target: Target, when: float) -> None:
    _, computed, asked, *_ = _both_ways(url, target, "1h", when, "smooth")
    assert computed.attrs["estimator"] == asked.attrs["estimator"] == "smooth"
    columns = ["model", "p50", "p95", "p99"]
    pd.testing.assert_frame_equal(computed[columns], asked[columns], check_exact=True)


@pytest.mark.parametrize(("metric", "label"), DATASET_TARGETS)
def test_smooth_from_the_same_buckets_is_the_smooth_estimator(backend, metric, label):
    _assert_smooth_same(backend.url, make_target(metric, label), dataset.END)


@pytest.mark.parametrize(("preset", "metric"), SERVER_ROWS[::3])
def test_smooth_from_model_server_buckets_is_the_smooth_estimator(servers_backend, preset, metric):
    _assert_smooth_same(servers_backend.url, _server_target(preset, metric), sd.END)


def test_a_report_window_asks_one_query_and_keeps_every_number(backend, monkeypatch):
    """The report's window percentiles, requests and buckets come from one bucket query
    (the previous window from another), and equal what the library answers."""
    asked: list[str] = []
    original = Prometheus.query

    def counting(self, query, *args, **kwargs):
        asked.append(query)
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(Prometheus, "query", counting)
    settings = ReportSettings(duration="24h", end=dataset.END, slo_ms=300)
    with Prometheus(backend.url) as client:
        data = collect(client, plan(settings))
    increases = [q for q in asked if "[24h]" in q]
    assert len(increases) == 2, asked  # this window and the previous one
    assert all("histogram_quantile" not in q for q in increases)
    monkeypatch.setattr(Prometheus, "query", original)
    live = p95kit.percentiles(
        percentiles=(50, 95, 99), time_range="24h", prometheus_url=backend.url, at=dataset.END
    )
    pd.testing.assert_frame_equal(
        data.window[["model", "p50", "p95", "p99"]], live[["model", "p50", "p95", "p99"]]
    )
    assert "histogram_quantile" in data.meta["queries"]["window percentiles"]
    previous = p95kit.p95(time_range="24h", prometheus_url=backend.url, at=dataset.END - 86400)
    expected = dict(zip(previous["model"], previous["p95_latency_ms"]))
    got = dict(zip(data.summary["model"], data.summary["p95_previous_ms"]))
    for model, value in expected.items():  # rate there, increase here: equal but for float noise
        assert got[model] == pytest.approx(value, rel=1e-9, nan_ok=True)


def test_native_histograms_are_left_to_prometheus(native_prom):
    target = make_target(dataset.REQUEST_METRIC, "model")
    with Prometheus(native_prom.url) as client:
        assert window_histograms.fetch(client, target, "10m", native_prom.end) is None
        settings = ReportSettings(duration="10m", end=native_prom.end, time_range="1m")
        data = collect(client, plan(settings))
    live = p95kit.percentiles(
        percentiles=(50, 95, 99),
        time_range="10m",
        prometheus_url=native_prom.url,
        at=native_prom.end,
    )
    pd.testing.assert_frame_equal(data.window[["model", "p95"]], live[["model", "p95"]], rtol=1e-9)
    assert data.summary["requests"].gt(0).any()
    assert "histogram_quantile" in data.meta["queries"]["window percentiles"]


INF = math.inf


@pytest.mark.parametrize(
    ("bounds", "cumulative", "q", "expected"),
    [
        # linear inside the bucket that reaches the rank (50 of 100)
        ((0.05, 0.1, 0.25, 0.5, INF), (10, 60, 90, 100, 100), 0.5, 0.05 + 0.05 * (40 / 50)),
        ((0.05, 0.1, 0.25, 0.5, INF), (10, 40, 90, 100, 100), 0.5, 0.1 + 0.15 * (10 / 50)),
        # the first bucket starts at 0
        ((1.0, 2.0, INF), (100, 100, 100), 0.5, 0.0 + 1.0 * (50 / 100)),
        # +Inf: the top finite bound
        ((5.0, 10.0, INF), (2, 5, 100), 0.95, 10.0),
        # a first bound <= 0 (SGLang's le="0.0") holding the rank: that bound
        ((0.0, 0.001, INF), (60, 90, 100), 0.5, 0.0),
        # non-monotonic counts are raised to the running maximum
        ((1.0, 2.0, 4.0, INF), (50, 40, 100, 100), 0.5, 0.0 + 1.0 * (50 / 50)),
        # no traffic, one bound, no +Inf: NaN
        ((1.0, INF), (0, 0), 0.5, math.nan),
        ((INF,), (10,), 0.5, math.nan),
        ((1.0, 2.0), (5, 10), 0.5, math.nan),
    ],
)
def test_histogram_quantiles_follow_prometheus_rules(bounds, cumulative, q, expected):
    got = linear.quantiles(Histogram.of(np.array(bounds), np.array([cumulative], float)), (q,))
    assert got.shape == (1, 1)
    if math.isnan(expected):
        assert math.isnan(got[0, 0])
    else:
        assert got[0, 0] == pytest.approx(expected, rel=1e-12)
