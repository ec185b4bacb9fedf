"""The report's "would have paged" lines: per model, what the SLO's page alerts would have done
over the report's window, from :func:`p95kit.slo_backtest`.

:func:`paging` runs the backtest for a report's plan (the page tiers, the report's metric,
models and window; a ``--slo-ms`` between bucket bounds is moved to the nearest bound, and the
note says so) and returns what ``summary.json``'s ``meta["paging"]`` keeps;
:func:`paging_section` renders it (escaped: model names are untrusted text), or nothing when
the report has no SLO objective.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from p95kit.display.formatting import utc
from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import Prometheus
from p95kit.report import sections
from p95kit.report.data import ReportData
from p95kit.report.plan import Plan
from p95kit.slo.backtest import slo_backtest
from p95kit.slo.episodes import to_records, would_have_paged


def paging(client: Prometheus, p: Plan, objective: float) -> dict[str, Any]:
    """``{"objective", "threshold_ms", "threshold_bucket_ms", "note", "step", "rows"}``: one
    row per model of :func:`p95kit.slo.episodes.would_have_paged` (JSON-ready), over the
    plan's window at a step of at most its chart step; ``rows`` empty and ``note`` the reason
    when the metric cannot be backtested (no classic buckets)."""
    target = p.target
    step = "1m" if p.step_s >= 60 else p.step
    try:
        frame = slo_backtest(
            target.metric_name,
            p.slo_ms,
            objective,
            model_label=target.model_label,
            client=client,
            duration=p.duration,
            end=p.end,
            step=step,
            tiers="page",
            nearest_bucket=True,
            models=target.models or None,
            selector=target.selector or None,
            unit=target.unit,
        )
    except InvalidParameterError as exc:
        return {"objective": objective, "threshold_ms": p.slo_ms, "note": exc.message, "rows": []}
    return {
        "objective": objective,
        "threshold_ms": p.slo_ms,
        "threshold_bucket_ms": frame.attrs["threshold_bucket_ms"],
        "note": frame.attrs["note"],
        "step": frame.attrs["step"],
        "rows": to_records(would_have_paged(frame)),
    }


def paging_section(data: ReportData) -> str:
    """The "would have paged" lines of ``data.meta["paging"]`` as HTML ("" without it)."""
    found = data.meta.get("paging")
    if not found:
        return ""
    rows = [
        [
            row["model"],
            (str(row["pages"]), "num worse" if row["pages"] else "num"),
            utc(pd.Timestamp(row["first_page"])) if row["first_page"] else "–",
            row["text"],
        ]
        for row in found["rows"]
    ]
    bound = found.get("threshold_bucket_ms", found["threshold_ms"])
    caption = (
        f"Would the SLO's pages have fired? {found['objective']:g} % at or under "
        f"{bound:g} ms, page tiers replayed every {found.get('step', '1m')} over the window"
    )
    table = sections.table(["Model", "Pages", "First page", "Would have"], rows, caption)
    note = f"<p>{sections._esc(found['note'])}</p>" if found.get("note") else ""
    return table + (sections._wrap(note) if note else "")
