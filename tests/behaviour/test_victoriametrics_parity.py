"""A real VictoriaMetrics gives the frames a real Prometheus gives (CONTRACT.md section 13).

``victoria_metrics`` holds exactly ``prom``'s data. Every question is asked of both and the
frames must be equal (VictoriaMetrics' own ``histogram_quantile`` within float noise:
tests/support/victoriametrics.py, QUANTILE_NOISE). The idle model, which VictoriaMetrics
leaves out of ``histogram_quantile`` answers (it drops NaN samples), is a NaN row in every
output. The cluster URL form ``/select/<tenant>/prometheus`` comes from a single node
serving under that prefix (``-http.pathPrefix``) behind vmauth, a real auth proxy. Its
sample limits are split like Prometheus's (tests/behaviour/test_sample_limits.py).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

import p95kit
from p95kit.demo.local_prometheus import OpenMetricsWriter
from p95kit.errors import PrometheusSampleLimitError
from p95kit.prometheus.client import Prometheus
from p95kit.query import frames, promql
from p95kit.query.payloads import dumps
from p95kit.query.target import make_target
from p95kit.report.collect import collect
from p95kit.report.parameters import ReportSettings
from p95kit.report.plan import plan
from tests.support import dataset
from tests.support.same_answers import assert_same_frame
from tests.support.victoriametrics import QUANTILE_NOISE, LocalVictoriaMetrics, VmAuth

END = dataset.END
IDLE = "idle-model"
TENANT_PATH = "/select/0/prometheus"
BOUNDS = (0.1, 0.5, 1.0)

QUESTIONS = {
    "p95": lambda url: p95kit.p95(prometheus_url=url, at=END),
    "p95 10m, an hour earlier": lambda url: p95kit.p95(
        prometheus_url=url, at=END - 3600, time_range="10m"
    ),
    "percentiles": lambda url: p95kit.percentiles(
        prometheus_url=url, at=END, percentiles="50,90,95,99,99.9"
    ),
    "window percentiles": lambda url: p95kit.percentiles(
        prometheus_url=url, at=END, time_range="24h"
    ),
    "range 24h": lambda url: p95kit.p95_range(
        prometheus_url=url, end=END, duration="24h", step="1h"
    ),
    "range 2h at 1m": lambda url: p95kit.p95_range(
        prometheus_url=url, end=END, duration="2h", step="1m", time_range="10m"
    ),
    "buckets": lambda url: p95kit.buckets(prometheus_url=url, at=END, time_range="1h"),
    "smooth": lambda url: p95kit.percentiles(prometheus_url=url, at=END, estimator="smooth"),
    "smooth range": lambda url: p95kit.p95_range(
        prometheus_url=url, end=END, duration="2h", step="10m", estimator="smooth"
    ),
    "services": lambda url: p95kit.p95(
        dataset.SERVICE_METRIC, model_label="service", prometheus_url=url, at=END
    ),
    "milliseconds": lambda url: p95kit.percentiles(dataset.MS_METRIC, prometheus_url=url, at=END),
    "summary": lambda url: p95kit.percentiles(
        dataset.SUMMARY_METRIC, histogram="summary", prometheus_url=url, at=END
    ),
    "models filter": lambda url: p95kit.p95(
        prometheus_url=url, at=END, models=[IDLE, "gpt-4", dataset.HOSTILE_MODEL]
    ),
    "before the data": lambda url: p95kit.p95(prometheus_url=url, at=dataset.START - 86400),
}


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_every_question_is_answered_the_same_on_both(victoria_metrics, prom, question):
    ask = QUESTIONS[question]
    on_vm, on_prometheus = ask(victoria_metrics.url), ask(prom.url)
    assert_same_frame(on_vm, on_prometheus, rtol=QUANTILE_NOISE)
    if on_vm.attrs["kind"] != "buckets":
        assert p95kit.to_payload(on_vm) == p95kit.to_payload(on_prometheus)
    assert on_vm.attrs["warnings"] == on_prometheus.attrs["warnings"]


def test_the_models_are_the_same_on_both(victoria_metrics, prom):
    for url in (victoria_metrics.url, prom.url):
        assert p95kit.list_models(prometheus_url=url, end=END) == dataset.REQUEST_MODELS


def test_an_idle_model_is_a_nan_row_in_every_frame(victoria_metrics):
    url = victoria_metrics.url
    current = p95kit.p95(prometheus_url=url, at=END).set_index("model")
    assert np.isnan(current.loc[IDLE, "p95_latency_ms"])
    wanted = p95kit.percentiles(prometheus_url=url, at=END).set_index("model")
    assert wanted.loc[IDLE, ["p50", "p95", "p99"]].isna().all()
    ranged = p95kit.p95_range(prometheus_url=url, end=END, duration="6h", step="5m")
    idle, busy = ranged[ranged["model"] == IDLE], ranged[ranged["model"] == "gpt-4"]
    assert len(idle) == len(busy) == 73 and idle["p95_latency_ms"].isna().all()
    assert (idle["timestamp"].to_numpy() == busy["timestamp"].to_numpy()).all()
    counted = p95kit.buckets(prometheus_url=url, at=END, time_range="1h")
    assert (counted[counted["model"] == IDLE]["count"] == 0).all()


def test_an_idle_model_is_null_in_payloads_and_no_traffic_in_the_report_data(victoria_metrics):
    url = victoria_metrics.url
    payloads = {
        "p95": p95kit.to_payload(p95kit.p95(prometheus_url=url, at=END)),
        "percentiles": p95kit.to_payload(p95kit.percentiles(prometheus_url=url, at=END)),
        "range": p95kit.to_payload(
            p95kit.p95_range(prometheus_url=url, end=END, duration="1h", step="10m")
        ),
    }
    idle = {name: _idle_item(body) for name, body in payloads.items()}
    assert idle["p95"]["p95_latency_ms"] is None
    assert set(idle["percentiles"]["percentiles"].values()) == {None}
    assert [p["p95_latency_ms"] for p in idle["range"]["data_points"]] == [None] * 7
    settings = ReportSettings(duration="24h", end=END, slo_ms=500)
    with Prometheus(url) as client:
        data = collect(client, plan(settings))
    row = data.summary.set_index("model").loc[IDLE]
    assert bool(row["no_traffic"]) and np.isnan(row["p95"]) and row["requests"] == 0
    assert np.isnan(row["p95_current_ms"]) and np.isnan(row["p95_previous_ms"])
    assert np.isnan(row["slo_share"]) and np.isnan(row["delta_p95_pct"])
    assert data.range[data.range["model"] == IDLE]["p95_latency_ms"].isna().all()


def _idle_item(body: dict) -> dict:
    return next(item for item in body["data"] if item["model"] == IDLE)


def test_the_idle_marker_changes_nothing_on_prometheus(prom):
    """Prometheus answers the idle model's NaN itself: with or without the marker series
    the frames are the same."""
    target = make_target(dataset.REQUEST_METRIC, "model")
    plain = promql.quantile(target, 0.95, "5m")
    several = promql.quantiles(target, (0.5, 0.99), "5m")
    with Prometheus(prom.url) as client:
        for query in (plain, promql.with_idle_models(plain, target, "5m")):
            answer = client.query(query, END).result
            instant = frames.parse_instant(answer, "model", "p95", 1000.0, END)
            assert instant["model"].tolist() == dataset.REQUEST_MODELS
        answers = [
            client.query(q, END).result
            for q in (several, promql.with_idle_models(several, target, "5m"))
        ]
        ranges = [
            client.query_range(q, END - 7200, END, 60)
            for q in (plain, promql.with_idle_models(plain, target, "5m"))
        ]
    with_marker = [a for a in answers[1] if promql.IDLE_LABEL in a["metric"]]
    assert [m["metric"]["model"] for m in with_marker] == [IDLE]  # only the idle one
    quantiles = [frames.parse_quantiles(a, "model", (50.0, 99.0), 1000.0, END) for a in answers]
    pd.testing.assert_frame_equal(*quantiles)
    matrices = [
        frames.parse_matrix(r.result, "model", "p95", 1000.0, None, r.columns) for r in ranges
    ]
    pd.testing.assert_frame_equal(*matrices)


def test_the_cli_shows_the_idle_model_as_null(victoria_metrics, cli):
    args = ["--prometheus-url", victoria_metrics.url, "--at", END, "--format", "json"]
    result = cli("query", "p95", *args)
    assert result.exit_code == 0, result.stderr
    assert _idle_item(json.loads(result.stdout))["p95_latency_ms"] is None


@pytest.fixture(scope="module")
def vm_serve(victoria_metrics):
    from tests.support.serving import ServeProcess, require_serve

    require_serve()
    with ServeProcess("--prometheus-url", victoria_metrics.url, "--cache-ttl", "0") as process:
        yield process


@pytest.mark.parametrize(
    ("path", "params", "function", "kwargs"),
    [
        ("/api/metrics/p95/", {"at": END}, "p95", {"at": END}),
        ("/api/metrics/percentiles/", {"at": END}, "percentiles", {"at": END}),
        (
            "/api/metrics/p95/range/",
            {"end": END, "duration": "2h", "step": "5m"},
            "p95_range",
            {"end": END, "duration": "2h", "step": "5m"},
        ),
    ],
)
def test_serve_answers_what_it_answers_on_prometheus(
    vm_serve, prom, path, params, function, kwargs
):
    answer = requests.get(vm_serve.url + path, params=params, timeout=60)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == p95kit.to_payload(getattr(p95kit, function)(prometheus_url=prom.url, **kwargs))
    assert IDLE in [item["model"] for item in body["data"]]


# -- the cluster URL form, behind vmauth ---------------------------------------------------


@pytest.fixture(scope="module")
def cluster(victoria_metrics_binary, tmp_path_factory):
    """VictoriaMetrics serving under /select/0/prometheus (the cluster's vmselect URL form),
    behind vmauth with a bearer token: ``(vmauth, token)``."""
    workdir = tmp_path_factory.mktemp("vm-cluster")
    token = f"canary-{uuid.uuid4().hex}"
    with LocalVictoriaMetrics(workdir / "vm", path_prefix=TENANT_PATH) as vm:
        vm.load(dataset.build(workdir / "dataset.om"))
        upstream = vm.root.removesuffix(TENANT_PATH)
        with VmAuth(workdir / "vmauth", upstream, token) as auth:
            yield auth, token


def test_the_cluster_url_through_vmauth_gives_the_same_frames(cluster, prom):
    auth, token = cluster
    with Prometheus(auth.url + TENANT_PATH, bearer_token=token) as client:
        frame = p95kit.p95(client=client, at=END)
        ranged = p95kit.p95_range(
            client=client, duration="24h", step="5s", end=END, models=["gpt-4", IDLE]
        )  # 17,281 points per series: 2 chunks
        models = p95kit.list_models(client=client, end=END)
    assert_same_frame(frame, p95kit.p95(prometheus_url=prom.url, at=END), rtol=QUANTILE_NOISE)
    assert models == dataset.REQUEST_MODELS
    assert (
        len(ranged) == 2 * 17_281 and ranged[ranged["model"] == IDLE]["p95_latency_ms"].isna().all()
    )
    assert frame.attrs["prometheus_url"] == auth.url + TENANT_PATH
    for result in (frame, ranged):
        assert (
            token not in repr(result.attrs)
            and token not in dumps(p95kit.to_payload(result)).decode()
        )


@pytest.mark.parametrize("token", [None, "wrong"], ids=["no-token", "wrong-token"])
def test_vmauth_refuses_without_the_token(cluster, token):
    auth, canary = cluster
    with (
        Prometheus(auth.url + TENANT_PATH, bearer_token=token) as client,
        pytest.raises(p95kit.PrometheusAuthError) as caught,
    ):
        p95kit.p95(client=client, at=END)
    assert "authentication failed" in str(caught.value)
    assert canary not in str(caught.value) and "wrong" not in str(caught.value)


def test_a_rotated_token_is_the_only_one_vmauth_accepts(cluster, cli, tmp_path):
    auth, token = cluster
    token_file = tmp_path / "token"
    token_file.write_text(token)
    args = ["query", "p95", "--prometheus-url", auth.url + TENANT_PATH, "--at", END]
    args += ["--bearer-token-file", str(token_file), "--format", "json"]
    assert cli(*args).exit_code == 0
    rotated = f"rotated-{uuid.uuid4().hex}"
    auth.rotate(rotated)
    try:
        refused = cli(*args)
        assert refused.exit_code == 3 and token not in refused.stderr
        token_file.write_text(rotated)
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        assert _idle_item(json.loads(result.stdout))["p95_latency_ms"] is None
    finally:
        auth.rotate(token)


# -- VictoriaMetrics' sample limits --------------------------------------------------------


@pytest.fixture(scope="module")
def limited_vm(victoria_metrics_binary, tmp_path_factory):
    """The dataset on a VictoriaMetrics that reads at most 1,000 samples per series (a 24 h
    window has 1,441) and returns at most 500 points per series."""
    workdir = tmp_path_factory.mktemp("vm-limited")
    flags = ["-search.maxSamplesPerSeries=1000", "-search.maxPointsPerTimeseries=500"]
    with LocalVictoriaMetrics(workdir, extra_args=flags) as vm:
        vm.load(dataset.build(workdir / "dataset.om"))
        yield vm


SPLIT_QUESTIONS = {
    "window": (
        lambda url: p95kit.percentiles(prometheus_url=url, at=END, time_range="24h"),
        "VictoriaMetrics -search.maxSamplesPerSeries",
    ),
    "buckets": (
        lambda url: p95kit.buckets(prometheus_url=url, at=END, time_range="24h"),
        "VictoriaMetrics -search.maxSamplesPerSeries",
    ),
    "range": (
        lambda url: p95kit.p95_range(prometheus_url=url, end=END, duration="24h", step="1m"),
        "VictoriaMetrics -search.maxPointsPerTimeseries",
    ),
}


@pytest.mark.parametrize("question", list(SPLIT_QUESTIONS))
def test_victoriametrics_limits_are_split_with_the_same_answer(
    limited_vm, victoria_metrics, question
):
    ask, setting = SPLIT_QUESTIONS[question]
    split, whole = ask(limited_vm.url), ask(victoria_metrics.url)
    assert_same_frame(split, whole)
    assert any(setting in w for w in split.attrs["warnings"])
    assert not any("sample limit" in w for w in whole.attrs["warnings"])


def test_the_real_victoriametrics_refusals_are_recognised(limited_vm):
    query = "sum by (le, model) (increase(request_duration_seconds_bucket[24h]))"
    with Prometheus(limited_vm.url) as client:
        with pytest.raises(PrometheusSampleLimitError) as per_series:
            client.query(query, END)
        with pytest.raises(PrometheusSampleLimitError) as points:
            client._range_chunk("sum(rate(x[5m]))", END - 86400, END, step=60)
    assert per_series.value.error_type == "422"
    assert re.search(
        r"cannot process more than 1000 samples per series; either increase "
        r"-search.maxSamplesPerSeries or reduce time range for the query$",
        per_series.value.error,
    )
    assert re.search(
        r": 1441; cannot exceed -search.maxPointsPerTimeseries=500$", points.value.error
    )


@pytest.fixture(scope="module")
def month_vm(victoria_metrics_binary, tmp_path_factory):
    """30 days at 1 minute for two models (six storage blocks per series), on a
    VictoriaMetrics that reads at most 300,000 samples per query: a 30-day window is
    refused, 15 days are answered. ``(vm, per-step counts)``."""
    workdir = tmp_path_factory.mktemp("vm-month")
    counts = [10, 20, 5, 1]
    writer = OpenMetricsWriter()
    for model in ("a", "b"):
        labels = {"model": model}
        writer.add_histogram("month_seconds", labels, BOUNDS, counts, END - 30 * 86400, END, 60)
    path = writer.write(workdir / "month.om")
    with LocalVictoriaMetrics(workdir, extra_args=["-search.maxSamplesPerQuery=300000"]) as vm:
        vm.load(path)
        yield vm, counts


def test_a_30_day_window_over_the_query_limit_is_split(month_vm):
    vm, counts = month_vm
    frame = p95kit.percentiles("month_seconds", prometheus_url=vm.url, at=END, time_range="30d")
    for q, column in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
        expected = 1000 * dataset.expected_quantile(q, BOUNDS, counts)
        assert frame[column].tolist() == pytest.approx([expected, expected], rel=1e-12)
    (note,) = [w for w in frame.attrs["warnings"] if "sub-windows" in w]
    assert "VictoriaMetrics -search.maxSamplesPerQuery" in note
    query = 'sum(increase({__name__=~"month_seconds_bucket|month_seconds_count"}[30d]))'
    with Prometheus(vm.url) as client, pytest.raises(PrometheusSampleLimitError) as caught:
        client.query(query, END)
    assert re.search(
        r"cannot select more than -search.maxSamplesPerQuery=300000 samples; possible solutions",
        caught.value.error,
    )


@pytest.mark.slow
def test_a_report_on_victoriametrics_has_the_prometheus_reports_numbers(
    victoria_metrics, published_report, jupyter_kernel, cli, tmp_path
):
    result = cli.report(victoria_metrics.url, tmp_path, "--duration", "24h", "--slo-ms", "500")
    assert result.exit_code == 0, result.stderr
    ours = json.loads((Path(tmp_path) / "latest" / "summary.json").read_text(encoding="utf-8"))
    theirs = json.loads((published_report / "latest" / "summary.json").read_text(encoding="utf-8"))
    assert ours["models"] == theirs["models"]
    idle = next(m for m in ours["models"] if m["model"] == IDLE)
    assert idle["no_traffic"] is True and idle["p95"] is None
    for name in ("p95.json", "p95_range.json", "percentiles.json"):
        mine = (Path(tmp_path) / "latest" / name).read_bytes()
        assert mine == (published_report / "latest" / name).read_bytes(), name
    page = (Path(tmp_path) / "latest" / "report.html").read_text(encoding="utf-8")
    assert "no traffic" in page
