"""Synthetic vLLM-shaped data for ``p95kit demo --preset vllm``.

What a vLLM V1 deployment exports (EXPORTERS.md): ``vllm:e2e_request_latency_seconds``,
``vllm:time_to_first_token_seconds`` and ``vllm:inter_token_latency_seconds`` with vLLM's
default buckets, by ``model_name``, each model split over two data-parallel engines
(``engine="0"``, ``"1"``). No queue-time histogram: the report shows how a preset metric a
server does not export becomes a warning. Every latency drifts a few percent from day to day
(:mod:`p95kit.demo.lognormal`); one model regresses (TTFT) during the last day and one gets
faster (inter-token latency).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

from p95kit.demo.local_prometheus import OpenMetricsWriter
from p95kit.demo.lognormal import bucket_shares, day_before, wobble

STEP = 120
#: Days of data before now: three daily 24 h windows, and the day before the first.
DAYS_BEFORE = 4
HOURS_AFTER = 6
E2E = (0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920)
E2E = (*E2E, 7680)
TTFT = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
TTFT = (*TTFT, 20, 40, 80, 160, 640, 2560)
ITL = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20)
ITL = (*ITL, 40, 80)
#: metric -> (bounds, which Profile field is its median in seconds)
METRICS = {
    "vllm:e2e_request_latency_seconds": (E2E, "e2e_s"),
    "vllm:time_to_first_token_seconds": (TTFT, "ttft_s"),
    "vllm:inter_token_latency_seconds": (ITL, "itl_s"),
}


@dataclass(frozen=True)
class LLMProfile:
    """Medians (s) of a model's latencies, its requests per minute per engine, and
    multipliers of its TTFT and inter-token latency during the last day (over 1: a
    regression, under 1: an improvement)."""

    name: str
    e2e_s: float
    ttft_s: float
    itl_s: float
    rpm: int
    ttft_regression: float = 1.0
    itl_last_day: float = 1.0

    def median_on(self, field: str, day: int, seed: int = 7) -> float:
        """The median (s) of latency ``field`` (``e2e_s``, ...) on ``day`` (0: the last 24 h)."""
        last_day = {"ttft_s": self.ttft_regression, "itl_s": self.itl_last_day}.get(field, 1.0)
        drift = wobble(f"{self.name}:{field}", day, seed)
        return getattr(self, field) * drift * (last_day if day == 0 else 1.0)


MODELS = (
    LLMProfile("meta-llama/Llama-3.1-70B-Instruct", 9.0, 0.35, 0.045, 40, ttft_regression=2.5),
    LLMProfile("meta-llama/Llama-3.1-8B-Instruct", 3.2, 0.08, 0.018, 150),
    LLMProfile("Qwen/Qwen2.5-32B-Instruct", 6.5, 0.22, 0.032, 60, itl_last_day=0.6),
    LLMProfile("mistralai/Mistral-7B-Instruct-v0.3", 2.8, 0.07, 0.016, 120),
)


def write_vllm_data(path: Path, now: float | None = None, seed: int = 7) -> tuple[Path, int, int]:
    """Write the vLLM demo's OpenMetrics file; return ``(path, first, last)`` sample times."""
    now = int(now if now is not None else time.time()) // STEP * STEP
    start, end = now - DAYS_BEFORE * 86400, now + HOURS_AFTER * 3600
    writer = OpenMetricsWriter()
    rng = random.Random(seed)
    for metric, (bounds, field) in METRICS.items():
        for profile in MODELS:
            shares = {
                day: bucket_shares(bounds, profile.median_on(field, day, seed), 0.5)
                for day in range(DAYS_BEFORE + 1)
            }
            for engine in ("0", "1"):
                phase, load = rng.uniform(0, 86400), rng.uniform(0.7, 1.3)

                def increments(t, p=profile, ph=phase, k=load, s=shares):
                    daily = 1 + 0.6 * math.sin(2 * math.pi * (t - ph) / 86400)
                    requests = p.rpm * k * daily * STEP / 60
                    return [round(requests * share) for share in s[day_before(t, now)]]

                labels = {"model_name": profile.name, "engine": engine}
                writer.add_histogram(metric, labels, bounds, increments, start, end, STEP)
    return writer.write(path), start, end
