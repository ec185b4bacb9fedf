"""The report's "versions compared" section: per model, a label's two busiest values.

With ``compare_label`` set (``p95kit report --compare-label version``), the report asks one
more question per metric over its window (:func:`fetch_comparison`: one bucket query by
model and label, :func:`p95kit.compare.busiest.compare_busiest`): per model, its busiest
value of the label (the baseline) against the second busiest (the candidate), judged as
:func:`p95kit.compare` judges (``max_slowdown_pct`` 10, 95 % confidence). The rows travel
in ``summary.json``'s ``meta["compare"]`` (:func:`to_meta`), so the notebook, the HTML and a
frontend read the same numbers; :func:`compare_table` renders them, every value escaped.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from p95kit.compare.busiest import compare_busiest, fetch_by_label
from p95kit.compare.busiest import query as label_query
from p95kit.compare.pairs import COLUMNS
from p95kit.compare.verdicts import VERDICTS, Rules
from p95kit.display.formatting import fmt_count, fmt_ms
from p95kit.prometheus.client import Prometheus
from p95kit.report import sections
from p95kit.report.data import ReportData
from p95kit.report.plan import Plan

_ROW_COLUMNS = ("model", "baseline_value", "candidate_value", *COLUMNS[1:])
_VERDICT_CSS = {"slower": "num worse", "faster": "num better", "inconclusive": "num muted"}


def fetch_comparison(client: Prometheus, plan: Plan) -> pd.DataFrame:
    """The comparison of the report's window for ``plan.settings.compare_label``."""
    label = str(plan.settings.compare_label)
    found = fetch_by_label(client, plan.target, label, plan.duration, plan.end)
    frame = compare_busiest(found, label, Rules())
    frame.attrs["query"] = label_query(plan.target, label, plan.duration)
    return frame


def to_meta(frame: pd.DataFrame) -> dict[str, Any]:
    """The comparison as ``meta["compare"]``: ``label``, ``max_slowdown_pct``,
    ``confidence`` and ``rows`` (records of the frame's columns, NaN as None)."""
    rows = [
        {c: _plain(row[c]) for c in _ROW_COLUMNS if c in frame.columns}
        for _, row in frame.iterrows()
    ]
    rules = Rules()
    return {
        "label": frame.attrs.get("compare_label", ""),
        "max_slowdown_pct": rules.max_slowdown * 100,
        "confidence": rules.confidence * 100,
        "rows": rows,
    }


def compare_table(data: ReportData) -> str:
    """The section's HTML (empty without a comparison): a heading, what was compared, and
    per model (worst verdict first) both values, their requests, P95s, the change, the
    p-value, the verdict and its reason."""
    compared = data.meta.get("compare")
    if not compared:
        return ""
    label = str(compared.get("label", ""))
    order = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
    rows = sorted(
        compared.get("rows") or [],
        key=lambda r: (order.get(r.get("verdict"), len(order)), str(r.get("model"))),
    )
    headers = ["Model", f"Baseline {label}", f"Candidate {label}", "Requests", "P95", "ΔP95"]
    headers += ["p", "Verdict", "Reason"]
    cells = []
    for row in rows:
        change = _number(row.get("p95_change_pct"))
        cells.append(
            [
                str(row.get("model", "")),
                (str(row.get("baseline_value", "")), "model"),
                (str(row.get("candidate_value", "")) or "—", "model"),
                f"{fmt_count(_number(row.get('requests_baseline')))} / "
                f"{fmt_count(_number(row.get('requests_candidate')))}",
                f"{fmt_ms(_number(row.get('p95_baseline')))} → "
                f"{fmt_ms(_number(row.get('p95_candidate')))}",
                f"{change:+.1f} %" if math.isfinite(change) else "—",
                _p(_number(row.get("p_value"))),
                (str(row.get("verdict", "")), _VERDICT_CSS.get(row.get("verdict"), "num")),
                (str(row.get("reason", "")), "model"),
            ]
        )
    caption = (
        f"Per model, its busiest {label} (baseline) against the second busiest (candidate): "
        f"slower or faster when the P95 moved beyond ±{compared.get('max_slowdown_pct', 10):g} % "
        f"and the bucket counts show it at {compared.get('confidence', 95):g} % confidence"
    )
    heading = f"<h2>Versions compared (by {html.escape(label)})</h2>"
    return heading + sections.table(headers, cells, caption, empty="No model to compare.")


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return value
    number = float(value)
    return number if math.isfinite(number) else None


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _p(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return "< 0.0001" if value < 1e-4 else f"{value:.2g}"
