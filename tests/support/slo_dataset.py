"""The SLO alerting scenarios: four days of one-minute samples whose alerts are known in kind.

Threshold 2 s (a bucket bound: le ``2`` or ``2.0``), objective 99 % (budget 1 %). Each model's
per-minute requests and slow requests (over 2 s) make one scenario:

- ``steady``: 0.5 % slow (burn rate 0.5): never alerts.
- ``fast-burn``: 0.5 % slow, then 30 % for 40 minutes on day 3: the 1h/5m page.
- ``slow-burn``: 2 % slow throughout (burn 2): the 3d/6h ticket only.
- ``trickle``: one request every 10 minutes; one slow request on day 2 (burn 1000 over 5m but
  one bad request: the guard holds it), three slow in a row on day 3 (the guard lets it page).
- ``idle``: series without traffic: no alert and no NaN.
- ``split``: two instances, one exporter writes ``le="2"`` (Go), the other ``le="2.0"``
  (Python); the second is all slow for 20 minutes on day 4: a page only if both spellings count.
- ``reset``: 5 % slow, its counters reset to 0 on day 2 (a restart): tickets.
- ``gappy``: 8 % slow with 10 % of the scrapes missing: page 6h/30m and tickets.
- ``late``: appears on day 3, 20 % slow: pages from its second sample on.

:func:`write_openmetrics` backfills them into a Prometheus; :func:`input_series` gives the
same samples to ``promtool test rules`` (time 0 = :data:`START`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support import dataset

END = dataset.END
DAYS = 4
START = END - DAYS * 86400
STEP = 60
METRIC = "request_duration_seconds"
BOUNDS = (0.5, 1.0, 2.0, 5.0)
THRESHOLD_MS = 2000
MINUTES = DAYS * 1440 + 1  # samples at START, START + 1m, ..., END
DAY = 1440


@dataclass
class Instance:
    """One exporter's counters for a model: ``fast[i]`` requests at or under 2 s and
    ``total[i]`` requests at minute ``i`` (cumulative; None: no sample), ``le`` spelling."""

    model: str
    instance: str
    fast: list[float | None]
    total: list[float | None]
    le: Callable[[float], str] = str


def _counters(per_minute: Callable[[int], tuple[int, int]], start: int = 0) -> tuple[list, list]:
    """Cumulative (fast, total) from per-minute (requests, slow), None before ``start``."""
    fast: list[float | None] = [None] * start
    total: list[float | None] = [None] * start
    good = count = 1000.0
    for minute in range(start, MINUTES):
        requests, slow = per_minute(minute) if minute > start else (0, 0)
        count += requests
        good += requests - slow
        fast.append(good)
        total.append(count)
    return fast, total


def _between(minute: int, day: int, hour: int, length: int) -> bool:
    begin = day * DAY + hour * 60
    return begin < minute <= begin + length


def _go(bound: float) -> str:
    return f"{bound:g}"


def _instances() -> list[Instance]:
    rng = random.Random(21)
    found = [
        Instance("steady", "a", *_counters(lambda m: (600, 3))),
        Instance(
            "fast-burn",
            "a",
            *_counters(lambda m: (600, 180 if _between(m, 2, 12, 40) else 3)),
        ),
        Instance("slow-burn", "a", *_counters(lambda m: (600, 12))),
        Instance(
            "trickle",
            "a",
            *_counters(
                lambda m: (
                    (1, 1 if m == DAY + 180 or _between(m, 2, 2, 30) else 0)
                    if m % 10 == 0
                    else (0, 0)
                )
            ),
        ),
        Instance("idle", "a", *_counters(lambda m: (0, 0))),
        Instance("split", "go", *_counters(lambda m: (600, 0)), le=_go),
        Instance(
            "split", "python", *_counters(lambda m: (600, 600 if _between(m, 3, 9, 20) else 0))
        ),
        Instance("late", "a", *_counters(lambda m: (600, 120), start=2 * DAY + 7 * 60)),
    ]
    fast, total = _counters(lambda m: (400, 20))
    restart = DAY + 12 * 60
    base_fast, base_total = fast[restart], total[restart]
    fast = [v if i < restart else v - base_fast for i, v in enumerate(fast)]
    total = [v if i < restart else v - base_total for i, v in enumerate(total)]
    found.append(Instance("reset", "a", fast, total))
    fast, total = _counters(lambda m: (500, 40))
    gaps = {i for i in range(MINUTES) if rng.random() < 0.1}
    fast = [None if i in gaps else v for i, v in enumerate(fast)]
    total = [None if i in gaps else v for i, v in enumerate(total)]
    found.append(Instance("gappy", "a", fast, total))
    return found


INSTANCES = _instances()
MODELS = sorted({i.model for i in INSTANCES})


def write_openmetrics(path: Path) -> Path:
    """Every bucket of every instance (slow requests go to le=5; the +Inf bucket and _count
    equal the total), as OpenMetrics for promtool's backfill."""
    lines = [f"# TYPE {METRIC} histogram"]
    for item in INSTANCES:
        labels = f'model="{item.model}",instance="{item.instance}"'
        for bound in (*BOUNDS, "+Inf"):
            le = bound if isinstance(bound, str) else item.le(bound)
            values = item.fast if bound != "+Inf" and bound <= 2.0 else item.total
            for i, value in enumerate(values):
                if value is not None:
                    lines.append(
                        f'{METRIC}_bucket{{{labels},le="{le}"}} {value} {START + i * STEP}'
                    )
        for i, value in enumerate(item.total):
            if value is not None:
                lines.append(f"{METRIC}_count{{{labels}}} {value} {START + i * STEP}")
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def input_series() -> list[dict[str, str]]:
    """The threshold bucket and ``_count`` of every instance for ``promtool test rules``
    (``interval: 1m``; ``_`` where a sample is missing)."""
    out = []
    for item in INSTANCES:
        labels = f'model="{item.model}",instance="{item.instance}"'
        for name, values in (
            (f'_bucket{{{labels},le="{item.le(2.0)}"}}', item.fast),
            (f"_count{{{labels}}}", item.total),
        ):
            text = " ".join("_" if v is None else repr(v) for v in values)
            out.append({"series": f"{METRIC}{name}", "values": text})
    return out
