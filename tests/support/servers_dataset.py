"""What real model servers export, reproduced for a test Prometheus (facts: EXPORTERS.md).

Each stack's metric names, model label, the labels that split one model over several series
(``engine``, ``replica``, ``WorkerId``, ``instance``), its default buckets, the way its client
library spells ``le`` (Python ``"1.0"``, C++ ``"1"``, Rust ``"0.00015000000000000001"``),
overflow into ``+Inf``, SGLang's ``le="0.0"`` bucket, Triton's latency counter and summary,
TorchServe's counter and TGI's missing model label. Expected answers come from the per-step
counts below through ``dataset.expected_quantile``, never from p95kit.

Counts are NON-cumulative per step (one per finite bound plus the overflow) and constant, so
``rate`` over any window and ``increase`` over the whole data give the same quantile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from p95kit.demo.local_prometheus import OpenMetricsWriter
from tests.support.dataset import expected_quantile, per_bucket

END = 1795219200  # 2026-11-21T00:00:00Z, the last sample
HOURS = 3
START = END - HOURS * 3600
STEP = 60
INF = math.inf


def python_le(bound: float) -> str:
    """prometheus_client (Python): ``1.0``, ``0.3``."""
    return repr(float(bound))


def cpp_le(bound: float) -> str:
    """prometheus-cpp and Rust's prometheus crate: ``1``, ``0.00015000000000000001``."""
    text = repr(float(bound))
    return text[:-2] if text.endswith(".0") else text


VLLM_E2E = (0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960)
VLLM_E2E = (*VLLM_E2E, 1920, 7680)
VLLM_TTFT = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5)
VLLM_TTFT = (*VLLM_TTFT, 10, 20, 40, 80, 160, 640, 2560)
VLLM_ITL = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
VLLM_ITL = (*VLLM_ITL, 20, 40, 80)
TGI = tuple(0.0001 * 1.5**k for k in range(1, 36))
RAY_MS = (1, 2, 5, 10, 20, 50, 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 60000)
RAY_MS = (*RAY_MS, 120000, 300000, 600000)
BENTO = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120)
BENTO = (*BENTO, 180)
LITELLM = (0.005, 0.00625, 0.0125, 0.025, 0.05, 0.1, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5)
LITELLM = (*LITELLM, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 15, 20, 25, 30, 60, 120, 180)
LITELLM = (*LITELLM, 240, 300)
SGLANG_QUEUE = (0.0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TRITON_FIRST = (100, 500, 2000, 5000)  # ms, C++ client


@dataclass(frozen=True)
class Series:
    """One histogram series set: metric, labels, bounds (in the metric's unit), per-step
    counts per bucket (plus overflow), and how its exporter spells ``le``."""

    metric: str
    labels: dict[str, str]
    bounds: tuple[float, ...]
    counts: tuple[int, ...]
    le: object = python_le


def _h(metric, labels, bounds, by_upper, le=python_le) -> Series:
    return Series(metric, labels, tuple(bounds), per_bucket(bounds, by_upper), le)


LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
QWEN = "Qwen/Qwen2.5-7B-Instruct"

HISTOGRAMS: list[Series] = [
    # vLLM: one series per data-parallel engine; the model is split over engine 0 and 1.
    _h(
        "vllm:e2e_request_latency_seconds",
        {"model_name": LLAMA, "engine": "0"},
        VLLM_E2E,
        {1.5: 10, 2: 30, 2.5: 40, 5: 15, 10: 5},
    ),
    _h(
        "vllm:e2e_request_latency_seconds",
        {"model_name": LLAMA, "engine": "1"},
        VLLM_E2E,
        {1.5: 20, 2: 20, 2.5: 30, 5: 25, 10: 5},
    ),
    _h(
        "vllm:e2e_request_latency_seconds",
        {"model_name": QWEN, "engine": "0"},
        VLLM_E2E,
        {0.8: 30, 1: 40, 1.5: 20, 2.5: 10},
    ),
    _h(
        "vllm:time_to_first_token_seconds",
        {"model_name": LLAMA, "engine": "0"},
        VLLM_TTFT,
        {0.04: 10, 0.06: 30, 0.08: 40, 0.1: 15, 0.25: 5},
    ),
    _h(
        "vllm:time_to_first_token_seconds",
        {"model_name": LLAMA, "engine": "1"},
        VLLM_TTFT,
        {0.04: 20, 0.06: 40, 0.08: 20, 0.1: 10, 0.25: 10},
    ),
    _h(
        "vllm:time_to_first_token_seconds",
        {"model_name": QWEN, "engine": "0"},
        VLLM_TTFT,
        {0.02: 30, 0.04: 50, 0.06: 20},
    ),
    _h(
        "vllm:inter_token_latency_seconds",
        {"model_name": LLAMA, "engine": "0"},
        VLLM_ITL,
        {0.025: 200, 0.05: 600, 0.075: 150, 0.1: 50},
    ),
    _h(
        "vllm:inter_token_latency_seconds",
        {"model_name": LLAMA, "engine": "1"},
        VLLM_ITL,
        {0.025: 100, 0.05: 700, 0.075: 100, 0.1: 100},
    ),
    _h(
        "vllm:inter_token_latency_seconds",
        {"model_name": QWEN, "engine": "0"},
        VLLM_ITL,
        {0.01: 300, 0.025: 500, 0.05: 200},
    ),
    # SGLang: overflow into +Inf (p95 is only ">= 7680"); queue time with an le="0.0" bucket.
    _h(
        "sglang:e2e_request_latency_seconds",
        {"model_name": QWEN, "engine_type": "unified"},
        VLLM_E2E,
        {1920: 3, 7680: 12, INF: 85},
    ),
    _h(
        "sglang:time_to_first_token_seconds",
        {"model_name": QWEN, "engine_type": "unified"},
        VLLM_TTFT,
        {0.1: 50, 0.25: 50},
    ),
    _h(
        "sglang:inter_token_latency_seconds",
        {"model_name": QWEN, "engine_type": "unified"},
        VLLM_ITL,
        {0.01: 50, 0.025: 50},
    ),
    _h(
        "sglang:queue_time_seconds",
        {"model_name": QWEN, "engine_type": "unified"},
        SGLANG_QUEUE,
        {0.0: 97, 0.001: 2, 0.005: 1},
    ),
    # TGI (Rust): no model label; jobs tell the models apart; le as Rust prints floats.
    _h(
        "tgi_request_duration",
        {"job": "tgi-llama", "instance": "10.0.0.1:80"},
        TGI,
        {TGI[22]: 10, TGI[23]: 40, TGI[24]: 40, TGI[25]: 10},
        cpp_le,
    ),
    _h(
        "tgi_request_duration",
        {"job": "tgi-llama", "instance": "10.0.0.2:80"},
        TGI,
        {TGI[23]: 50, TGI[24]: 30, TGI[25]: 20},
        cpp_le,
    ),
    _h(
        "tgi_request_duration",
        {"job": "tgi-mistral", "instance": "10.0.0.3:80"},
        TGI,
        {TGI[18]: 60, TGI[19]: 40},
        cpp_le,
    ),
    _h(
        "tgi_request_queue_duration",
        {"job": "tgi-llama", "instance": "10.0.0.1:80"},
        TGI,
        {TGI[5]: 50, TGI[8]: 50},
        cpp_le,
    ),
    # Triton's opt-in first-response histogram: milliseconds, C++ spelling (le="100").
    _h(
        "nv_inference_first_response_histogram_ms",
        {"model": "resnet50", "version": "1"},
        TRITON_FIRST,
        {100: 70, 500: 25, 2000: 5},
        cpp_le,
    ),
    # Ray Serve: milliseconds by deployment, split over replicas and WorkerId; one replica's
    # exporter writes le="1.0" (Python), the other le="1" (C++): the same bounds twice.
    _h(
        "ray_serve_deployment_processing_latency_ms",
        {
            "deployment": "Summarizer",
            "replica": "Summarizer#a",
            "WorkerId": "w1",
            "application": "app",
        },
        RAY_MS,
        {100: 20, 200: 50, 300: 20, 500: 10},
    ),
    _h(
        "ray_serve_deployment_processing_latency_ms",
        {
            "deployment": "Summarizer",
            "replica": "Summarizer#b",
            "WorkerId": "w2",
            "application": "app",
        },
        RAY_MS,
        {100: 10, 200: 40, 300: 40, 500: 10},
        cpp_le,
    ),
    _h(
        "ray_serve_deployment_processing_latency_ms",
        {
            "deployment": "Translator",
            "replica": "Translator#a",
            "WorkerId": "w3",
            "application": "app",
        },
        RAY_MS,
        {20: 50, 50: 50},
    ),
    # BentoML by service_name, split by endpoint.
    _h(
        "bentoml_service_request_duration_seconds",
        {"service_name": "summarizer", "endpoint": "/summarize", "http_response_code": "200"},
        BENTO,
        {0.25: 30, 0.5: 50, 0.75: 20},
    ),
    _h(
        "bentoml_service_request_duration_seconds",
        {"service_name": "summarizer", "endpoint": "/healthz", "http_response_code": "200"},
        BENTO,
        {0.005: 100},
    ),
    # LiteLLM: unit-less names (seconds), model + requested_model, "None" label values.
    _h(
        "litellm_request_total_latency_metric",
        {"model": "gpt-4o", "requested_model": "smart", "hashed_api_key": "None", "team": "None"},
        LITELLM,
        {1: 20, 1.5: 40, 2: 30, 3: 10},
    ),
    _h(
        "litellm_request_total_latency_metric",
        {
            "model": "claude-3-5-sonnet",
            "requested_model": "smart",
            "hashed_api_key": "None",
            "team": "None",
        },
        LITELLM,
        {2: 50, 2.5: 30, 5: 20},
    ),
    # KServe, NIM, TensorRT-LLM: seconds by model_name.
    _h(
        "request_predict_seconds",
        {"model_name": "sklearn-iris"},
        SECONDS,
        {0.005: 60, 0.01: 30, 0.025: 10},
    ),
    _h(
        "e2e_request_latency_seconds",
        {"model_name": "meta/llama-3.1-8b-instruct"},
        VLLM_E2E,
        {1: 40, 1.5: 40, 2: 20},
    ),
    _h(
        "trtllm_e2e_request_latency_seconds",
        {"model_name": "llama-3-8b", "engine_type": "context"},
        VLLM_E2E,
        {0.5: 50, 0.8: 50},
    ),
    _h(
        "trtllm_e2e_request_latency_seconds",
        {"model_name": "llama-3-8b", "engine_type": "generation"},
        VLLM_E2E,
        {0.8: 50, 1: 50},
    ),
    # Triton's vLLM backend: vLLM's names, but the model label is "model".
    _h(
        "vllm:e2e_request_latency_seconds",
        {"model": "vllm_model", "version": "1"},
        VLLM_E2E,
        {2: 50, 2.5: 40, 5: 10},
    ),
    # Ray Serve LLM: vLLM's metrics with a ray_ prefix, by model_name, split by WorkerId.
    _h(
        "ray_vllm_e2e_request_latency_seconds",
        {"model_name": "qwen-0.5b", "WorkerId": "w1"},
        VLLM_E2E,
        {0.5: 50, 0.8: 50},
    ),
    _h(
        "ray_vllm_e2e_request_latency_seconds",
        {"model_name": "qwen-0.5b", "WorkerId": "w2"},
        VLLM_E2E,
        {0.8: 60, 1: 40},
    ),
]

# (preset, metric, label value, labels to match in the data set, unit scale to ms)
HISTOGRAM_ROWS = [
    ("vllm", "vllm:e2e_request_latency_seconds", LLAMA, {"model_name": LLAMA}, 1000),
    ("vllm", "vllm:time_to_first_token_seconds", LLAMA, {"model_name": LLAMA}, 1000),
    ("vllm", "vllm:inter_token_latency_seconds", QWEN, {"model_name": QWEN}, 1000),
    ("sglang", "sglang:e2e_request_latency_seconds", QWEN, {"model_name": QWEN}, 1000),
    ("sglang", "sglang:queue_time_seconds", QWEN, {"model_name": QWEN}, 1000),
    ("tgi", "tgi_request_duration", "tgi-llama", {"job": "tgi-llama"}, 1000),
    ("tgi", "tgi_request_queue_duration", "tgi-llama", {"job": "tgi-llama"}, 1000),
    ("triton", "nv_inference_first_response_histogram_ms", "resnet50", {"model": "resnet50"}, 1),
    (
        "ray-serve",
        "ray_serve_deployment_processing_latency_ms",
        "Summarizer",
        {"deployment": "Summarizer"},
        1,
    ),
    (
        "bentoml",
        "bentoml_service_request_duration_seconds",
        "summarizer",
        {"service_name": "summarizer"},
        1000,
    ),
    ("litellm", "litellm_request_total_latency_metric", "gpt-4o", {"model": "gpt-4o"}, 1000),
    ("kserve", "request_predict_seconds", "sklearn-iris", {"model_name": "sklearn-iris"}, 1000),
    (
        "nim",
        "e2e_request_latency_seconds",
        "meta/llama-3.1-8b-instruct",
        {"model_name": "meta/llama-3.1-8b-instruct"},
        1000,
    ),
    (
        "trtllm",
        "trtllm_e2e_request_latency_seconds",
        "llama-3-8b",
        {"model_name": "llama-3-8b"},
        1000,
    ),
    (
        "triton-vllm",
        "vllm:e2e_request_latency_seconds",
        "vllm_model",
        {"model": "vllm_model"},
        1000,
    ),
    (
        "ray-serve-llm",
        "ray_vllm_e2e_request_latency_seconds",
        "qwen-0.5b",
        {"model_name": "qwen-0.5b"},
        1000,
    ),
]

# Triton's opt-in request summary, in microseconds: (labels, {quantile: value}, per step).
TRITON_SUMMARY = "nv_inference_request_summary_us"
SUMMARIES = [
    (
        {"model": "resnet50", "version": "1"},
        {0.5: 2100.0, 0.9: 4800.0, 0.95: 6100.0, 0.99: 9800.0, 0.999: 15000.0},
        100,
    ),
]

# Latency counters (no buckets): (metric, labels, growth per step).
COUNTERS = [
    ("nv_inference_request_duration_us", {"model": "resnet50", "version": "1"}, 250_000.0),
    ("nv_inference_request_success", {"model": "resnet50", "version": "1"}, 100.0),
    (
        "ts_inference_latency_microseconds",
        {"model_name": "densenet161", "model_version": "default", "hostname": "ts-0"},
        900_000.0,
    ),
    ("ts_inference_requests_total", {"model_name": "densenet161"}, 30.0),
]


def counts(metric: str, **match: str) -> list[int]:
    """Per-step counts of ``metric`` summed over the series whose labels match."""
    chosen = [s for s in HISTOGRAMS if s.metric == metric and match.items() <= s.labels.items()]
    if not chosen:
        raise KeyError(f"no {metric} series with {match}")
    return [sum(column) for column in zip(*(s.counts for s in chosen))]


def bounds(metric: str) -> tuple[float, ...]:
    return next(s.bounds for s in HISTOGRAMS if s.metric == metric)


def expected_ms(q: float, metric: str, scale: float = 1000.0, **match: str) -> float:
    """What p95kit must answer (ms) for quantile ``q`` of the matching series, summed."""
    return expected_quantile(q, bounds(metric), counts(metric, **match)) * scale


def expected_bucket_ms(q: float, metric: str, scale: float = 1000.0, **match: str):
    """``[lower, upper]`` (ms; upper None for +Inf) of the bucket quantile ``q`` lies in."""
    finite = bounds(metric)
    per = counts(metric, **match)
    total = sum(per)
    rank, running = q * total, 0
    for index, count in enumerate(per):
        running += count
        if running >= rank and index < len(finite):
            lower = finite[index - 1] if index else min(0.0, finite[0])
            return [lower * scale, finite[index] * scale]
    return [finite[-1] * scale, None]


def build(path: Path) -> Path:
    """Write the whole data set as OpenMetrics for promtool; return ``path``."""
    writer = OpenMetricsWriter()
    for s in HISTOGRAMS:
        writer.add_histogram(s.metric, s.labels, s.bounds, s.counts, START, END, STEP, le_text=s.le)
    for labels, quantiles, per_step in SUMMARIES:
        writer.add_summary(TRITON_SUMMARY, labels, quantiles, per_step, START, END, STEP)
    for metric, labels, per_step in COUNTERS:
        writer.add_counter(metric, labels, per_step, START, END, STEP)
    return writer.write(path)
