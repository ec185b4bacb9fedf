"""``p95kit demo``: a throwaway Prometheus with realistic synthetic LLM latency, and a real report.

:func:`write_demo_data` writes a dozen models over a few days: different latency
profiles (log-normal, mapped onto classic buckets), daily traffic cycles, an idle
model and one that regresses during the last day. :func:`demo_prometheus` backfills
it into a :class:`~p95kit.demo.local_prometheus.LocalPrometheus` on a free loopback port.
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

METRIC = "request_duration_seconds"
BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
STEP = 60
DAYS_BEFORE = 3
HOURS_AFTER = 6


@dataclass(frozen=True)
class Profile:
    """A model's latency: log-normal with ``median_s`` and ``sigma``; ``rpm`` requests/min."""

    name: str
    median_s: float
    sigma: float
    rpm: int
    regression: float = 1.0  # median multiplier during the last day


MODELS = (
    Profile("gpt-4o", 1.8, 0.5, 120),
    Profile("gpt-4o-mini", 0.6, 0.45, 300),
    Profile("claude-3.5-sonnet", 2.2, 0.55, 90),
    Profile("claude-3-haiku", 0.45, 0.4, 240),
    Profile("llama-3.1-70b", 1.5, 0.6, 60, regression=2.2),  # regresses in the last day
    Profile("llama-3.1-8b", 0.3, 0.4, 200),
    Profile("mistral-large", 1.9, 0.5, 40),
    Profile("mixtral-8x7b", 0.9, 0.5, 80),
    Profile("gemini-1.5-pro", 2.6, 0.6, 50),
    Profile("gemini-1.5-flash", 0.5, 0.45, 180),
    Profile("qwen2-72b", 1.7, 0.7, 30),
    Profile("whisper-large-v3", 12.0, 0.35, 10),  # slow: its tail passes the top buckets
    Profile("embedding-legacy", 0.08, 0.3, 0),  # idle: no traffic
)


def write_demo_data(path: Path, now: float | None = None, seed: int = 7) -> tuple[Path, int, int]:
    """Write the demo's OpenMetrics file; return ``(path, first, last)`` sample times."""
    now = int(now if now is not None else time.time()) // STEP * STEP
    start, end = now - DAYS_BEFORE * 86400, now + HOURS_AFTER * 3600
    regression_from = now - 86400
    writer = OpenMetricsWriter()
    rng = random.Random(seed)
    for index, profile in enumerate(MODELS):
        phase = rng.uniform(0, 86400)
        shares = {False: bucket_shares(BOUNDS, profile.median_s, profile.sigma)}
        shares[True] = bucket_shares(BOUNDS, profile.median_s * profile.regression, profile.sigma)

        def increments(t: int, p: Profile = profile, ph: float = phase, s: dict = shares) -> list:
            daily = 1 + 0.6 * math.sin(2 * math.pi * (t - ph) / 86400)
            requests = p.rpm * daily * STEP / 60
            return [round(requests * share) for share in s[t > regression_from]]

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


def bucket_shares(bounds: tuple[float, ...], median: float, sigma: float) -> list[float]:
    """Probability of each bucket of ``bounds`` (and the +Inf overflow) for a log-normal
    latency with ``median`` and ``sigma``."""

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2))))

    cumulative = [cdf(bound) for bound in bounds] + [1.0]
    return [b - a for a, b in zip([0.0, *cumulative[:-1]], cumulative)]
