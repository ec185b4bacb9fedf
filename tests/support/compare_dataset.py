"""Two versions per model with known differences, for ``p95kit.compare`` against a real
Prometheus (the ``compare_prom`` fixture of tests/compare/test_versions.py).

``request_duration_seconds`` by ``model`` and ``version`` over the 3 h before ``END``, one
sample a minute. Counts are NON-cumulative per step (one per bound of ``BOUNDS`` plus the
overflow) and constant, so ``increase(...[1h])`` at ``END`` sees exactly 60 steps of them and
every expected number comes from the counts below, never from p95kit:

- ``llama``: v2 is v1 moved one bucket up (clearly slower); ``qwen``: v2 one bucket down
  (clearly faster); ``mistral``: v1 and v2 identical (no change), with plenty of requests;
- ``tiny``: one request a minute per version (too few requests for a verdict);
- ``solo``: v1 only (the candidate side has no series);
- :data:`HOSTILE_MODEL` with versions ``v1`` and :data:`HOSTILE_VERSION` (slower): label
  values that need escaping in PromQL, HTML and terminals;
- ``deployed`` (version ``main``): one version whose latency doubles at ``DEPLOY`` (before /
  after a deploy, ``baseline_at``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from p95kit.demo.local_prometheus import OpenMetricsWriter
from tests.support.dataset import HOSTILE_MODEL, SECONDS_BOUNDS, per_bucket

END = 1795219200  # 2026-11-21T00:00:00Z, the last sample
HOURS = 3
START = END - HOURS * 3600
STEP = 60
DEPLOY = END - 3600  # "deployed" changes after this sample
METRIC = "request_duration_seconds"
BOUNDS = SECONDS_BOUNDS
HOSTILE_VERSION = "v2\"'\\<b>\n"  # a quote, an apostrophe, a backslash, HTML, a newline

FAST = {0.1: 60, 0.25: 170, 0.5: 50, 1.0: 20}  # 300 a minute, P95 in (0.5, 1]
SLOW = {0.25: 60, 0.5: 170, 1.0: 50, 2.5: 20}  # the same, one bucket up
FASTER = {0.05: 60, 0.1: 170, 0.25: 50, 0.5: 20}  # the same, one bucket down
TINY_CYCLE = (0.05, 0.1, 0.1, 0.25, 0.25, 0.25, 0.5, 0.5, 1.0, 2.5)  # one a minute


def counts(by_upper: dict[float, int]) -> tuple[int, ...]:
    return per_bucket(BOUNDS, by_upper)


def tiny(t: int) -> tuple[int, ...]:
    """One request a minute, its bucket cycling through :data:`TINY_CYCLE`."""
    return counts({TINY_CYCLE[(t // STEP) % len(TINY_CYCLE)]: 1})


def deployed(t: int) -> tuple[int, ...]:
    return counts(SLOW if t > DEPLOY else FAST)


#: (model, version) -> per-step counts, or a function of the sample's time.
SERIES: dict[tuple[str, str], Sequence[int] | Callable[[int], Sequence[int]]] = {
    ("llama", "v1"): counts(FAST),
    ("llama", "v2"): counts(SLOW),
    ("qwen", "v1"): counts(FAST),
    ("qwen", "v2"): counts(FASTER),
    ("mistral", "v1"): counts(FAST),
    ("mistral", "v2"): counts(FAST),
    ("tiny", "v1"): tiny,
    ("tiny", "v2"): tiny,
    ("solo", "v1"): counts(FAST),
    (HOSTILE_MODEL, "v1"): counts(FAST),
    (HOSTILE_MODEL, HOSTILE_VERSION): counts(SLOW),
    ("deployed", "main"): deployed,
}
MODELS = sorted({model for model, _ in SERIES})


def per_step(model: str, version: str, t: int = END) -> list[int]:
    """The counts one step of a series adds at ``t``."""
    series = SERIES[(model, version)]
    return list(series(t) if callable(series) else series)


def requests(model: str, version: str, until: int = END, window: int = 3600) -> int:
    """Requests of a series in ``(until - window, until]``: what ``increase`` sees."""
    return sum(
        sum(per_step(model, version, t)) for t in range(until - window + STEP, until + 1, STEP)
    )


def build(path: Path) -> Path:
    """Write the dataset as an OpenMetrics file for promtool; return ``path``."""
    writer = OpenMetricsWriter()
    for (model, version), increments in SERIES.items():
        labels = {"model": model, "version": version, "env": "prod"}
        writer.add_histogram(METRIC, labels, BOUNDS, increments, START, END, STEP)
    return writer.write(path)
