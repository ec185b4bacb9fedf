"""Range requests within Prometheus's limits: chunking and the guard against absurd ranges."""

from __future__ import annotations

import math

from p95kit.durations import NICE_STEPS, format_duration

#: Prometheus rejects more than 11,000 points per series in one query_range.
MAX_POINTS_PER_REQUEST = 11_000
#: Beyond this many points per series a request is almost surely a mistake.
MAX_POINTS_PER_SERIES = 1_000_000


def split_range(start: float, end: float, step: float) -> list[tuple[float, float]]:
    """Split ``[start, end]`` into chunks of at most 11,000 points at ``start + k*step``.

    Chunks do not share a boundary point: the next chunk starts one step later.
    """
    total = math.floor((end - start) / step + 1e-9) + 1
    chunks = []
    for first in range(0, total, MAX_POINTS_PER_REQUEST):
        last = min(first + MAX_POINTS_PER_REQUEST, total) - 1
        chunks.append((start + first * step, start + last * step))
    return chunks


#: Steps :func:`suggest_step` may name, smallest first.
_SUGGESTED_STEPS = (1, 2, 5, 10, *NICE_STEPS)


def suggest_step(span: float) -> str:
    """The smallest round step that keeps ``span`` under the points limit."""
    for step in _SUGGESTED_STEPS:
        if span / step < MAX_POINTS_PER_SERIES:
            return format_duration(step)
    return format_duration(math.ceil(span / MAX_POINTS_PER_SERIES))
