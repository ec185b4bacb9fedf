"""Ground truth for the percentile estimators: latency shapes x real bucket layouts.

Samples are drawn with a fixed seed from eight latency shapes, bucketed into four bucket
layouts that real exporters use, and written as an OpenMetrics file for ``promtool``:
every step adds the same observations, so ``rate``/``increase`` over the window sees the
samples' exact bucket counts and ``_sum``. The truth is ``numpy.percentile`` of the same
samples. Shared by ``tests/behaviour/test_ground_truth_accuracy.py`` and
``benchmarks/bench_accuracy.py``. No p95kit import: the truth must not depend on the code it
checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 20261201
SAMPLES = 20_000
END = 1795219200  # 2026-11-21T00:00:00Z
STEP = 60
STEPS = 12  # 11 minutes of data; a 5m window sees 5 steps of identical observations
WINDOW = "5m"
PERCENTILES = (50, 75, 90, 95, 99)

# Upper bounds in seconds (``+Inf`` implied), as each exporter writes them.
PROMETHEUS_CLIENT = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    7.5,
    10.0,
)
_VLLM_E2E = "0.3 0.5 0.8 1 1.5 2 2.5 5 10 15 20 30 40 50 60 120 240 480 960 1920 7680"
LAYOUTS: dict[str, tuple[float, ...]] = {
    "prometheus_client": PROMETHEUS_CLIENT,
    "vllm_e2e": tuple(float(b) for b in _VLLM_E2E.split()),
    "tgi": tuple(0.0001 * 1.5**k for k in range(1, 36)),
    "bentoml": (*PROMETHEUS_CLIENT, 30.0, 60.0, 120.0, 180.0),
}


def _lognormal(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.lognormal(np.log(0.4), 0.6, n)


def _gamma(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.gamma(2.0, 0.15, n)


def _weibull(rng: np.random.Generator, n: int) -> np.ndarray:
    return 0.5 * rng.weibull(1.5, n)


def _bimodal_cache(rng: np.random.Generator, n: int) -> np.ndarray:
    hit = rng.random(n) < 0.8  # 80 % cache hits around 20 ms, misses around 600 ms
    return np.where(hit, rng.lognormal(np.log(0.02), 0.3, n), rng.lognormal(np.log(0.6), 0.4, n))


def _heavy_tail_floor(rng: np.random.Generator, n: int) -> np.ndarray:
    return 0.12 + 0.05 * (rng.pareto(2.2, n))  # nothing under 120 ms, a Pareto tail above


def _llm_e2e(rng: np.random.Generator, n: int) -> np.ndarray:
    ttft = rng.lognormal(np.log(0.25), 0.5, n)
    tokens = np.maximum(1, np.rint(rng.lognormal(np.log(150), 0.8, n)))
    inter_token = rng.gamma(8.0, 0.025 / 8.0, n)  # ~25 ms per token, per request
    return ttft + tokens * inter_token


def _flat(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0.05, 2.0, n)


def _exponential(rng: np.random.Generator, n: int) -> np.ndarray:
    return 0.01 + rng.exponential(0.3, n)


SHAPES: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "lognormal": _lognormal,
    "gamma": _gamma,
    "weibull": _weibull,
    "bimodal_cache": _bimodal_cache,
    "heavy_tail_floor": _heavy_tail_floor,
    "llm_e2e": _llm_e2e,
    "flat": _flat,
    "exponential": _exponential,
}


def samples(shape: str, n: int = SAMPLES) -> np.ndarray:
    """Latencies in seconds for ``shape``; the same numbers on every call (a per-shape seed)."""
    rng = np.random.default_rng([SEED, list(SHAPES).index(shape)])
    return SHAPES[shape](rng, n)


def bucket_counts(values: np.ndarray, bounds: tuple[float, ...]) -> np.ndarray:
    """Non-cumulative counts per bucket ``(previous, bound]`` plus the ``+Inf`` overflow."""
    index = np.searchsorted(np.asarray(bounds), values, side="left")
    return np.bincount(index, minlength=len(bounds) + 1)


def truth(values: np.ndarray, percentile: float) -> float:
    """The true percentile of the samples (numpy's default linear interpolation)."""
    return float(np.percentile(values, percentile))


def metric_name(layout: str) -> str:
    """The histogram holding every shape bucketed in ``layout`` (label ``model`` = shape)."""
    return f"groundtruth_{layout}_seconds"


@dataclass(frozen=True)
class Case:
    """One shape in one layout: its samples' bucket counts and sum (seconds)."""

    shape: str
    layout: str
    counts: np.ndarray
    total: float


def cases() -> list[Case]:
    """Every shape x layout."""
    out = []
    for shape in SHAPES:
        values = samples(shape)
        for layout, bounds in LAYOUTS.items():
            counts = bucket_counts(values, bounds)
            out.append(Case(shape, layout, counts, float(values.sum())))
    return out


def write_openmetrics(path: Path, extra: int = 0) -> Path:
    """Every case as classic histograms, ``STEPS`` samples up to ``END``; each step adds the
    case's observations once (``extra`` steps' worth at the start, so counters are not new)."""
    times = [END - STEP * (STEPS - 1 - k) for k in range(STEPS)]
    lines = []
    by_layout: dict[str, list[Case]] = {}
    for case in cases():
        by_layout.setdefault(case.layout, []).append(case)
    for layout, group in by_layout.items():
        name = metric_name(layout)
        lines.append(f"# TYPE {name} histogram\n")
        les = [*(repr(float(b)) for b in LAYOUTS[layout]), "+Inf"]
        for case in group:
            cumulative = np.cumsum(case.counts)
            label = f'model="{case.shape}"'
            for le, count in zip(les, cumulative):
                lines.extend(
                    f'{name}_bucket{{{label},le="{le}"}} {int(count) * (k + 1 + extra)} {t}\n'
                    for k, t in enumerate(times)
                )
            lines.extend(
                f"{name}_count{{{label}}} {int(cumulative[-1]) * (k + 1 + extra)} {t}\n"
                for k, t in enumerate(times)
            )
            lines.extend(
                f"{name}_sum{{{label}}} {case.total * (k + 1 + extra)!r} {t}\n"
                for k, t in enumerate(times)
            )
    lines.append("# EOF\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


#: Where SLO thresholds are put: at each case's true percentiles (so the true share of
#: requests under them is about p %), wherever they fall between two bucket bounds.
SHARE_PERCENTILES = PERCENTILES


def share_thresholds(case: Case) -> list[tuple[float, float]]:
    """``(threshold in seconds, true share at or under it)`` for ``case``: its samples' true
    percentiles in :data:`SHARE_PERCENTILES`, those that are not a bucket bound."""
    values = samples(case.shape)
    bounds = np.asarray(LAYOUTS[case.layout])
    out = []
    for p in SHARE_PERCENTILES:
        threshold = truth(values, p)
        if np.isclose(bounds, threshold, rtol=1e-9, atol=0.0).any():
            continue
        out.append((threshold, float(np.mean(values <= threshold))))
    return out
