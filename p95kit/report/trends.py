"""Each model's P95 across the latest snapshots, for ``index.html``: a sparkline and a flag.

:func:`model_trends` turns a :func:`p95kit.report.history.history` frame into one
:class:`Trend` per metric and model, over the snapshots of one window length (a 24 h
report is compared with 24 h reports). A model is *getting worse* when its window P95
rose by at least 1 % (the report's "worse") from each snapshot to the next over the last
:data:`WORSE_OVER` snapshots. :func:`sparkline` draws the values as a small inline SVG
(numbers only; no text from the data inside it), so the page still opens offline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from p95kit.display.formatting import finite, trend

#: Snapshots a sparkline shows at most.
SHOWN = 14
#: A model that got slower at each of the last this-many snapshots is marked.
WORSE_OVER = 3


@dataclass(frozen=True)
class Trend:
    """One model's window P95 (ms; NaN: no traffic) in each snapshot, oldest first."""

    metric_name: str
    model: str
    p95: tuple[float, ...]

    @property
    def worse(self) -> bool:
        """Slower by at least 1 % at each step of the last :data:`WORSE_OVER` snapshots."""
        tail = self.p95[-WORSE_OVER:]
        if len(tail) < WORSE_OVER or not all(finite(v) for v in tail):
            return False
        return all(trend(b - a, 100 * (b - a) / a) == "worse" for a, b in pairwise(tail))

    @property
    def change_pct(self) -> float:
        """Latest P95 against the first one shown, in percent (NaN if either is missing)."""
        first, last = self.p95[0], self.p95[-1]
        return (
            100 * (last - first) / first if finite(first) and finite(last) and first else math.nan
        )


def model_trends(frame: pd.DataFrame, duration: str | None = None) -> list[Trend]:
    """One :class:`Trend` per metric and model over the last :data:`SHOWN` snapshots of
    ``duration`` (None: the duration of the snapshot whose window ends last), metrics in
    the order of the latest snapshot, models by name. Empty with fewer than 2 snapshots."""
    if frame.empty:
        return []
    if duration is None:
        duration = str(frame.loc[frame["window_end"].idxmax(), "duration"])
    same = frame[frame["duration"] == duration]
    snapshots = same.drop_duplicates("snapshot").sort_values("window_end")["snapshot"]
    snapshots = snapshots.tolist()[-SHOWN:]
    if len(snapshots) < 2:
        return []
    same = same[same["snapshot"].isin(snapshots)]
    latest = same[same["snapshot"] == snapshots[-1]]
    metrics = list(dict.fromkeys([*latest["metric_name"], *same["metric_name"]]))
    trends = []
    for metric in metrics:
        table = same[same["metric_name"] == metric].pivot_table(
            index="model", columns="snapshot", values="p95", aggfunc="first", dropna=False
        )
        table = table.reindex(columns=snapshots)
        for model, values in table.iterrows():
            trends.append(Trend(metric, str(model), tuple(float(v) for v in values)))
    return trends


def sparkline(values: tuple[float, ...], width: int = 120, height: int = 26) -> str:
    """``values`` as an inline SVG line (gaps where NaN), the last point marked, scaled
    between their own minimum and maximum. Numbers only: safe to embed as is."""
    points = [(i, v) for i, v in enumerate(values) if finite(v)]
    if not points:
        return ""
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or max(abs(high), 1.0)
    pad = 3.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def xy(i: int, v: float) -> str:
        y = height - pad - (v - low) / span * (height - 2 * pad)
        return f"{pad + i * step:.1f},{y:.1f}"

    segments, current = [], []
    for i, v in enumerate(values):
        if finite(v):
            current.append(xy(i, v))
        elif current:
            segments.append(current)
            current = []
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline points="{" ".join(s)}" fill="none" stroke="currentColor" stroke-width="1.5"/>'
        for s in segments
        if len(s) > 1
    )
    x, y = xy(*points[-1]).split(",")
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-hidden="true">{lines}<circle cx="{x}" cy="{y}" r="2.5" '
        'fill="currentColor"/></svg>'
    )
