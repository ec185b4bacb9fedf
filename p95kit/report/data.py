"""The data of one report, and the files it is saved as: what the HTML and the frontend read.

:class:`ReportData` holds one metric's frames (fetched by :mod:`p95kit.report.collect`);
:meth:`ReportData.save` writes the payloads the frontend reads (``p95.json``,
``p95_range.json``, ``percentiles.json``) plus ``summary.json`` (and ``budget.json`` with an
SLO); :meth:`ReportData.load` rebuilds the frames from those files inside the notebook
kernel, so the HTML shows exactly the data in the JSON, and no second fetch (nor any secret)
reaches the notebook. A report of several metrics keeps the first one's files at the top of
the snapshot and every metric's in ``metrics/<folder_name(metric)>/`` (:func:`save_all`,
:func:`load_all`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from p95kit.query.columns import percentile_column
from p95kit.query.payloads import dumps, from_payload, to_payload
from p95kit.report.summary import (
    SLO_COLUMNS,
    bucket_columns,
    from_json_records,
    to_json_records,
)
from p95kit.slo.payload import from_budget_payload, to_budget_payload

METRICS_DIR = "metrics"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass
class ReportData:
    """The data of one report.

    - ``window``: percentiles per model over the whole window (``increase`` over
      ``duration``): ``model``, ``p50``/``p95``/``p99``... (float64 ms), ``timestamp``.
    - ``current``: P95 over the last ``time_range``: the :func:`p95kit.p95` frame.
    - ``range``: P95 over time: the :func:`p95kit.p95_range` frame.
    - ``summary``: one row per model, slowest window P95 first: ``model`` (str),
      ``requests`` (float64, requests in the window), the window percentile columns
      (ms), ``p95_current_ms``, ``p95_previous_ms`` (P95 of the previous window of
      the same length), ``delta_p95_ms`` and ``delta_p95_pct`` (change vs previous),
      ``slo_share`` (fraction of requests at or under ``slo_ms``, NaN without an SLO),
      ``top_bucket_ms`` (the highest finite bucket bound when the window P95 lies
      in the ``+Inf`` bucket, i.e. the P95 is "≥ that bound"; else NaN),
      ``no_traffic`` (bool).
    - ``meta``: ``window_start``/``window_end`` (unix s), ``duration``, ``step``,
      ``time_range``, ``percentiles`` (list of float), ``metric_name``,
      ``model_label``, ``unit``, ``unit_assumed``, ``slo_ms``, ``estimator``
      (``prometheus`` or ``smooth``: which percentiles these are), ``queries`` (dict
      name -> PromQL), ``prometheus_url`` (no credentials), ``version``,
      ``generated_at`` (unix s), ``warnings`` (list of str), ``all_models`` (the window
      percentiles over every request: :func:`p95kit.overall_percentiles`); with an SLO
      ``slo``: ``threshold_ms``, ``objective``, ``window``, ``estimator``, ``policy``,
      ``alerts`` (the burn-rate tiers that fire at the window's end), ``bounds``.
    - ``budget``: with an SLO, the :func:`p95kit.budget_over_time` frame of the window
      (``budget.json``); None without one.
    """

    window: pd.DataFrame
    current: pd.DataFrame
    range: pd.DataFrame
    summary: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    budget: pd.DataFrame | None = None

    def save(self, folder: Path) -> list[Path]:
        """Write ``p95.json``, ``p95_range.json``, ``percentiles.json``, ``summary.json`` and,
        with an SLO, ``budget.json``."""
        folder = Path(folder)
        written = []
        for attribute, name in PAYLOAD_FILES.items():
            written.append(_write(folder / name, dumps(to_payload(getattr(self, attribute)))))
        body = {"meta": self.meta, "models": to_json_records(self.summary)}
        written.append(_write(folder / SUMMARY_FILE, dumps(body)))
        if self.budget is not None:
            written.append(_write(folder / BUDGET_FILE, dumps(to_budget_payload(self.budget))))
        return written

    @classmethod
    def load(cls, folder: Path | str) -> ReportData:
        """Rebuild the data from the files :meth:`save` wrote (what the frontend reads)."""
        folder = Path(folder)
        body = orjson.loads((folder / SUMMARY_FILE).read_bytes())
        meta = body["meta"]
        loaded = {
            attribute: from_payload(
                orjson.loads((folder / name).read_bytes()),
                {"current": "p95", "range": "p95_range", "window": "percentiles"}[attribute],
                meta["percentiles"],
            )
            for attribute, name in PAYLOAD_FILES.items()
        }
        records = from_json_records(body["models"])
        summary = pd.DataFrame.from_records(records, columns=_summary_columns(meta))
        summary["model"] = summary["model"].astype("str")
        numeric = summary.columns.drop(["model", "no_traffic", "slo_status"])
        summary[numeric] = summary[numeric].astype(np.float64)
        summary["slo_status"] = summary["slo_status"].astype(object)
        summary["no_traffic"] = summary["no_traffic"].astype(bool)
        budget = None
        if (folder / BUDGET_FILE).is_file():
            budget = from_budget_payload(orjson.loads((folder / BUDGET_FILE).read_bytes()))
        frames = (loaded["window"], loaded["current"], loaded["range"])
        return cls(*frames, summary, meta, budget)


PAYLOAD_FILES = {"current": "p95.json", "range": "p95_range.json", "window": "percentiles.json"}
SUMMARY_FILE = "summary.json"
#: With an SLO: the budget burning down over the window (:func:`p95kit.budget_over_time`).
BUDGET_FILE = "budget.json"
#: With an SLO: the chart of that budget, drawn beside the payloads.
BUDGET_CHART_FILE = "budget.png"
#: The P95-over-time chart (PNG) ``p95kit report`` draws beside the payloads.
CHART_FILE = "chart.png"


def folder_name(metric: str) -> str:
    """``vllm:e2e_request_latency_seconds`` -> ``vllm_e2e_request_latency_seconds``: every
    character outside ``[A-Za-z0-9_.-]`` replaced by ``_``."""
    return _UNSAFE.sub("_", metric)


def save_all(datas: list[tuple[str, ReportData]], folder: Path) -> list[Path]:
    """The first metric's files at the top of ``folder``, every metric's (``datas``: metric
    name and data) in ``metrics/<folder_name(metric)>/``."""
    written = datas[0][1].save(folder)
    for metric, data in datas:
        sub = folder / METRICS_DIR / folder_name(metric)
        sub.mkdir(parents=True, exist_ok=True)
        written += data.save(sub)
    return written


def load_all(folder: Path | str) -> list[ReportData]:
    """Every metric of a saved report, first one first (one entry for a one-metric report)."""
    folder = Path(folder)
    first = ReportData.load(folder)
    entries = first.meta.get("metrics") or []
    if len(entries) < 2:
        return [first]
    return [first, *(ReportData.load(folder / e["folder"]) for e in entries[1:])]


def _summary_columns(meta: dict) -> list[str]:
    percentile_columns = [percentile_column(p) for p in meta["percentiles"]]
    return [
        "model",
        "requests",
        *percentile_columns,
        "p95_current_ms",
        "p95_previous_ms",
        "delta_p95_ms",
        "delta_p95_pct",
        "slo_share",
        "top_bucket_ms",
        "no_traffic",
        *SLO_COLUMNS,
        *bucket_columns(percentile_columns),
    ]


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
