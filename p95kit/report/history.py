"""Every published snapshot's numbers side by side: "is it getting worse?" over weeks.

:func:`history` reads the ``summary.json`` of each published snapshot under a report
folder (every metric of a multi-metric report) into one frame, for Jupyter::

    frame = p95kit.history("/srv/reports")
    frame.pivot_table(index="window_end", columns="model", values="p95")

``index.html`` draws each model's P95 across the latest snapshots from it
(:mod:`p95kit.report.trends`). Failed runs and folders without a readable summary are
left out; nothing is fetched from Prometheus.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from p95kit.report.data import SUMMARY_FILE
from p95kit.report.snapshots import FAILED_SUFFIX, SnapshotStore, read_run

#: The frame's columns, in order (percentile columns in ms).
COLUMNS = (
    "snapshot",
    "window_end",
    "metric_name",
    "model",
    "requests",
    "p50",
    "p95",
    "p99",
    "duration",
)
_NUMBERS = ("requests", "p50", "p95", "p99")


def history(out_dir: Path | str = "reports", *, last: int | None = None) -> pd.DataFrame:
    """Every published snapshot's per-model numbers under ``out_dir`` as one frame.

    One row per snapshot, metric and model: ``snapshot`` (str, the folder name),
    ``window_end`` (datetime64[ns, UTC], when the report's window ends), ``metric_name``
    (str), ``model`` (str), ``requests`` (float64, requests in the window), ``p50``,
    ``p95``, ``p99`` (float64 ms over the whole window; NaN without traffic or when the
    report did not compute that percentile), ``duration`` (str, the window's length, e.g.
    ``24h``: compare snapshots of the same duration). Sorted by ``window_end``, then the
    report's metric order, then model. ``last``: only the ``last`` snapshots whose window
    ends last. An empty frame (same columns) when there is nothing published.
    """
    snapshots = _published(Path(out_dir))
    snapshots.sort(key=lambda item: (item[1], item[0].name))
    if last is not None:
        snapshots = snapshots[-last:] if last > 0 else []
    rows: list[dict] = []
    for order, (folder, _) in enumerate(snapshots):
        rows += _rows(folder, order)
    if not rows:
        return _empty()
    frame = pd.DataFrame.from_records(rows)
    frame = frame.sort_values(["_order", "_metric", "model"], kind="stable")
    ends = pd.to_datetime(frame["window_end"], unit="s", utc=True)
    frame["window_end"] = ends.astype("datetime64[ns, UTC]")
    for column in ("snapshot", "metric_name", "model", "duration"):
        frame[column] = frame[column].astype("str")
    frame[list(_NUMBERS)] = frame[list(_NUMBERS)].astype(np.float64)
    return frame[list(COLUMNS)].reset_index(drop=True)


def _published(out: Path) -> list[tuple[Path, float]]:
    """Successful snapshots and when their windows end (unix s)."""
    if not out.is_dir():
        return []
    found = []
    for folder in SnapshotStore(out).snapshots():
        if folder.name.endswith(FAILED_SUFFIX) or read_run(folder).get("status") != "success":
            continue
        meta = _summary(folder).get("meta") or {}
        end = meta.get("window_end")
        if isinstance(end, (int, float)) and math.isfinite(end):
            found.append((folder, float(end)))
    return found


def _rows(folder: Path, order: int) -> list[dict]:
    """The rows of one snapshot: every metric's models."""
    top = _summary(folder)
    meta = top.get("meta") or {}
    folders = [e.get("folder") for e in meta.get("metrics") or [] if isinstance(e, dict)]
    if len(folders) < 2:
        bodies = [top]
    else:  # every metric from its own folder (the first one's is the top-level too)
        bodies = [_summary(folder / str(name)) for name in folders if name]
    rows = []
    for index, body in enumerate(bodies):
        own = body.get("meta") or {}
        metric = str(own.get("metric_name", meta.get("metric_name", "")))
        for record in body.get("models") or []:
            row = {name: _number(record.get(name)) for name in _NUMBERS}
            row.update(
                snapshot=folder.name,
                window_end=float(meta["window_end"]),
                metric_name=metric,
                model=str(record.get("model", "")),
                duration=str(meta.get("duration", "")),
                _order=order,
                _metric=index,
            )
            rows.append(row)
    return rows


def _summary(folder: Path) -> dict:
    try:
        body = orjson.loads((folder / SUMMARY_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else math.nan


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="str") for name in COLUMNS})
    frame["window_end"] = pd.Series(dtype="datetime64[ns, UTC]")
    frame[list(_NUMBERS)] = frame[list(_NUMBERS)].astype(np.float64)
    return frame
