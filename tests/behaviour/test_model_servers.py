"""Every stack of EXPORTERS.md in a real Prometheus: answered right with its preset or explicit
options, or (a latency counter, a missing model label) refused with help that says what works.

The data set is tests/support/servers_dataset.py; expected numbers come from its counts.
"""

from __future__ import annotations

import math

import pytest

import p95kit
from p95kit.query import presets
from tests.support import servers_dataset as sd

END = sd.END


def by_model(frame, column="p95_latency_ms") -> dict[str, float]:
    return dict(zip(frame["model"], frame[column]))


HISTOGRAM_ROWS = sd.HISTOGRAM_ROWS


@pytest.mark.parametrize(("preset", "metric", "model", "match", "scale"), HISTOGRAM_ROWS)
def test_every_histogram_row_is_answered_right_with_its_preset(
    servers_backend, preset, metric, model, match, scale
):
    chosen = presets.resolve(preset, [metric])[0]
    frame = p95kit.percentiles(
        metric,
        (50, 95, 99),
        time_range="1h",
        model_label=chosen.model_label,
        prometheus_url=servers_backend.url,
        at=END,
        histogram=chosen.histogram,
        unit=chosen.unit,
    )
    assert frame.attrs["unit_assumed"] is False
    row = frame[frame["model"] == model].iloc[0]
    for q, column in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
        assert row[column] == pytest.approx(sd.expected_ms(q, metric, scale, **match), rel=1e-9)


def test_triton_summary_in_microseconds_comes_out_in_ms(servers_backend, cli):
    """Issue #12 point 1: 6,100 us is 6.1 ms, not 6,100,000 ms."""
    frame = p95kit.p95(
        sd.TRITON_SUMMARY,
        model_label="model",
        prometheus_url=servers_backend.url,
        at=END,
        histogram="summary",
    )
    assert frame.attrs["unit"] == "us"
    assert frame["p95_latency_ms"].tolist() == pytest.approx([6.1])
    result = cli(
        "query",
        "percentiles",
        "--preset",
        "triton",
        "--prometheus-url",
        servers_backend.url,
        "--at",
        str(END),
        "--percentiles",
        "50,95,99.9",
    )
    assert result.exit_code == 0, result.stderr
    assert "2.10" in result.stdout and "6.10" in result.stdout and "15.00" in result.stdout
    assert "unit: microseconds, shown in ms" in result.stdout


@pytest.mark.parametrize(
    ("metric", "label", "requests"),
    [
        ("nv_inference_request_duration_us", "model", "nv_inference_request_success"),
        ("ts_inference_latency_microseconds", "model_name", "ts_inference_requests_total"),
    ],
)
def test_a_latency_counter_says_it_is_not_a_histogram_and_what_works(
    servers_backend, metric, label, requests, cli
):
    with pytest.raises(p95kit.MetricShapeError) as caught:
        p95kit.p95(metric, "5m", model_label=label, prometheus_url=servers_backend.url, at=END)
    message = caught.value.message
    assert "not a histogram or summary" in message
    assert f"rate({metric}[5m]) / rate({requests}[5m])" in message
    if metric.startswith("nv_"):
        assert "summary_latencies=true" in message and "histogram_latencies=true" in message
    result = cli(
        "query",
        "p95",
        "--metric-name",
        metric,
        "--model-label",
        label,
        "--prometheus-url",
        servers_backend.url,
        "--at",
        str(END),
    )
    assert result.exit_code == 1  # not 2: a query was sent (CONTRACT: 2 = nothing sent)
    assert len(result.stderr.splitlines()) == 1 and "not a histogram" in result.stderr


def test_tgi_without_a_model_label_names_the_labels_it_has(servers_backend):
    frame = p95kit.p95("tgi_request_duration", prometheus_url=servers_backend.url, at=END, unit="s")
    assert frame.empty
    (note,) = frame.attrs["warnings"]
    assert "no tgi_request_duration series has a 'model' label" in note
    assert "instance, job" in note and "--model-label job" in note


def test_a_summary_asked_as_a_histogram_says_so(servers_backend):
    with pytest.raises(p95kit.MetricShapeError, match="--histogram summary"):
        p95kit.p95(sd.TRITON_SUMMARY, prometheus_url=servers_backend.url, at=END)


def test_a_model_split_over_engines_is_summed(servers_backend):
    frame = p95kit.p95(
        "vllm:e2e_request_latency_seconds",
        model_label="model_name",
        prometheus_url=servers_backend.url,
        at=END,
    )
    got = by_model(frame)
    assert set(got) == {sd.LLAMA, sd.QWEN}  # the Triton-vLLM series have no model_name
    expected = sd.expected_ms(0.95, "vllm:e2e_request_latency_seconds", model_name=sd.LLAMA)
    assert got[sd.LLAMA] == pytest.approx(expected)


def test_overflow_into_inf_answers_the_top_bound(servers_backend):
    frame = p95kit.p95(
        "sglang:e2e_request_latency_seconds",
        model_label="model_name",
        prometheus_url=servers_backend.url,
        at=END,
    )
    assert by_model(frame)[sd.QWEN] == 7680 * 1000.0


def test_presets_cover_the_table_and_list_on_the_cli(cli):
    assert {"vllm", "sglang", "tgi", "triton", "ray-serve", "bentoml", "litellm", "kserve"} | {
        "nim",
        "trtllm",
    } <= set(presets.PRESETS)
    result = cli("presets")
    assert result.exit_code == 0
    for name in presets.PRESETS:
        assert any(line.startswith(name + " ") for line in result.stdout.splitlines())
    assert "vllm:time_to_first_token_seconds" in result.stdout


def test_explicit_options_win_over_the_preset():
    (chosen,) = presets.resolve("vllm", ["vllm:e2e_request_latency_seconds"], model_label="model")
    assert chosen.model_label == "model"
    assert [r.metric_name for r in presets.resolve("vllm")][:3] == [
        "vllm:e2e_request_latency_seconds",
        "vllm:time_to_first_token_seconds",
        "vllm:inter_token_latency_seconds",
    ]
    with pytest.raises(p95kit.InvalidParameterError, match="unknown preset 'vlm'"):
        presets.resolve("vlm")


def test_query_and_models_take_a_preset(servers_backend, cli):
    result = cli(
        "models", "--preset", "tgi", "--prometheus-url", servers_backend.url, "--end", str(END)
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["tgi-llama", "tgi-mistral"]
    result = cli(
        "query",
        "p95",
        "--preset",
        "ray-serve",
        "--prometheus-url",
        servers_backend.url,
        "--at",
        str(END),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert '"model": "Summarizer"' in result.stdout and '"model": "Translator"' in result.stdout


def test_doctor_runs_the_shape_checks(servers, cli):
    result = cli(
        "doctor",
        "--metric-name",
        "nv_inference_request_duration_us",
        "--prometheus-url",
        servers.url,
        "--lookback",
        "1000d",
    )
    assert result.exit_code != 0
    assert "not a histogram or summary" in result.stdout
    result = cli(
        "doctor",
        "--preset",
        "tgi",
        "--model-label",
        "model",
        "--prometheus-url",
        servers.url,
        "--lookback",
        "1000d",
    )
    assert "its series have the labels: instance, job" in result.stdout


def test_units_from_every_suffix():
    from p95kit.query.units import resolve_unit, scale_to_ms

    assert resolve_unit("nv_inference_request_summary_us") == ("us", False)
    assert resolve_unit("ts_inference_latency_microseconds") == ("us", False)
    assert resolve_unit("x_nanoseconds") == ("ns", False) and resolve_unit("x_ns") == ("ns", False)
    assert resolve_unit("litellm_request_total_latency_metric") == ("s", True)
    assert scale_to_ms("us") == 1e-3 and scale_to_ms("ns") == 1e-6
    assert not math.isnan(scale_to_ms("s"))


@pytest.mark.parametrize(
    ("metric", "label", "model", "match", "scale", "unit"),
    [
        ("tgi_request_duration", "job", "tgi-llama", {"job": "tgi-llama"}, 1000, "s"),
        (
            "sglang:e2e_request_latency_seconds",
            "model_name",
            sd.QWEN,
            {"model_name": sd.QWEN},
            1000,
            "auto",
        ),
        ("sglang:queue_time_seconds", "model_name", sd.QWEN, {"model_name": sd.QWEN}, 1000, "auto"),
        (
            "ray_serve_deployment_processing_latency_ms",
            "deployment",
            "Summarizer",
            {"deployment": "Summarizer"},
            1,
            "auto",
        ),
    ],
)
def test_percentile_buckets_name_the_bucket_prometheus_interpolated_in(
    servers_backend, metric, label, model, match, scale, unit
):
    frame = p95kit.buckets(
        metric, "1h", model_label=label, prometheus_url=servers_backend.url, at=END, unit=unit
    )
    bounds = p95kit.percentile_buckets(frame, (50, 95, 99))
    assert list(bounds.columns) == ["model", "percentile", "lower_ms", "upper_ms", "coarse"]
    rows = bounds[bounds["model"] == model]
    for p, (_, row) in zip((50, 95, 99), rows.iterrows()):
        lower, upper = sd.expected_bucket_ms(p / 100, metric, scale, **match)
        assert row["lower_ms"] == pytest.approx(lower)
        assert row["upper_ms"] == (math.inf if upper is None else pytest.approx(upper))
        assert row["coarse"] == (upper is not None and upper > 2 * lower)


@pytest.fixture(scope="module")
def tgi_report(servers, jupyter_kernel, tmp_path_factory, cli):
    """A 1 h report on TGI's histograms by job (explicit options), with an SLO."""
    out = tmp_path_factory.mktemp("tgi-report")
    result = cli.report(
        servers.url,
        out,
        "--metric-name",
        "tgi_request_duration",
        "--model-label",
        "job",
        "--unit",
        "s",
        "--slo-ms",
        "500",
        duration="1h",
        end=str(END),
    )
    assert result.exit_code == 0, result.stderr
    return out / "latest"


def test_summary_json_carries_the_bucket_of_every_window_percentile(tgi_report):
    import json

    body = json.loads((tgi_report / "summary.json").read_text(encoding="utf-8"))
    assert body["meta"]["unit"] == "s" and body["meta"]["unit_assumed"] is False
    rows = {row["model"]: row for row in body["models"]}
    for job in ("tgi-llama", "tgi-mistral"):
        for p in (50, 95, 99):
            lower, upper = sd.expected_bucket_ms(p / 100, "tgi_request_duration", job=job)
            got = rows[job][f"p{p}_bucket_ms"]
            assert got == [pytest.approx(lower, abs=0.01), pytest.approx(upper, abs=0.01)]
            assert rows[job][f"p{p}"] == pytest.approx(
                sd.expected_ms(p / 100, "tgi_request_duration", job=job), abs=0.01
            )


def test_the_html_shows_each_window_percentile_with_its_bucket(tgi_report):
    from p95kit.display.formatting import bound

    page = (tgi_report / "report.html").read_text(encoding="utf-8")
    lower, upper = sd.expected_bucket_ms(0.95, "tgi_request_duration", job="tgi-llama")
    assert f"({bound(lower)}–{bound(upper)})" in page
    assert "means somewhere between" in page  # the footer says how to read them


@pytest.mark.parametrize(
    ("metric", "label", "unit"),
    [
        ("vllm:time_to_first_token_seconds", "model_name", "auto"),
        ("tgi_request_duration", "job", "s"),
        ("ray_serve_deployment_processing_latency_ms", "deployment", "auto"),
    ],
)
def test_the_all_models_percentile_is_over_every_request(servers_backend, metric, label, unit):
    """Against Prometheus itself and the data set's counts summed over the models."""
    frame = p95kit.buckets(
        metric, "1h", model_label=label, prometheus_url=servers_backend.url, at=END, unit=unit
    )
    overall = p95kit.overall_percentiles(frame, (50, 95, 99))
    scale = 1.0 if metric.endswith("_ms") else 1000.0
    rows = [s for s in sd.HISTOGRAMS if s.metric == metric and label in s.labels]
    summed = [sum(column) for column in zip(*(s.counts for s in rows))]
    with p95kit.Prometheus(servers_backend.url) as prom:
        for q in (0.5, 0.95, 0.99):
            column = f"p{round(q * 100)}"
            want = sd.expected_quantile(q, sd.bounds(metric), summed) * scale
            assert overall[column] == pytest.approx(want)
            query = (
                f"histogram_quantile({q}, sum by (le) "
                f'(increase({{__name__="{metric}_bucket", {label}!=""}}[1h])))'
            )
            (item,) = prom.query(query, END).result
            assert overall[column] == pytest.approx(float(item["value"][1]) * scale)
    assert overall["requests"] == pytest.approx(sum(summed) * 60)


def test_the_report_has_an_all_models_row(tgi_report):
    import json

    body = json.loads((tgi_report / "summary.json").read_text(encoding="utf-8"))
    overall = body["meta"]["all_models"]
    summed = sd.counts("tgi_request_duration")
    assert overall["p95"] == pytest.approx(
        sd.expected_quantile(0.95, sd.TGI, summed) * 1000, rel=1e-9
    )
    assert overall["requests"] == pytest.approx(sum(summed) * 60)
    page = (tgi_report / "report.html").read_text(encoding="utf-8")
    assert "(all models)" in page
