"""A window's counts when the backend refuses the window in one piece for its sample limit.

A 30-day ``increase(x_bucket[30d])`` over thousands of bucket series can exceed the
backend's sample limit (Prometheus ``--query.max-samples``, Mimir's and
VictoriaMetrics' equivalents: :mod:`p95kit.prometheus.sample_limits`). Counts add up over
time, so :func:`instant` asks the same question over consecutive sub-windows (ending at
``at``, at ``at - w1``, ...) and adds each series' values: the bucket counts, ``_sum``
and ``_count`` of the whole window. A sub-window that is refused again is cut in two,
until every part is answered; when a part of a second, or more than :data:`MAX_PARTS`
parts, would be needed, the first refusal is raised, saying how far p95kit split it.
The parts of one level are asked ``max_workers`` at a time, with a progress bar in
Jupyter or with ``-v`` (:mod:`p95kit.progress`). The answer's ``warnings`` say it was split.

The same numbers within float noise:

- VictoriaMetrics' ``increase`` is the last sample minus the last one before the window,
  so consecutive sub-windows add up to the window's exactly;
- Prometheus's counts the samples in ``[start, end]`` and extrapolates to the window's
  edges. Where the sub-windows' edges fall on sample times (backfilled data, aligned
  windows) the parts add up exactly; otherwise each part extrapolates across the gap
  between the last sample before its edge and the first after it, which is what the
  whole window measured (from the real samples) unless the rate changed within that one
  scrape interval: a difference of that interval's change, per edge, in the counts of
  a window of many intervals. A counter reset exactly between two sub-windows loses the
  count of its first sample after the reset.

``rate`` answers (counts per second) are combined weighted by each part's length. Native
histogram samples cannot be added here: such an answer re-raises the refusal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

from p95kit.durations import format_duration, parse_duration
from p95kit.errors import PrometheusSampleLimitError
from p95kit.prometheus.answers import Result
from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.fanout import run_all
from p95kit.prometheus.sample_limits import split_note, still_refused

#: At most this many sub-windows (2**8: 30 days in parts of 2.8 hours); a question that
#: needs more is refused (VictoriaMetrics counts whole storage blocks of up to 8,192
#: samples per series, so past some point smaller windows stop helping).
MAX_PARTS = 256

Part = tuple[float, int]  # (the sub-window's end, its length in whole seconds)


def instant(
    prom: Prometheus,
    query: Callable[[str], str],
    window: str,
    at: float,
    func: str = "increase",
    *,
    progress: bool | None = None,
) -> Result:
    """``prom.query(query(window), at)``; when the backend refuses it for its sample limit,
    the sum of ``query(w)`` over consecutive sub-windows (``func``: ``increase`` adds the
    values, ``rate`` averages them weighted by length). ``query`` builds the PromQL for a
    window written as a Prometheus duration."""
    try:
        return prom.query(query(window), at)
    except PrometheusSampleLimitError as refusal:
        first = refusal
    span = parse_duration(window, "time_range")
    if span != int(span) or span < 2:  # not cut into whole seconds: refused as it is
        raise first
    pending, done = halves((at, int(span))), []
    while pending:
        if len(done) + len(pending) > MAX_PARTS:
            raise still_refused(first, len(done) + len(pending) // 2)
        calls = [partial(_attempt, prom, query(f"{seconds}s"), end) for end, seconds in pending]
        answers = run_all(
            calls, prom.max_workers, progress=progress, description="sub-windows (sample limit)"
        )
        refused: list[Part] = []
        for part, answer in zip(pending, answers):
            if isinstance(answer, PrometheusSampleLimitError):
                if part[1] < 2:
                    raise still_refused(first, len(done) + len(pending))
                refused += halves(part)
            else:
                done.append((part, answer))
        pending = refused
    return added(done, span, func, first)


def halves(part: Part) -> list[Part]:
    """The later and the earlier half of ``part`` (at least 2 whole seconds)."""
    end, seconds = part
    later = seconds - seconds // 2
    return [(end, later), (end - later, seconds // 2)]


def added(
    parts: list[tuple[Part, Result]], span: float, func: str, refusal: PrometheusSampleLimitError
) -> Result:
    """One vector: each series' values over ``parts`` added (``rate``: weighted by length)."""
    totals: dict[tuple, tuple[dict[str, str], float]] = {}
    at = max(end for (end, _), _ in parts)
    for (_, seconds), answer in parts:
        weight = seconds / span if func == "rate" else 1.0
        for item in answer.result:
            if "value" not in item:  # a native histogram: not added here
                raise refusal
            key = tuple(sorted(item["metric"].items()))
            metric, total = totals.get(key, (item["metric"], 0.0))
            totals[key] = (metric, total + float(item["value"][1]) * weight)
    result: list[dict[str, Any]] = [
        {"metric": metric, "value": [at, _text(total)]} for metric, total in totals.values()
    ]
    warnings = list(dict.fromkeys(w for _, answer in parts for w in answer.warnings))
    infos = list(dict.fromkeys(i for _, answer in parts for i in answer.infos))
    longest = format_duration(max(seconds for (_, seconds), _ in parts))
    how = f"{len(parts)} consecutive sub-windows of up to {longest} whose counts were added"
    warnings.append(split_note(refusal, how))
    return Result("vector", result, warnings, infos)


def _attempt(prom: Prometheus, text: str, at: float) -> Result | PrometheusSampleLimitError:
    try:
        return prom.query(text, at)
    except PrometheusSampleLimitError as refusal:
        return refusal


def _text(value: float) -> str:
    """A sample value as the API writes it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)
