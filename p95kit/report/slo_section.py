"""The report's SLO section: budget left, burn status, what the counts prove, the burn-down.

With ``--slo-ms X --objective P`` the report shows, per model (least budget left first):
requests, the good share with the interval its bucket counts prove, the budget left over
the report's window, the burn rates over the last hour and six hours and the status, with
the burn-rate tiers that fire; then a chart of each model's budget burning down over the
window (:func:`p95kit.plot_budget`, drawn by ``p95kit report`` beside the data as
``budget.png``). Every value goes through :mod:`p95kit.report.sections`' escaping table, so a
hostile model name shows as text; the chart draws names literally.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from p95kit.display.formatting import MISSING, NO_TRAFFIC, finite, fmt_count, given_ms
from p95kit.display.slo_text import budget_left, burn, pct
from p95kit.report import sections
from p95kit.report.chart import chart_limit
from p95kit.report.data import BUDGET_CHART_FILE, ReportData

if TYPE_CHECKING:
    from IPython.display import Image
    from matplotlib.figure import Figure

_STATUS_CSS = {"burning": "num worse", "exhausted": "num worse", "ok": "num better"}


def has_slo(data: ReportData) -> bool:
    """Whether the report has an SLO (``--slo-ms``) to show."""
    return bool(data.meta.get("slo_ms")) and bool(data.meta.get("slo"))


def slo_table(data: ReportData, several: bool = False) -> str:
    """The SLO section's heading, one-line verdict, table and a note on how it counts (empty
    without an SLO); ``several``: the report has several metrics, so the heading names this
    one.

    Columns: model, requests in the window, good share (estimate), what the counts prove
    (the interval, or "exact" when the threshold is a bucket bound), budget left, burn rate
    over 1 h and over 6 h, status, the most severe burn-rate tier firing; models least budget
    left first, no traffic last."""
    if not has_slo(data):
        return ""
    slo = data.meta["slo"]
    summary = data.summary.sort_values(
        ["budget_remaining", "model"], na_position="last", kind="stable"
    )
    summary = pd.concat([summary[summary["requests"] > 0], summary[~(summary["requests"] > 0)]])
    firing = _firing(slo.get("alerts") or [])
    headers = ["Model", "Requests", "Good", "Proven", "Budget left", "Burn 1h", "Burn 6h"]
    headers += ["Status", "Firing"]
    rows = [_row(row, firing.get(row["model"], "")) for _, row in summary.iterrows()]
    goal = f"{slo['objective']:g} % of requests ≤ {given_ms(slo['threshold_ms'])}"
    caption = f"{goal} over the window ({slo['window']}); least budget left first"
    table = sections._table(headers, rows, caption, empty="No model reported any data.")
    heading = "SLO and error budget"
    if several:
        from p95kit.report.metric_sections import metric_label

        heading += ": " + metric_label(data)
    body = f"<h2>{sections._esc(heading)}</h2>" + _verdict(goal, summary) + table + _note(slo)
    return sections._wrap(body)


def _firing(alerts: list[dict]) -> dict[str, str]:
    """Per model, the first (most severe) tier that fires: ``page (1h & 5m)``."""
    out: dict[str, str] = {}
    for a in alerts:
        out.setdefault(a["model"], f"{a['severity']} ({a['long_window']} & {a['short_window']})")
    return out


def _verdict(goal: str, summary: pd.DataFrame) -> str:
    counts = summary["slo_status"].value_counts()
    parts = [
        f"{counts[s]} {s}" for s in ("burning", "exhausted", "ok", "no traffic") if s in counts
    ]
    text = f"{goal}: " + ", ".join(parts) if parts else goal
    return f"<p><strong>{sections._esc(text)}</strong></p>"


def _row(row: pd.Series, firing: str) -> list[sections.Cell]:
    if not row["requests"] > 0:
        muted = (MISSING, "num muted")
        cells = [row["model"], fmt_count(row["requests"]), (NO_TRAFFIC, "num muted")]
        return cells + [muted] * 4 + [(NO_TRAFFIC, "num muted"), muted]
    low, high = row["good_share_low"], row["good_share_high"]
    proven = (
        "exact"
        if finite(low) and low == high
        else f"{100 * low:.2f}–{100 * high:.2f} %"
        if finite(low) and finite(high)
        else MISSING
    )
    status = str(row["slo_status"]) if isinstance(row["slo_status"], str) else MISSING
    left = row["budget_remaining"]
    return [
        row["model"],
        fmt_count(row["requests"]),
        pct(row["good_share"]),
        (proven, "num muted"),
        (budget_left(left), "num worse" if finite(left) and left <= 0 else "num"),
        burn(row["burn_rate_1h"]),
        burn(row["burn_rate_6h"]),
        (status, _STATUS_CSS.get(status, "num")),
        (firing or MISSING, "num worse" if firing else "num muted"),
    ]


def _note(slo: dict) -> str:
    share = 100 - float(slo["objective"])
    tiers = "; ".join(
        f"{t['severity']} when over {t['long_window']} and {t['short_window']} > {t['burn_rate']:g}"
        for t in slo["policy"]["tiers"]
    )
    guard = slo["policy"].get("min_bad_requests", 0)
    text = (
        f"The budget: {share:g} % of the window's requests may be slower than "
        f"{given_ms(slo['threshold_ms'])}; budget left = 1 − slow / (requests × {share:g} %), "
        "negative when overspent. Burn rate = the slow share over a window / "
        f"{share:g} % (1 spends the budget in exactly the window). Status at the window's end "
        f"by the SRE workbook's multiwindow burn-rate tiers for a 30-day budget ({tiers}; each "
        f"needs at least {guard:g} slow requests in its long window); burning wins over "
        "exhausted (no budget left). A good share is exact where the threshold is a bucket "
        "bound; between bounds the counts prove an interval (Proven) and the estimate "
        f"({slo.get('estimator', '?')}) lies inside it."
    )
    return f'<p class="muted">{sections._esc(text)}</p>'


def budget_chart(data: ReportData) -> Figure:
    """The budget burning down over the window (:func:`p95kit.plot_budget`), for
    ``chart_limit`` models at most, the least budget left first."""
    from p95kit.display.budget_chart import plot_budget

    return plot_budget(data.budget, max_models=chart_limit(data.meta))


def budget_description(data: ReportData) -> str:
    """The budget chart's alternative text (plain text, escaped where rendered)."""
    from p95kit.display.budget_chart import budget_models

    names = budget_models(data.budget, chart_limit(data.meta)) if data.budget is not None else []
    return "Error budget left over the window for: " + (", ".join(names) or "no model")


def budget_image(data: ReportData, data_dir: str | Path = "") -> Image | str:
    """The budget's chart for the notebook: ``data_dir``'s PNG drawn by ``p95kit report``, or
    drawn now when the notebook is opened live; "" without an SLO."""
    from IPython.display import Image

    from p95kit.report.chart import image

    if not has_slo(data) or data.budget is None:
        return ""
    alt = budget_description(data)
    drawn = Path(data_dir, BUDGET_CHART_FILE) if data_dir else None
    if drawn is not None and drawn.is_file():
        return Image(filename=str(drawn), metadata={"alt": alt})
    return image(budget_chart(data), alt)
