"""One query per side: every model's classic buckets (and ``_sum``) over the side's window.

Each side is :func:`p95kit.query.window_histograms.fetch` with the side's target (the shared
selector and the side's own), so one bucket query answers every model of a side; the two
run at once. A side whose models have only native histograms cannot be compared
(:class:`~p95kit.errors.MetricShapeError`): native buckets are Prometheus's to interpolate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from p95kit.compare.parameters import Plan, Side
from p95kit.errors import MetricShapeError
from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.fanout import run_all
from p95kit.query import window_histograms
from p95kit.query.histogram import Histogram
from p95kit.query.window_histograms import WindowHistograms


@dataclass
class Fetched:
    """Both sides' histograms per model (a model absent from a side had no series there),
    the PromQL asked per side, and Prometheus's warnings."""

    baseline: dict[str, Histogram]
    candidate: dict[str, Histogram]
    queries: dict[str, str]
    warnings: list[str] = field(default_factory=list)

    @property
    def models(self) -> list[str]:
        return sorted(set(self.baseline) | set(self.candidate))


def fetch_sides(prom: Prometheus, plan: Plan) -> Fetched:
    """Both sides of ``plan``, one query each, asked at once."""
    answers = run_all(
        [lambda side=side: _side(prom, side, plan.window) for side in _sides(plan)], 2
    )
    warnings: list[str] = []
    for answer in answers:
        warnings.extend(w for w in answer.warnings if w not in warnings)
    queries = {"baseline": answers[0].query, "candidate": answers[1].query}
    return Fetched(by_model(answers[0]), by_model(answers[1]), queries, warnings)


def by_model(hist: WindowHistograms) -> dict[str, Histogram]:
    """``{model: its one-row histogram}`` for the models with buckets in ``hist``."""
    found = {}
    for model in hist.models:
        one = hist.histogram(model)
        if one is not None:
            found[model] = one
    return found


def _sides(plan: Plan) -> tuple[Side, Side]:
    return plan.baseline, plan.candidate


def _side(prom: Prometheus, side: Side, window: str) -> WindowHistograms:
    answer = window_histograms.fetch(prom, side.target, window, side.when)
    if answer is None:
        raise MetricShapeError(
            "histogram",
            f"{side.target.metric_name} has native histograms only: compare reads classic "
            "buckets (each request in a bucket with le); scrape the classic buckets too "
            "(scrape_classic_histograms) or compare with p95kit.percentiles",
        )
    return answer
