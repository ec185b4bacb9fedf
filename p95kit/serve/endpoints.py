"""The API's questions: each endpoint's path, accepted query parameters, and library call.

One table says which query parameters an endpoint accepts, with their defaults (the
original Django API's), size limits, descriptions and a valid example (shown in the
OpenAPI document and in 400 errors). The application builds each route's signature from
it, so a new keyword of the query functions is one more :class:`Param` in
:data:`LATENCY_KEYWORDS`. Answers are built by the library itself: :func:`p95kit.p95` (and
the others) on a shared :class:`p95kit.Prometheus`, then :func:`p95kit.to_payload` and
:func:`p95kit.query.payloads.dumps`, the code that writes a report's JSON files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import p95kit
from p95kit.errors import InvalidParameterError
from p95kit.query import estimators
from p95kit.query.payloads import dumps

MAX_MODELS = 100  # repeated ``models`` values in one request


@dataclass(frozen=True)
class Param:
    """One query parameter: ``default`` ``None`` means the library's own (or "now")."""

    name: str
    description: str
    example: str
    default: str | None = None
    max_length: int = 200
    repeatable: bool = False


METRIC_NAME = Param(
    "metric_name",
    "Histogram metric name, without _bucket.",
    "api_response_time_seconds",
    "request_duration_seconds",
)
MODEL_LABEL = Param("model_label", "Label that names the model.", "model_name", "model")
TIME_RANGE = Param(
    "time_range", "Window of each percentile (Prometheus duration).", "10m", "5m", 32
)
DURATION = Param("duration", "How far back the range goes.", "24h", "1h", 32)
STEP = Param("step", "Distance between points.", "5m", "1m", 32)
PERCENTILES = Param(
    "percentiles", "Comma-separated percentiles in (0, 100).", "50,90,99.9", "50,95,99", 200
)
LOOKBACK = Param("lookback", "How far back to look for models.", "7d", "1d", 32)
_TIME = "RFC 3339 or unix seconds; default now, rounded down to the server's cache period."
AT = Param("at", f"Evaluation time: {_TIME}", "2026-11-27T00:00:00Z", None, 40)
END = Param("end", f"End of the range: {_TIME}", "2026-11-27T00:00:00Z", None, 40)
PROMETHEUS_URL = Param(
    "prometheus_url",
    "Omit for the server's own Prometheus; otherwise exactly that URL or one the server "
    "allows with --allow-prometheus-url (any other is refused and never contacted).",
    "http://localhost:9090",
    None,
    500,
)
MODELS = Param(
    "models", f"Only this model (exact name); repeat, up to {MAX_MODELS}.", "gpt-4", None, 200, True
)
SELECTOR = Param("selector", "Extra label matchers.", 'env="prod"', None, 1000)
HISTOGRAM = Param(
    "histogram", "Metric kind: auto, classic, native or summary.", "classic", "auto", 16
)
UNIT = Param("unit", "Unit of the metric: auto, s, ms, us or ns.", "ms", "auto", 8)
ESTIMATOR = Param(
    "estimator",
    f"How a percentile is read from the buckets: {estimators.help_text()}.",
    estimators.names()[-1],
    estimators.DEFAULT,
    16,
)

#: The keyword parameters of the three latency questions (p95, range, percentiles).
LATENCY_KEYWORDS = (MODELS, SELECTOR, HISTOGRAM, UNIT, ESTIMATOR)

THRESHOLD_MS = Param("threshold_ms", "The SLO's threshold in ms (required).", "2000", None, 32)
OBJECTIVE = Param(
    "objective", "Percent of requests that must be at or under the threshold.", "99.5", "99", 16
)
WINDOW = Param("window", "The SLO's rolling window (Prometheus duration).", "7d", "30d", 32)
SLO_ESTIMATOR = Param(
    "estimator",
    f"How a share between bucket bounds is read: {estimators.help_text()}.",
    estimators.names()[0],
    estimators.ACCURATE,
    16,
)
#: ``/api/compare/`` (CONTRACT section 12; p95kit.compare's keywords).
COMPARE_PARAMS = (
    METRIC_NAME,
    Param("baseline", "Label matchers of the baseline.", 'version="v1"', None, 1000),
    Param("candidate", "Label matchers of the candidate.", 'version="v2"', None, 1000),
    Param("time_range", "Window of each side (Prometheus duration).", "2h", "1h", 32),
    MODEL_LABEL,
    PROMETHEUS_URL,
    AT,
    Param(
        "baseline_at",
        "The baseline is the same selector earlier: a time (RFC 3339, unix s) or a duration "
        "before at (1d).",
        "1d",
        None,
        40,
    ),
    Param("max_slowdown_pct", "A P95 change beyond this many % is a verdict.", "5", "10", 16),
    Param("confidence", "Confidence (%) of a verdict, in [50, 100).", "99", "95", 16),
    Param("alternative", "two-sided, or slower (one-sided).", "slower", "two-sided", 16),
    Param("looks", "Planned checks of a growing window (the level is divided).", "6", "1", 8),
    Param("scrape_interval", "Undo increase()'s extrapolation in the counts.", "15s", None, 32),
    MODELS,
    SELECTOR,
    HISTOGRAM,
    UNIT,
    Param(
        "fail_status",
        "true: answer HTTP 409 (same body) when a model is slower, for Flagger webhooks.",
        "true",
        "false",
        8,
    ),
)


@dataclass(frozen=True)
class Endpoint:
    """One question: ``time`` is the parameter that pins the evaluation time; ``methods``
    the HTTP methods answered (Flagger's webhooks POST); ``status`` the HTTP status of an
    answer (its parameters and body -> status; None: 200)."""

    name: str
    path: str
    summary: str
    params: tuple[Param, ...]
    time: Param
    ask: Callable[[p95kit.Prometheus, dict[str, Any]], bytes]
    methods: tuple[str, ...] = ("GET",)
    status: Callable[[dict[str, Any], bytes], int] | None = None


class _Checked(BaseException):
    """The library call reached its first question to Prometheus: its checks passed.
    A BaseException, so that no ``except Exception`` on the way can take it for a failure."""


class _NoPrometheus:
    """A client stand-in that ends the call where it would first use the client."""

    def __getattr__(self, name: str) -> Any:
        raise _Checked


def check(endpoint: Endpoint, values: dict[str, Any]) -> None:
    """The library's own parameter checks for ``values``, without asking Prometheus:
    ``endpoint.ask`` on a stand-in client that stops the call at its first query.
    Raises :class:`~p95kit.errors.InvalidParameterError` as the real call would."""
    try:
        endpoint.ask(_NoPrometheus(), dict(values))  # type: ignore[arg-type]
    except _Checked:
        return


def _frame_answer(function: str) -> Callable[[p95kit.Prometheus, dict[str, Any]], bytes]:
    def ask(client: p95kit.Prometheus, keywords: dict[str, Any]) -> bytes:
        frame = getattr(p95kit, function)(client=client, **keywords)
        return dumps(with_warnings(p95kit.to_payload(frame), frame.attrs.get("warnings")))

    return ask


def _slo_answer(client: p95kit.Prometheus, keywords: dict[str, Any]) -> bytes:
    from p95kit.slo.payload import to_slo_payload

    for name in ("threshold_ms", "objective"):
        if name in keywords:
            keywords[name] = _number(name, keywords[name])
    frame = p95kit.slo(client=client, **keywords)
    return dumps(to_slo_payload(frame))


def _models_answer(client: p95kit.Prometheus, keywords: dict[str, Any]) -> bytes:
    names = p95kit.list_models(client=client, **keywords)
    return dumps({"status": "success", "data": names, "count": len(names)})


def with_warnings(payload: dict[str, Any], warnings: list[str] | None) -> dict[str, Any]:
    """The payload, plus ``"warnings"`` when the answer has any (a partial response,
    Prometheus's infos, a split question, a model without series): never dropped."""
    return {**payload, "warnings": list(warnings)} if warnings else payload


_NUMBERS = {"max_slowdown_pct": float, "confidence": float, "looks": int}
_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _compare_answer(client: p95kit.Prometheus, keywords: dict[str, Any]) -> bytes:
    from p95kit.compare.payload import to_compare_payload

    values = dict(keywords)
    _fail_status(values.pop("fail_status", None))
    for name, kind in _NUMBERS.items():
        if name in values:
            values[name] = _number(name, values[name], kind)
    frame = p95kit.compare(client=client, **values)
    return dumps(to_compare_payload(frame))


def _compare_status(values: dict[str, Any], body: bytes) -> int:
    """409 for a ``slower`` answer when ``fail_status`` asks for it (Flagger: a webhook's
    answer over 202 fails the check); 200 otherwise, whatever the verdict (Argo Rollouts
    reads ``verdict`` from the body, and takes a non-2xx for an error, not a failure)."""
    import orjson

    if _fail_status(values.get("fail_status")) and orjson.loads(body)["verdict"] == "slower":
        return 409
    return 200


def _fail_status(value: object) -> bool:
    if value is None:
        return False
    flag = _FLAGS.get(str(value).strip().lower())
    if flag is None:
        raise InvalidParameterError(
            "fail_status",
            f"fail_status must be true or false, e.g. fail_status=true; got {value!r}",
        )
    return flag


def _number(name: str, value: object, kind: type = float) -> Any:
    """A number parameter (the query string's text) as ``kind``; else a 400 naming it."""
    try:
        return kind(str(value).strip())
    except ValueError:
        raise InvalidParameterError(
            name, f"{name} must be a number, e.g. {name}={EXAMPLES[name]}; got {value!r}"
        ) from None


ENDPOINTS = {
    endpoint.name: endpoint
    for endpoint in (
        Endpoint(
            "p95",
            "/api/metrics/p95/",
            "Current P95 latency per model (ms)",
            (METRIC_NAME, TIME_RANGE, MODEL_LABEL, PROMETHEUS_URL, AT, *LATENCY_KEYWORDS),
            AT,
            _frame_answer("p95"),
        ),
        Endpoint(
            "p95_range",
            "/api/metrics/p95/range/",
            "P95 latency per model over time (ms)",
            (
                METRIC_NAME,
                DURATION,
                STEP,
                MODEL_LABEL,
                PROMETHEUS_URL,
                TIME_RANGE,
                END,
                *LATENCY_KEYWORDS,
            ),
            END,
            _frame_answer("p95_range"),
        ),
        Endpoint(
            "percentiles",
            "/api/metrics/percentiles/",
            "Several percentiles per model (ms)",
            (
                METRIC_NAME,
                PERCENTILES,
                TIME_RANGE,
                MODEL_LABEL,
                PROMETHEUS_URL,
                AT,
                *LATENCY_KEYWORDS,
            ),
            AT,
            _frame_answer("percentiles"),
        ),
        Endpoint(
            "models",
            "/api/metrics/models/",
            "Names of the models that have the metric",
            (METRIC_NAME, MODEL_LABEL, PROMETHEUS_URL, LOOKBACK, END, SELECTOR, HISTOGRAM),
            END,
            _models_answer,
        ),
        Endpoint(
            "slo",
            "/api/slo/",
            "Latency SLO per model: good share, error budget left, burn rates, status",
            (
                METRIC_NAME,
                THRESHOLD_MS,
                OBJECTIVE,
                WINDOW,
                MODEL_LABEL,
                PROMETHEUS_URL,
                AT,
                MODELS,
                SELECTOR,
                UNIT,
                SLO_ESTIMATOR,
            ),
            AT,
            _slo_answer,
        ),
        Endpoint(
            "compare",
            "/api/compare/",
            "Is the candidate slower than the baseline, per model (verdict: slower, faster, "
            "no_change, inconclusive)",
            COMPARE_PARAMS,
            AT,
            _compare_answer,
            methods=("GET", "POST"),
            status=_compare_status,
        ),
    )
}

#: A valid example for every parameter name, for error details.
EXAMPLES = {p.name: p.example for e in ENDPOINTS.values() for p in e.params}
