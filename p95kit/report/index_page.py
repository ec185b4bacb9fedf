"""``<out>/index.html``: every snapshot, newest first, with status and headline numbers."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from p95kit.display.formatting import MISSING, fmt_ms
from p95kit.report.data import PAYLOAD_FILES, SUMMARY_FILE, ReportData
from p95kit.report.snapshots import RUN_FILE, SnapshotStore, read_run

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}
.success{color:#17652a}.failed{color:#a4161a}.latest{font-weight:bold}
"""


def render_index(store: SnapshotStore) -> str:
    """The index page for ``store``; every value from run.json is escaped."""
    latest = store.latest()
    rows = [_row(path, path == latest) for path in store.snapshots()]
    body = "\n".join(rows) or '<tr><td colspan="6">no snapshots yet</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>p95kit reports</title>
<style>{_STYLE}</style></head><body>
<h1>p95kit reports</h1>
<p>Newest first. <a href="latest/report.html">Latest successful report</a></p>
<table><thead><tr><th>snapshot</th><th>status</th><th>window (UTC)</th><th>models</th>
<th>slowest P95</th><th>files</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""


def headline_numbers(data: ReportData) -> dict[str, Any]:
    """run.json's ``headline``, which this page shows: model count, requests, the slowest
    model and its window P95 (ms). (The report's own headline is ``sections.headline``.)"""
    summary = data.summary
    ranked = summary.dropna(subset=["p95"])
    top = ranked.iloc[0] if len(ranked) else None
    return {
        "models": len(summary),
        "requests": float(summary["requests"].fillna(0).sum()),
        "slowest_model": None if top is None else str(top["model"]),
        "slowest_p95_ms": None if top is None else round(float(top["p95"]), 2),
    }


def _row(path: Path, is_latest: bool) -> str:
    run = read_run(path)
    status = str(run.get("status", "unknown"))
    window = run.get("window", {})
    headline = run.get("headline", {})
    name = escape(path.name, quote=True)
    link = f'<a href="{name}/report.html">{escape(path.name)}</a>' if status == "success" else name
    slowest = headline.get("slowest_model")
    slowest_text = (
        f"{escape(str(slowest))}: {escape(fmt_ms(headline.get('slowest_p95_ms')))}"
        if slowest
        else MISSING
    )
    error = run.get("error", {}).get("message", "")
    status_text = escape(status) + (f": {escape(str(error))}" if error else "")
    return (
        f'<tr class="{"latest" if is_latest else ""}"><td>{link}{" (latest)" if is_latest else ""}'
        f'</td><td class="{escape(status, quote=True)}">{status_text}</td>'
        f"<td>{escape(str(window.get('start', '')))} → {escape(str(window.get('end', '')))}</td>"
        f"<td>{escape(str(headline.get('models', MISSING)))}</td><td>{slowest_text}</td>"
        f"<td>{_files(name, status)}</td></tr>"
    )


def _files(name: str, status: str) -> str:
    """Links to the snapshot's JSON: the payloads a frontend reads (when published), run.json."""
    files = [*PAYLOAD_FILES.values(), SUMMARY_FILE] if status == "success" else []
    return " ".join(f'<a href="{name}/{f}">{f}</a>' for f in [*files, RUN_FILE])
