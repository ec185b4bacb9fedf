"""Raw counter samples from Prometheus, as stored: what ``rate()`` itself reads.

A range selector in an instant query (``x[1d]`` at ``t``) answers every sample in
``[t - 1d, t]``, not resampled (stale markers are left out, as ``rate()`` leaves them out). A
long range is asked in chunks ending at consecutive boundaries, a few at a time; the sample on
a boundary comes in both neighbouring chunks (2.x selects both ends) and is kept once. A chunk
refused for the backend's sample limit is asked again as two halves.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from p95kit.durations import format_duration
from p95kit.errors import PrometheusSampleLimitError
from p95kit.prometheus import range_answers
from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.fanout import run_all

#: Length of one chunk: a day of 1-minute samples is 1,440 per series.
CHUNK_SECONDS = 86400
#: A chunk refused for the sample limit is halved down to this length (then the refusal
#: is raised).
SMALLEST_CHUNK = 60.0


@dataclass
class RawSeries:
    """One series: its ``labels`` (with ``__name__``), ``stamps`` (int64 ms, increasing) and
    ``values`` (float64)."""

    labels: dict[str, str]
    stamps: np.ndarray
    values: np.ndarray


def fetch_raw(
    prom: Prometheus,
    selector: str,
    start: float,
    end: float,
    *,
    chunk: float = CHUNK_SECONDS,
    progress: bool | None = None,
) -> list[RawSeries]:
    """Every sample of the series ``selector`` matches with ``start <= t <= end`` (unix s),
    in answer order (series first seen first)."""
    bounds = [start]
    while bounds[-1] < end:
        bounds.append(min(bounds[-1] + chunk, end))
    calls = [partial(_chunk, prom, selector, lo, hi) for lo, hi in itertools.pairwise(bounds)]
    if not calls:
        calls = [partial(_chunk, prom, selector, start - 0.001, start)]
    parts = run_all(calls, prom.max_workers, progress=progress, description="raw samples")
    result, columns = range_answers.concat(parts)
    offsets = range_answers.starts(columns.lengths)
    found = []
    for item, first, length in zip(result, offsets.tolist(), columns.lengths.tolist()):
        stamps = np.rint(columns.stamps[first : first + length] * 1000).astype(np.int64)
        values = columns.values[first : first + length]
        order = np.argsort(stamps, kind="stable")
        stamps, values = stamps[order], values[order]
        keep = np.concatenate([[True], np.diff(stamps) > 0]) if len(stamps) else stamps > 0
        found.append(RawSeries(dict(item["metric"]), stamps[keep], values[keep]))
    return found


def _chunk(prom: Prometheus, selector: str, lo: float, hi: float) -> tuple[list, object]:
    """The samples in ``[lo, hi]``; a chunk the backend refuses for its sample limit is asked
    as two halves (down to :data:`SMALLEST_CHUNK`), whose samples are joined."""
    span = format_duration(max(hi - lo, 0.001))
    try:
        answer = prom.query(f"{selector}[{span}]", hi, expect="matrix")
    except PrometheusSampleLimitError:
        if hi - lo <= SMALLEST_CHUNK:
            raise
        middle = lo + (hi - lo) / 2
        halves = [_chunk(prom, selector, lo, middle), _chunk(prom, selector, middle, hi)]
        return range_answers.concat(halves)
    columns = answer.columns or range_answers.from_lists(answer.result)
    return answer.result, columns


def ms(seconds: float) -> int:
    """Unix seconds as int64 milliseconds."""
    return math.floor(seconds * 1000 + 0.5)
