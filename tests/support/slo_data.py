"""A small SLO dataset whose budgets and burn rates are known by hand: ``le`` spelled three
ways, a counter reset, too few requests to page, traffic that stops, a hostile name.

Four days up to ``dataset.END`` at a 5-minute step. Every counter starts at 0 at ``START``
(a fresh process), so ``increase()`` over any window reaching back to ``START`` or beyond
is exactly the observations since then (Prometheus extrapolates to a counter's zero, which
is the first sample), and a window inside the data sees exactly the observations in it.
Counts are NON-cumulative per step: one per finite bound in ``BOUNDS`` plus the overflow;
``observed(model, after, until)`` adds them up. Expected numbers come from these counts,
never from p95kit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from tests.support import dataset

END = dataset.END
STEP = 300
DAYS = 4
START = END - DAYS * 86400
METRIC = "slo_request_duration_seconds"
BOUNDS = (0.5, 1.0, 2.0, 5.0)  # seconds: 2000 ms is a bound, 3000 ms lies between 2 and 5
RESET_AT = END - 90 * 60  # the "reset" model's process restarts here
STOPPED_AT = END - 2 * 3600  # the "stopped" model serves nothing after this


def go_text(bound: float) -> str:
    """Go's text format: ``0.5``, ``1``, ``2``."""
    return f"{bound:g}"


def python_repr(bound: float) -> str:
    """prometheus_client (Python), OpenMetrics, Prometheus 3: ``0.5``, ``1.0``, ``2.0``."""
    return repr(float(bound))


def exponent(bound: float) -> str:
    """An exponent spelling: ``5e-01``, ``1e+00``, ``2e+00``."""
    return f"{bound:.0e}"


def _every(step_counts: tuple[int, ...]) -> Callable[[int], tuple[int, ...]]:
    return lambda t: step_counts


def _last_step(step_counts: tuple[int, ...]) -> Callable[[int], tuple[int, ...]]:
    nothing = (0,) * len(step_counts)
    return lambda t: step_counts if t == END else nothing


def _until(when: int, step_counts: tuple[int, ...]) -> Callable[[int], tuple[int, ...]]:
    nothing = (0,) * len(step_counts)
    return lambda t: step_counts if t <= when else nothing


def counts(by_upper: dict[float, int]) -> tuple[int, ...]:
    return dataset.per_bucket(BOUNDS, by_upper)


INF = math.inf
#: model -> (how its exporter spells le, per-step counts as a function of the step's end t)
MODELS: dict[str, tuple[Callable[[float], str], Callable[[int], tuple[int, ...]]]] = {
    "go-text": (go_text, _every(counts({0.5: 50, 1.0: 30, 2.0: 15, 5.0: 4, INF: 1}))),
    "python": (python_repr, _every(counts({1.0: 90, 2.0: 9, 5.0: 1}))),
    "exponent": (exponent, _every(counts({0.5: 999, 5.0: 1}))),
    "reset": (python_repr, _every(counts({1.0: 98, 5.0: 2}))),
    "two-slow": (go_text, _last_step(counts({5.0: 2}))),  # 2 bad requests: the guard holds
    "three-slow": (go_text, _last_step(counts({5.0: 3}))),  # 3 bad requests: pages
    "stopped": (go_text, _until(STOPPED_AT, counts({1.0: 9, 5.0: 1}))),
    dataset.HOSTILE_MODEL: (python_repr, _every(counts({0.5: 10, 2.0: 10, 5.0: 80}))),
}


def steps() -> range:
    return range(START, END + 1, STEP)


def observed(model: str, after: float, until: float = END) -> tuple[int, ...]:
    """Observations per bucket in ``(after, until]`` (``increase`` over that window)."""
    step_counts = MODELS[model][1]
    picked = [step_counts(t) for t in steps() if after < t <= until and t > START]
    return tuple(sum(column) for column in zip(*picked)) if picked else (0,) * (len(BOUNDS) + 1)


def good_share(model: str, threshold_s: float, after: float, until: float = END) -> float:
    """The share of the window's requests at or under a bucket bound (NaN without requests)."""
    seen = observed(model, after, until)
    total = sum(seen)
    good = sum(c for c, upper in zip(seen, [*BOUNDS, INF]) if upper <= threshold_s)
    return good / total if total else math.nan


def build(path: Path) -> Path:
    """The OpenMetrics file for promtool."""
    lines = [f"# TYPE {METRIC} histogram\n"]
    for model, (spell, step_counts) in MODELS.items():
        label = 'model="' + model.replace("\\", "\\\\").replace('"', '\\"') + '"'
        les = [*map(spell, BOUNDS), "+Inf"]
        cumulative = [0] * len(les)
        values: list[list[int]] = [[] for _ in les]
        total_sum, sums = 0.0, []
        for t in steps():
            step = step_counts(t) if t > START else (0,) * len(les)
            if model == "reset" and t == RESET_AT:  # the process restarts: counters from 0
                cumulative, total_sum = [0] * len(les), 0.0
            running = 0
            for i, c in enumerate(step):
                running += c
                cumulative[i] += running
                values[i].append(cumulative[i])
            total_sum += sum(c * b for c, b in zip(step, [*BOUNDS, BOUNDS[-1]]))
            sums.append(total_sum)
        for le, series in zip(les, values):
            lines += [
                f'{METRIC}_bucket{{{label},le="{le}"}} {v} {t}\n' for v, t in zip(series, steps())
            ]
        lines += [f"{METRIC}_count{{{label}}} {v} {t}\n" for v, t in zip(values[-1], steps())]
        lines += [f"{METRIC}_sum{{{label}}} {v!r} {t}\n" for v, t in zip(sums, steps())]
    lines.append("# EOF\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path
