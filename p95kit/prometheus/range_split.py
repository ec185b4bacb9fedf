"""A range query the backend refuses for its sample limit, answered in shorter ranges.

A range query's cost grows with its points (Prometheus holds every series' points of the
range at once; VictoriaMetrics counts the raw samples it reads). :func:`fetch` asks for
the step-aligned chunks of :func:`~p95kit.prometheus.chunks.split_range`; a chunk refused
with :class:`~p95kit.errors.PrometheusSampleLimitError` is cut in two halves at a step
(no shared or lost point) and asked again, half by half, until every part is answered or
a single point is refused or more than :data:`MAX_PARTS` parts would be needed (then the
first refusal is raised, saying how far p95kit split it). The parts are joined series by
series: the points are the same as one request would have given, and the answer's
``warnings`` say it was split.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from p95kit.errors import PrometheusSampleLimitError
from p95kit.prometheus.answers import Result, merge_matrices
from p95kit.prometheus.chunks import split_range
from p95kit.prometheus.fanout import run_all
from p95kit.prometheus.sample_limits import split_note, still_refused

Fetch = Callable[[float, float], Result]  # (start, end) -> the answer for that range
#: At most this many parts: a range that needs more is refused.
MAX_PARTS = 1024


def fetch(
    ask: Fetch,
    start: float,
    end: float,
    step: float,
    workers: int,
    progress: bool | None = False,
) -> Result:
    """The answer for ``[start, end]`` at ``step``, from ``ask(lo, hi)`` over chunks
    (``workers`` at a time; ``progress``: see :mod:`p95kit.progress`)."""
    pending = split_range(start, end, step)
    if len(pending) == 1:
        try:
            return ask(start, end)
        except PrometheusSampleLimitError as refusal:
            if start >= end:  # one point: nothing to cut
                raise
            pending, first = halves(start, end, step), refusal
    else:
        first = None
    done: dict[tuple[float, float], Result] = {}
    while pending:
        if first is not None and len(done) + len(pending) > MAX_PARTS:
            raise still_refused(first, len(done) + len(pending) // 2)
        description = "range chunks" if first is None else "range parts (sample limit)"
        calls = [partial(_attempt, ask, lo, hi) for lo, hi in pending]
        answers = run_all(calls, workers, progress=progress, description=description)
        refused = []
        for (lo, hi), answer in zip(pending, answers):
            if isinstance(answer, PrometheusSampleLimitError):
                first = first or answer
                if lo >= hi:
                    raise still_refused(first, len(done) + len(pending))
                refused += halves(lo, hi, step)
            else:
                done[(lo, hi)] = answer
        pending = refused
    merged = merge_matrices([done[key] for key in sorted(done)])
    if first is not None:
        merged.warnings.append(split_note(first, f"{len(done)} shorter ranges, joined"))
    return merged


def halves(lo: float, hi: float, step: float) -> list[tuple[float, float]]:
    """``[lo, hi]`` (at least two points) cut at a step into two ranges with no shared
    point."""
    points = math.floor((hi - lo) / step + 1e-9) + 1
    first = points // 2
    return [(lo, lo + (first - 1) * step), (lo + first * step, hi)]


def _attempt(ask: Fetch, lo: float, hi: float) -> Result | PrometheusSampleLimitError:
    """``ask(lo, hi)``, or the sample-limit refusal (so that the other chunks go on)."""
    try:
        return ask(lo, hi)
    except PrometheusSampleLimitError as refusal:
        return refusal
