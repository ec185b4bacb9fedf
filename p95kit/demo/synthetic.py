"""``p95kit demo``: a throwaway Prometheus with realistic synthetic LLM latency, and a real report.

:func:`write_demo_data` writes a dozen models over a few days: different latency
profiles (log-normal, mapped onto classic buckets), daily traffic cycles, an idle
model, a few percent of day-to-day drift for every model (:mod:`p95kit.demo.lognormal`),
one model that regresses during the last day, one that improves, and one that gets a
little slower every day. :func:`demo_prometheus` backfills it into a
:class:`~p95kit.demo.local_prometheus.LocalPrometheus` on a free loopback port.
The data runs a few hours past "now", so interactive queries at "now" keep
answering while the demo Prometheus is kept running for Jupyter.
"""

from __future__ import annotations

import contextlib
import math
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from p95kit.demo.local_prometheus import LocalPrometheus, OpenMetricsWriter
from p95kit.demo.lognormal import bucket_shares, day_before, wobble

METRIC = "request_duration_seconds"
BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
STEP = 60
#: Days of data before now: three daily 24 h windows, and the day before the first.
DAYS_BEFORE = 4
HOURS_AFTER = 6


@dataclass(frozen=True)
class Profile:
    """A model's latency: log-normal with ``median_s`` and ``sigma``; ``rpm`` requests/min;
    ``regression`` multiplies the median during the last day (under 1: an improvement),
    ``daily`` once more for each day closer to now (a slow, steady change)."""

    name: str
    median_s: float
    sigma: float
    rpm: int
    regression: float = 1.0
    daily: float = 1.0

    def median_on(self, day: int, seed: int = 7) -> float:
        """The median (s) on ``day`` (0: the last 24 h, 1: the day before, ...)."""
        last_day = self.regression if day == 0 else 1.0
        return self.median_s * wobble(self.name, day, seed) * last_day / self.daily**day


MODELS = (
    Profile("gpt-4o", 1.8, 0.5, 120),
    Profile("gpt-4o-mini", 0.6, 0.45, 300),
    Profile("claude-3.5-sonnet", 2.2, 0.55, 90),
    Profile("claude-3-haiku", 0.45, 0.4, 240),
    Profile("llama-3.1-70b", 1.5, 0.6, 60, regression=2.2),  # regresses in the last day
    Profile("llama-3.1-8b", 0.3, 0.4, 200),
    Profile("mistral-large", 1.9, 0.5, 40, daily=1.12),  # a little slower every day
    Profile("mixtral-8x7b", 0.9, 0.5, 80),
    Profile("gemini-1.5-pro", 2.6, 0.6, 50, regression=0.55),  # faster in the last day
    Profile("gemini-1.5-flash", 0.5, 0.45, 180),
    Profile("qwen2-72b", 1.7, 0.7, 30),
    Profile("whisper-large-v3", 12.0, 0.35, 10),  # slow: its tail passes the top buckets
    Profile("embedding-legacy", 0.08, 0.3, 0),  # idle: no traffic
)


def write_demo_data(path: Path, now: float | None = None, seed: int = 7) -> tuple[Path, int, int]:
    """Write the demo's OpenMetrics file; return ``(path, first, last)`` sample times."""
    now = int(now if now is not None else time.time()) // STEP * STEP
    start, end = now - DAYS_BEFORE * 86400, now + HOURS_AFTER * 3600
    writer = OpenMetricsWriter()
    rng = random.Random(seed)
    for index, profile in enumerate(MODELS):
        phase = rng.uniform(0, 86400)
        shares = {
            day: bucket_shares(BOUNDS, profile.median_on(day, seed), profile.sigma)
            for day in range(DAYS_BEFORE + 1)
        }

        def increments(t: int, p: Profile = profile, ph: float = phase, s: dict = shares) -> list:
            daily = 1 + 0.6 * math.sin(2 * math.pi * (t - ph) / 86400)
            requests = p.rpm * daily * STEP / 60
            return [round(requests * share) for share in s[day_before(t, now)]]

        labels = {"model": profile.name, "env": "prod", "instance": f"serving-{index % 3}:8000"}
        writer.add_histogram(METRIC, labels, BOUNDS, increments, start, end, STEP)
    return writer.write(path), start, end


@contextlib.contextmanager
def demo_prometheus(
    workdir: Path | None = None, now: float | None = None, preset: str | None = None
) -> Iterator[LocalPrometheus]:
    """A started LocalPrometheus serving the demo data (``preset="vllm"``: vLLM-shaped,
    see :mod:`p95kit.demo.llm_data`); stopped (by PID) on exit."""
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="p95kit-demo-")))
        if preset == "vllm":
            from p95kit.demo.llm_data import write_vllm_data

            data, _, _ = write_vllm_data(Path(workdir) / "demo.om", now)
        else:
            data, _, _ = write_demo_data(Path(workdir) / "demo.om", now)
        server = stack.enter_context(LocalPrometheus(data, Path(workdir)))
        data.unlink()
        yield server
