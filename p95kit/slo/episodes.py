"""Alert episodes from evaluations that fired, and what they mean for a team's pager.

:func:`episodes` turns each tier's fired-or-not evaluations (:mod:`p95kit.slo.replay`) into
one row per episode (the columns of :func:`p95kit.slo_backtest`); :func:`would_have_paged`
sums a backtest up per model ("would have paged 2 times ..."), the line reports show;
:func:`to_records` gives JSON-ready rows (times as RFC 3339, NaT/NaN as None).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from p95kit.durations import parse_duration
from p95kit.slo.replay import Firing
from p95kit.slo.rule_set import RuleSet

COLUMNS = (
    "model",
    "severity",
    "long_window",
    "short_window",
    "started",
    "ended",
    "peak_burn_rate",
)


def episodes(rules: RuleSet, models: list[str], evals: np.ndarray, firing: Firing) -> pd.DataFrame:
    """The episodes of :func:`p95kit.slo.replay.replay`'s answer (see
    :func:`p95kit.slo_backtest`)."""
    rows = []
    times = pd.to_datetime(evals, unit="ms", utc=True)
    for tier, fires, burns in zip(rules.policy.tiers, firing.fires, firing.burns):
        padded = np.zeros((len(models), len(evals) + 2), dtype=np.int8)
        padded[:, 1:-1] = fires
        change = np.diff(padded, axis=1)
        starts_m, starts_k = np.nonzero(change == 1)
        _, ends_k = np.nonzero(change == -1)
        lengths = ends_k - starts_k
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        peaks = np.maximum.reduceat(burns, offsets) if len(burns) else np.empty(0)
        for m, k0, k1, peak in zip(starts_m, starts_k, ends_k, peaks):
            ended = times[k1] if k1 < len(evals) else pd.NaT
            row = (models[m], tier.severity, tier.long_window, tier.short_window, times[k0])
            rows.append((*row, ended, float(peak)))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["model"] = frame["model"].astype(str)
    for column in ("started", "ended"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[ns, UTC]")
    frame["peak_burn_rate"] = frame["peak_burn_rate"].astype(np.float64)
    order = {"page": 0, "ticket": 1}
    frame = frame.sort_values(
        ["model", "started", "severity"], key=lambda c: c.map(order) if c.name == "severity" else c
    )
    return frame.reset_index(drop=True)


PAGING_COLUMNS = ("model", "pages", "first_page", "firing_minutes", "peak_burn_rate", "text")


def would_have_paged(backtest: pd.DataFrame, severity: str = "page") -> pd.DataFrame:
    """Per model of a :func:`p95kit.slo_backtest` frame (every model it evaluated, from
    ``attrs["models"]``): how often ``severity`` would have fired. One row per model, sorted:
    ``model``, ``pages`` (int, episodes of that severity; tiers that fire at once are one
    page), ``first_page`` (datetime64[ns, UTC], NaT without one), ``firing_minutes``
    (float64, time some tier of that severity fired, up to the last evaluation),
    ``peak_burn_rate`` (float64, NaN without a page) and ``text`` ("would have paged 2 times,
    first at 2026-11-20 12:11 UTC, peak burn rate 80x" or "would not have paged")."""
    models = list(backtest.attrs.get("models") or sorted(set(backtest["model"])))
    last = backtest.attrs.get("last_evaluation")
    step = parse_duration(backtest.attrs.get("step") or "1m", "step")
    end = pd.Timestamp(last, unit="s", tz="UTC") + pd.Timedelta(seconds=step) if last else None
    chosen = backtest[backtest["severity"] == severity]
    rows = []
    for model in models:
        mine = chosen[chosen["model"] == model].sort_values("started")
        merged = _merge_overlaps(mine, end)
        minutes = sum((b - a).total_seconds() / 60 for a, b in merged)
        pages = len(merged)
        first = merged[0][0] if merged else pd.NaT
        peak = float(mine["peak_burn_rate"].max()) if len(mine) else np.nan
        if pages:
            times = "once" if pages == 1 else f"{pages} times"
            text = (
                f"would have paged {times}, first at {first:%Y-%m-%d %H:%M} UTC, "
                f"peak burn rate {peak:.3g}x"
            )
        else:
            text = f"would not have {'paged' if severity == 'page' else 'opened a ticket'}"
        rows.append((model, pages, first, minutes, peak, text))
    frame = pd.DataFrame(rows, columns=list(PAGING_COLUMNS))
    frame["pages"] = frame["pages"].astype(np.int64)
    frame["first_page"] = pd.to_datetime(frame["first_page"], utc=True).astype(
        "datetime64[ns, UTC]"
    )
    frame["firing_minutes"] = frame["firing_minutes"].astype(np.float64)
    frame["peak_burn_rate"] = frame["peak_burn_rate"].astype(np.float64)
    return frame


def _merge_overlaps(rows: pd.DataFrame, end: pd.Timestamp | None) -> list[tuple]:
    """Episodes of several tiers that overlap or touch, as one (start, end) each."""
    merged: list[list] = []
    for started, ended in zip(rows["started"], rows["ended"]):
        stop = end if pd.isna(ended) else ended
        if stop is None:
            stop = started
        if merged and started <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([started, stop])
    return [tuple(m) for m in merged]


def to_records(frame: pd.DataFrame) -> list[dict]:
    """Rows of an episodes or paging frame for JSON: times as ``2026-11-20T12:11:00Z``,
    NaT and NaN as None."""
    records = []
    for row in frame.to_dict("records"):
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                row[key] = value.strftime("%Y-%m-%dT%H:%M:%SZ")
            elif value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
                row[key] = None
            elif isinstance(value, np.integer):
                row[key] = int(value)
        records.append(row)
    return records
