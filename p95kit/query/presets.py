"""Serving-stack presets: which latency metrics a model server exports, by which label.

A preset is data, not a code path: :data:`PRESETS` maps a name (``vllm``, ``tgi``, ...)
to a :class:`Preset`, and every command resolves it the same way
(:func:`resolve`): the preset fills in what the user did not say, explicit options win.
Facts come from each project's source (see ``source``); a metric marked ``optional`` is
one a server exports only in some versions or set-ups (its absence is a warning).

:data:`COUNTERS` names latency *counters* (cumulative sums, no buckets) that real servers
export by default, with the request counter that turns them into a mean and what to enable
for percentiles; :mod:`p95kit.query.shapes` quotes it when such a metric is asked for.

    import p95kit
    from p95kit.query.presets import PRESETS
    vllm = PRESETS["vllm"]
    p95kit.p95(vllm.metrics[0].name, model_label=vllm.model_label)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from p95kit.errors import InvalidParameterError


@dataclass(frozen=True)
class PresetMetric:
    """One latency metric of a preset: its name, a short title for reports, its kind
    (``auto`` histogram or ``summary``), unit (``auto`` reads the name), the label naming the
    model when it differs from the preset's, and ``optional`` (not every server has it)."""

    name: str
    title: str
    histogram: str = "auto"
    unit: str = "auto"
    model_label: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class Preset:
    """A serving stack: its latency metrics (the first is the one ``query`` answers), the
    label naming the model, the labels that split one model over several series (summed
    away), where the facts come from, and a note for users."""

    name: str
    description: str
    model_label: str
    metrics: tuple[PresetMetric, ...]
    split_by: tuple[str, ...] = ()
    source: str = ""
    note: str = ""

    def metric(self, name: str) -> PresetMetric | None:
        """The preset's entry for metric ``name``, or None."""
        return next((m for m in self.metrics if m.name == name), None)


@dataclass(frozen=True)
class CounterHint:
    """A latency counter: the counter of requests it can be divided by, and what gives
    percentiles instead."""

    requests: str
    advice: str = ""
    rate_window: str = "5m"
    extra: dict[str, str] = field(default_factory=dict)


def _m(name: str, title: str, **kwargs: object) -> PresetMetric:
    return PresetMetric(name, title, **kwargs)  # type: ignore[arg-type]


_VLLM = (
    _m("vllm:e2e_request_latency_seconds", "end-to-end"),
    _m("vllm:time_to_first_token_seconds", "time to first token"),
    _m("vllm:inter_token_latency_seconds", "inter-token"),
    _m("vllm:request_queue_time_seconds", "queue time", optional=True),
)

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "vllm",
            "vLLM (V1 engine)",
            "model_name",
            _VLLM,
            ("engine",),
            "vllm-project/vllm vllm/v1/metrics/loggers.py",
        ),
        Preset(
            "sglang",
            "SGLang",
            "model_name",
            (
                _m("sglang:e2e_request_latency_seconds", "end-to-end"),
                _m("sglang:time_to_first_token_seconds", "time to first token"),
                _m("sglang:inter_token_latency_seconds", "inter-token"),
                _m("sglang:queue_time_seconds", "queue time", optional=True),
            ),
            ("engine_type",),
            "sgl-project/sglang python/sglang/srt/metrics/collector.py",
        ),
        Preset(
            "tgi",
            "Hugging Face Text Generation Inference",
            "job",
            (
                _m("tgi_request_duration", "end-to-end", unit="s"),
                _m("tgi_request_queue_duration", "queue time", unit="s"),
                _m("tgi_request_inference_duration", "inference", unit="s"),
                _m("tgi_request_mean_time_per_token_duration", "time per token", unit="s"),
            ),
            ("instance", "pod"),
            "huggingface/text-generation-inference router/src/server.rs",
            "TGI serves one model per process and puts no model label on its metrics: models "
            "are told apart by the scrape label job (or pass --model-label instance / pod).",
        ),
        Preset(
            "triton",
            "NVIDIA Triton Inference Server (latency summaries/histograms enabled)",
            "model",
            (
                _m("nv_inference_request_summary_us", "request (summary)", histogram="summary"),
                _m("nv_inference_first_response_histogram_ms", "first response", optional=True),
                _m(
                    "nv_inference_queue_summary_us",
                    "queue (summary)",
                    histogram="summary",
                    optional=True,
                ),
            ),
            ("version",),
            "triton-inference-server/core src/metrics.cc",
            "Triton's default latency metrics are counters (only a mean): start tritonserver "
            "with --metrics-config summary_latencies=true and/or histogram_latencies=true.",
        ),
        Preset(
            "triton-vllm",
            "Triton's vLLM backend",
            "model",
            _VLLM,
            ("version",),
            "triton-inference-server/vllm_backend",
        ),
        Preset(
            "ray-serve",
            "Ray Serve",
            "deployment",
            (
                _m("ray_serve_deployment_processing_latency_ms", "processing"),
                _m(
                    "ray_serve_http_request_latency_ms",
                    "HTTP request",
                    model_label="application",
                    optional=True,
                ),
            ),
            ("replica", "WorkerId", "NodeAddress"),
            "ray-project/ray python/ray/serve/_private/replica.py, proxy.py",
        ),
        Preset(
            "ray-serve-llm",
            "Ray Serve LLM",
            "model_name",
            (
                _m("ray_vllm_e2e_request_latency_seconds", "end-to-end"),
                _m("ray_vllm_time_to_first_token_seconds", "time to first token", optional=True),
                _m("ray_vllm_inter_token_latency_seconds", "inter-token", optional=True),
            ),
            ("WorkerId",),
            "ray-project/ray (older releases name them ray_vllm:...; pass --metric-name)",
        ),
        Preset(
            "bentoml",
            "BentoML >= 1.2",
            "service_name",
            (_m("bentoml_service_request_duration_seconds", "request"),),
            ("endpoint", "http_response_code"),
            "bentoml/BentoML src/bentoml/_internal/server/http/instruments.py",
        ),
        Preset(
            "litellm",
            "LiteLLM proxy",
            "model",
            (
                _m("litellm_request_total_latency_metric", "end-to-end", unit="s"),
                _m("litellm_llm_api_latency_metric", "LLM API", unit="s"),
                _m(
                    "litellm_llm_api_time_to_first_token_metric",
                    "time to first token",
                    unit="s",
                    optional=True,
                ),
            ),
            ("hashed_api_key", "team", "user"),
            "BerriAI/litellm litellm/integrations/prometheus.py",
            "model is the deployment; --model-label requested_model groups by the alias.",
        ),
        Preset(
            "kserve",
            "KServe Python model server",
            "model_name",
            (
                _m("request_predict_seconds", "predict"),
                _m("request_preprocess_seconds", "preprocess", optional=True),
                _m("request_postprocess_seconds", "postprocess", optional=True),
            ),
            (),
            "kserve/kserve python model server",
        ),
        Preset(
            "nim",
            "NVIDIA NIM for LLMs",
            "model_name",
            (
                _m("e2e_request_latency_seconds", "end-to-end"),
                _m("time_to_first_token_seconds", "time to first token"),
                _m("time_per_output_token_seconds", "time per output token"),
            ),
            (),
            "NVIDIA NIM for LLMs (/v1/metrics)",
        ),
        Preset(
            "trtllm",
            "TensorRT-LLM trtllm-serve",
            "model_name",
            (
                _m("trtllm_e2e_request_latency_seconds", "end-to-end"),
                _m("trtllm_time_to_first_token_seconds", "time to first token"),
                _m("trtllm_time_per_output_token_seconds", "time per output token"),
            ),
            ("engine_type",),
            "NVIDIA/TensorRT-LLM trtllm-serve",
        ),
    )
}

_TRITON_ADVICE = (
    "for percentiles start tritonserver with --metrics-config summary_latencies=true "
    "(nv_inference_request_summary_us: --preset triton, or --histogram summary) or "
    "--metrics-config histogram_latencies=true (nv_inference_first_response_histogram_ms)"
)
_TORCHSERVE_ADVICE = (
    "TorchServe exports no latency histogram by default; a custom histogram metric "
    "(metrics.yaml, type histogram) gives percentiles"
)

#: Latency counters real servers export by default: no buckets, only a mean is possible.
COUNTERS: dict[str, CounterHint] = {
    **{
        name: CounterHint("nv_inference_request_success", _TRITON_ADVICE)
        for name in (
            "nv_inference_request_duration_us",
            "nv_inference_queue_duration_us",
            "nv_inference_compute_input_duration_us",
            "nv_inference_compute_infer_duration_us",
            "nv_inference_compute_output_duration_us",
        )
    },
    "ts_inference_latency_microseconds": CounterHint(
        "ts_inference_requests_total", _TORCHSERVE_ADVICE
    ),
    "ts_queue_latency_microseconds": CounterHint("ts_inference_requests_total", _TORCHSERVE_ADVICE),
}


def get(name: str | None) -> Preset | None:
    """The preset called ``name`` (None for None or ""); an unknown name lists the known ones."""
    if not name:
        return None
    preset = PRESETS.get(name)
    if preset is None:
        raise InvalidParameterError(
            "preset", f"unknown preset {name!r}; choose one of {', '.join(sorted(PRESETS))}"
        )
    return preset


@dataclass(frozen=True)
class Resolved:
    """What a command measures after applying a preset: one entry per metric."""

    metric_name: str
    model_label: str
    histogram: str
    unit: str
    title: str = ""
    optional: bool = False


def resolve(
    preset: str | None,
    metric_names: tuple[str, ...] | list[str] | str | None = None,
    *,
    model_label: str | None = None,
    histogram: str | None = None,
    unit: str | None = None,
) -> list[Resolved]:
    """The metrics to measure: explicit options win, the preset fills in the rest.

    ``metric_names`` None/empty means the preset's metrics (or the default metric without
    a preset); a name the preset lists takes its kind, unit and label from it. ``None``
    for ``model_label``/``histogram``/``unit`` means "not given on the command line".
    """
    chosen = get(preset)
    if isinstance(metric_names, str):
        metric_names = [metric_names]
    names = list(metric_names or [])
    if not names:
        names = [m.name for m in chosen.metrics] if chosen else ["request_duration_seconds"]
    out = []
    for name in names:
        entry = chosen.metric(name) if chosen else None
        label = model_label or (entry and entry.model_label) or (chosen and chosen.model_label)
        out.append(
            Resolved(
                metric_name=name,
                model_label=label or "model",
                histogram=histogram or (entry.histogram if entry else "auto"),
                unit=unit or (entry.unit if entry else "auto"),
                title=entry.title if entry else "",
                optional=bool(entry and entry.optional and not metric_names),
            )
        )
    return out
