"""Response schemas for the OpenAPI document (the bodies themselves come from the library).

They describe :func:`p95kit.to_payload`'s bodies (CONTRACT.md section 3), the SLO body
(:func:`p95kit.to_slo_payload`, section 10) and the error
body; the server never validates its answers against them (the tests do, with schemathesis).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong.")
    details: dict[str, Any] = Field(
        description="``status``, ``type``, and when a parameter is at fault its name "
        "(``parameter``) and a valid ``example``."
    )


class P95Item(BaseModel):
    model: str
    instance: str | None = Field(None, description="Summaries only: one item per series.")
    p95_latency_ms: float | None = Field(description="Milliseconds; null: no traffic.")
    timestamp: float = Field(description="Evaluation time, unix seconds.")
    metric_name: str
    time_range: str


def _warnings() -> Any:
    return Field(
        None,
        description="Only when the answer has something to say: Prometheus's warnings and infos "
        "(a partial response), a question split for the backend's sample limit, a model "
        "without series.",
    )


class P95Body(BaseModel):
    status: Literal["success"]
    data: list[P95Item]
    count: int
    warnings: list[str] | None = _warnings()


class RangePoint(BaseModel):
    timestamp: float
    p95_latency_ms: float | None


class RangeItem(BaseModel):
    model: str
    instance: str | None = None
    data_points: list[RangePoint]
    metric_name: str
    duration: str
    step: str


class RangeBody(BaseModel):
    status: Literal["success"]
    data: list[RangeItem]
    count: int
    warnings: list[str] | None = _warnings()


class PercentilesItem(BaseModel):
    model: str
    instance: str | None = None
    percentiles: dict[str, float | None] = Field(description="p50, p95, p99.9, ... in ms.")
    timestamp: float


class PercentilesBody(BaseModel):
    status: Literal["success"]
    data: list[PercentilesItem]
    count: int
    metric_name: str
    time_range: str
    warnings: list[str] | None = _warnings()


class ModelsBody(BaseModel):
    status: Literal["success"]
    data: list[str]
    count: int


class SloItem(BaseModel):
    model: str
    requests: float | None = Field(description="Requests in the window.")
    good_share: float | None = Field(description="Share at or under the threshold (0-1).")
    good_share_low: float | None = Field(description="What the bucket counts prove, low end.")
    good_share_high: float | None = Field(description="What the bucket counts prove, high end.")
    objective: float = Field(description="Percent.")
    budget_remaining: float | None = Field(description="1 untouched, 0 spent, < 0 overspent.")
    burn_rate_1h: float | None
    burn_rate_6h: float | None
    status: Literal["ok", "burning", "exhausted", "no traffic"]
    timestamp: float = Field(description="Evaluation time, unix seconds.")
    threshold_ms: float
    window: str


class SloAlert(BaseModel):
    model: str
    severity: Literal["page", "ticket"]
    long_window: str
    short_window: str
    threshold: float = Field(description="The tier's burn rate.")
    burn_rate_long: float
    burn_rate_short: float
    bad_requests_long: float


class SloBody(BaseModel):
    status: Literal["success"]
    data: list[SloItem]
    count: int
    metric_name: str
    threshold_ms: float
    objective: float
    window: str
    estimator: str
    alerts: list[SloAlert] = Field(description="The burn-rate tiers that fire now.")


class CompareItem(BaseModel):
    model: str
    requests_baseline: float | None
    requests_candidate: float | None
    p50_baseline: float | None = Field(description="ms; null: no requests on that side.")
    p50_candidate: float | None
    p95_baseline: float | None
    p95_candidate: float | None
    p99_baseline: float | None
    p99_candidate: float | None
    p95_change_pct: float | None
    p_value: float | None
    verdict: Literal["slower", "faster", "no_change", "inconclusive"]
    reason: str
    power: float | None
    requests_needed_baseline: float | None = Field(description="null: no number would do.")
    requests_needed_candidate: float | None
    tail_bound_ms: float | None
    tail_share_baseline: float | None
    tail_share_candidate: float | None
    prob_candidate_slower: float | None


class CompareBody(BaseModel):
    status: Literal["success"]
    verdict: Literal["slower", "faster", "no_change", "inconclusive"] = Field(
        description="The worst model's verdict (slower, then inconclusive, no_change, faster): "
        "Argo Rollouts' successCondition reads it."
    )
    data: list[CompareItem]
    count: int
    slower: list[str] = Field(description="The models whose verdict is slower.")
    metric_name: str
    model_label: str
    baseline: str
    candidate: str
    time_range: str
    at: float
    baseline_at: float | None
    max_slowdown_pct: float
    confidence: float
    alternative: str
    looks: int
    estimator: str
    selector: str
    unit: str
    warnings: list[str]


class Health(BaseModel):
    status: str


BODIES = {
    "p95": P95Body,
    "p95_range": RangeBody,
    "percentiles": PercentilesBody,
    "models": ModelsBody,
    "slo": SloBody,
    "compare": CompareBody,
}
#: Answers besides 200 and the errors, per endpoint.
EXTRA_RESPONSES: dict[str, dict[int, dict[str, Any]]] = {
    "compare": {
        409: {
            "model": CompareBody,
            "description": "With fail_status=true: a model is slower (Flagger webhooks)",
        }
    }
}
