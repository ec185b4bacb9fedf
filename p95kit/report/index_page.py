"""``<out>/index.html``: each model's P95 across the latest snapshots, then every snapshot,
newest first, with status and headline numbers.

The trends (:mod:`p95kit.report.trends`) come from the snapshots' ``summary.json``
(:func:`p95kit.report.history.history`): one sparkline per metric and model over the
snapshots of the same window length as ``latest``, a model that got slower at each of the
last few snapshots marked. Every value from the snapshots (model names above all) is
escaped; the page loads nothing from the network.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from p95kit.display.formatting import MISSING, finite, fmt_ms
from p95kit.report.data import PAYLOAD_FILES, SUMMARY_FILE
from p95kit.report.history import history
from p95kit.report.snapshots import RUN_FILE, SnapshotStore, read_run
from p95kit.report.trends import SHOWN, WORSE_OVER, Trend, model_trends, sparkline

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}
.success{color:#17652a}.failed{color:#a4161a}.latest{font-weight:bold}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.model{max-width:28em;overflow-wrap:anywhere}
.spark{color:#1f5fa8;vertical-align:middle}.worse{color:#b00020}.worse .spark{color:#b00020}
.muted{color:#777}
"""


def render_index(store: SnapshotStore) -> str:
    """The index page for ``store``; every value from run.json is escaped."""
    latest = store.latest()
    rows = [_row(path, path == latest) for path in store.snapshots()]
    duration = read_run(latest).get("window", {}).get("duration") if latest else None
    body = "\n".join(rows) or '<tr><td colspan="6">no snapshots yet</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>p95kit reports</title>
<style>{_STYLE}</style></head><body>
<h1>p95kit reports</h1>
<p><a href="latest/report.html">Latest successful report</a></p>
{_trends_section(store, duration)}
<h2>Snapshots</h2>
<p>Newest first.</p>
<table><thead><tr><th>snapshot</th><th>status</th><th>window (UTC)</th><th>models</th>
<th>slowest P95</th><th>files</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""


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


def _trends_section(store: SnapshotStore, duration: str | None) -> str:
    """Per metric, each model's window P95 across the latest snapshots of ``duration``."""
    trends = model_trends(history(store.out), duration)
    if not trends:
        return ""
    count = len(trends[0].p95)
    worse = sum(t.worse for t in trends)
    intro = (
        f"<p>Window P95 of each model in the last {count} snapshots of "
        f"{escape(str(duration or '?'))} windows (at most {SHOWN}), oldest to newest. "
        f'<span class="worse">▲</span> marks a model that got slower at each of the last '
        f"{WORSE_OVER} snapshots"
        + (f': <strong class="worse">{worse}</strong>.' if worse else " (none now).")
        + "</p>"
    )
    metrics = list(dict.fromkeys(t.metric_name for t in trends))
    tables = [
        _trend_table(m, [t for t in trends if t.metric_name == m], len(metrics) > 1)
        for m in metrics
    ]
    return f"<h2>P95 trend</h2>{intro}{''.join(tables)}"


def _trend_table(metric: str, trends: list[Trend], titled: bool) -> str:
    rows = []
    for t in sorted(trends, key=lambda t: (not t.worse, t.model)):
        values = ", ".join(fmt_ms(v, no_traffic=True) for v in t.p95)
        change = f"{t.change_pct:+.1f} %" if finite(t.change_pct) else MISSING
        mark = f"▲ slower {WORSE_OVER} snapshots in a row" if t.worse else ""
        rows.append(
            f'<tr class="{"worse" if t.worse else ""}"><td class="model">{escape(t.model)}</td>'
            f'<td title="{escape(values, quote=True)}">{sparkline(t.p95)}</td>'
            f'<td class="num">{escape(fmt_ms(t.p95[0], no_traffic=True))}</td>'
            f'<td class="num">{escape(fmt_ms(t.p95[-1], no_traffic=True))}</td>'
            f'<td class="num">{escape(change)}</td><td>{mark}</td></tr>'
        )
    caption = f"<caption>{escape(metric)}</caption>" if titled else ""
    return (
        f'<table class="trends">{caption}<thead><tr><th>model</th><th>P95 by snapshot</th>'
        "<th>first shown</th><th>latest</th><th>change</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
