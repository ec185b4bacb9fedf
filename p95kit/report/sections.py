"""HTML fragments of the report notebook, built from a :class:`~p95kit.report.data.ReportData`.

Each public function returns an HTML string for ``IPython.display.HTML``. Every
value that comes from Prometheus or from the user (model names, label values,
URLs, queries, warnings) goes through :func:`html.escape` in exactly one place,
:func:`_cell` / :func:`_esc`, so a model named ``<img src=x onerror=alert(1)>``
shows as text. Latencies are milliseconds; times are shown in UTC.

A section of your own (README, "Customise the report"): build its rows with
:mod:`p95kit.display.formatting` (``fmt_ms``, ``fmt_count``, ``share``, ``utc``) and give
them to :func:`table`, which gives them the report's look; charts: :mod:`p95kit.report.chart`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from p95kit.display.chart_selection import chart_models
from p95kit.display.formatting import (
    MISSING,
    NO_TRAFFIC,
    READING_BUCKETS,
    bucket_range,
    delta,
    finite,
    fmt_count,
    fmt_ms,
    given_ms,
    share,
    trend,
    utc,
)
from p95kit.query import estimators
from p95kit.query.columns import percentile_column
from p95kit.query.percentile_buckets import is_coarse
from p95kit.query.units import describe
from p95kit.report.chart import chart_limit
from p95kit.report.data import ReportData
from p95kit.report.headline import headline_facts, metric_of
from p95kit.report.summary import ALL_MODELS, all_models_row

_CSS = (
    "<style>.p95kit td.num,.p95kit th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".p95kit table td.model,.p95kit table th.model{text-align:left;max-width:28em;"
    "overflow-wrap:anywhere}"
    ".p95kit .worse{color:#b00020}.p95kit .better{color:#1b7f3b}.p95kit .muted{color:#777}"
    ".p95kit-warnings{border:1px solid #d9a400;background:#fff8e1;padding:.4em .8em;margin:.5em 0}"
    ".p95kit pre{white-space:pre-wrap;overflow-wrap:anywhere}</style>"
)

Cell = str | tuple[str, str]  # text, or (text, css class); always escaped by _cell
# Every table: the model name in the first column, numbers (class "num") in the others.


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    caption: str,
    *,
    empty: str = "No models.",
) -> str:
    """An HTML table with the report's look, for a section of your own.

    The first column is left-aligned (a model name), the others right-aligned with
    tabular figures (numbers). A cell is text, or ``(text, css_class)`` where the class
    is ``"num worse"``, ``"num better"`` or ``"num muted"`` to colour it. Every header,
    cell and the caption is escaped, so untrusted model names show as text. Format
    numbers before (``p95kit.display.formatting.fmt_ms(245.678)`` is ``"245.7 ms"``).
    With no rows, the ``empty`` sentence instead of the table.
    """
    return _wrap(_table(headers, [list(row) for row in rows], caption, empty=empty))


def headline(data: ReportData | Sequence[ReportData]) -> str:
    """Window (UTC), models, slowest model, the biggest regression and SLO breach, warnings.

    Pass every metric of the report (``metrics``, first one first): the regression and
    the breach are the worst over all of them, each named with its metric
    (:func:`p95kit.report.headline.headline_facts`); the slowest model is the first
    metric's. One ``ReportData`` is a report of one metric."""
    datas = [data] if isinstance(data, ReportData) else list(data)
    facts = headline_facts(datas)
    meta, summary = datas[0].meta, _by_p95(datas[0].summary)
    idle = int(summary["no_traffic"].sum())
    metrics = ", ".join(f"<code>{_esc(m)}</code>" for m in facts.metrics)
    parts = [
        f"<p><strong>Window:</strong> {_esc(_window(meta))}</p>",
        f"<p><strong>Models:</strong> {facts.models if facts.several else len(summary)}"
        + (f" ({idle} with no traffic)" if idle else "")
        + f" · metric{'s' * facts.several} {metrics}"
        + f" by <code>{_esc(meta.get('model_label', ''))}</code>"
        + (f" · SLO {_esc(given_ms(meta['slo_ms']))}" if meta.get("slo_ms") else "")
        + "</p>",
    ]
    if summary.empty:  # opened live with a wrong metric, label or selector
        parts.append(
            f"<p><strong>No data:</strong> no series of <code>{_esc(meta.get('metric_name'))}"
            f"</code> with a <code>{_esc(meta.get('model_label'))}</code> label in this window. "
            "Check metric_name, model_label and selector (<code>p95kit doctor</code> helps).</p>"
        )
        return _wrap("".join(parts) + _warnings(meta.get("warnings") or []), "p95kit")
    traffic = summary[~summary["no_traffic"]]
    if len(traffic):
        top = traffic.iloc[0]
        on = f" ({_esc(facts.metrics[0])})" if facts.several else ""
        parts.append(
            f"<p><strong>Slowest:</strong> <code>{_esc(top['model'])}</code>{on}, P95 "
            f"{_esc(_window_ms(top, 'p95'))} over the window</p>"
        )
    if facts.regressions:
        worst = facts.regressions[0]
        change = (
            f"P95 {_esc(delta(worst.delta_p95_ms, worst.delta_p95_pct))} vs the previous window"
        )
        parts.append(
            _worst("Biggest regression", facts.regressions, facts.several, change, "got slower")
        )
    elif not facts.compared:
        parts.append(
            "<p>No comparison: no model has a P95 in both this and the previous window.</p>"
        )
    else:
        parts.append("<p>No model got more than 1 % slower than in the previous window.</p>")
    if facts.breaches:
        worst_breach = facts.breaches[0]
        shown = ("≥ " if worst_breach.at_least else "") + fmt_ms(worst_breach.p95_ms)
        over = f"window P95 {_esc(shown)} &gt; {_esc(given_ms(worst_breach.slo_ms))}"
        parts.append(_worst("SLO breach", facts.breaches, facts.several, over, "over the SLO"))
    parts.append(_warnings(meta.get("warnings") or []))
    return _wrap("".join(parts), "p95kit p95kit-headline")


def _worst(title: str, found: list, several: bool, detail: str, more_text: str) -> str:
    """The headline's line on the first of ``found`` (the worst): its model, its metric when
    the report has several, ``detail`` (HTML), and how many more ``more_text``."""
    worst, more = found[0], len(found) - 1
    return (
        f"<p><strong>{title}:</strong> <code>{_esc(worst.model)}</code>"
        + (f" on <code>{_esc(metric_of(worst))}</code>" if several else "")
        + f", {detail}"
        + (f" ({more} more {more_text})" if more else "")
        + "</p>"
    )


def summary_table(data: ReportData) -> str:
    """Per model, slowest window P95 first: requests, window percentiles, current P95, SLO share.

    Columns: model, requests in the window, each window percentile (ms, over the whole
    window), the current P95 (ms, last ``time_range``) and, with an SLO, the share of
    requests at or under it.
    """
    meta, summary = data.meta, _by_p95(data.summary)
    columns = _percentile_columns(data)
    slo = meta.get("slo_ms")
    headers = ["Model", "Requests", *[c.upper() for c in columns]]
    headers.append(f"Current P95 (last {meta.get('time_range', '?')})")
    if slo:  # interpolated inside the bucket that holds the SLO, like histogram_quantile
        headers.append(f"Requests ≤ {given_ms(slo)} (est.)")
    rows = []
    for _, row in summary.iterrows():
        cells: list[Cell] = [row["model"], fmt_count(row["requests"])]
        cells += [_window_ms(row, c) for c in columns]
        cells.append(fmt_ms(row["p95_current_ms"], no_traffic=True))
        rows.append(cells + ([share(row["slo_share"])] if slo else []))
    overall = all_models_row(meta)
    if rows and overall is not None:  # the percentiles over every request, last
        cells = [(ALL_MODELS, "model muted"), fmt_count(overall["requests"])]
        cells += [_window_ms(overall, c) for c in columns] + [MISSING]
        rows.append(cells + ([MISSING] if slo else []))
    caption = f"Latency per model, slowest P95 first ({_window(meta)})"
    return _wrap(_table(headers, rows, caption, empty="No model reported any data."))


def comparison_table(data: ReportData) -> str:
    """ΔP95 of each model vs the previous window of the same length, biggest regression first.

    Columns: model, P95 previous window (ms), P95 this window (ms), ΔP95 (ms, +/- and %).
    Models without a P95 in either window come last.
    """
    meta = data.meta
    summary = data.summary.sort_values(
        "delta_p95_ms", ascending=False, na_position="last", kind="stable"
    )
    headers = ["Model", "P95 previous window", "P95 this window", "ΔP95"]
    rows = []
    for _, row in summary.iterrows():
        change_ms, pct = row["delta_p95_ms"], row["delta_p95_pct"]
        previous = fmt_ms(row["p95_previous_ms"], no_traffic=True)
        change = (delta(change_ms, pct), f"num {trend(change_ms, pct)}")
        rows.append([row["model"], previous, _window_ms(row, "p95"), change])
    start, end = meta.get("window_start"), meta.get("window_end")
    span = f"{utc(2 * start - end)} → {utc(start)}" if finite(start) and finite(end) else "?"
    caption = f"P95 vs the previous {meta.get('duration', 'window')} ({span}), regressions first"
    return _wrap(_table(headers, rows, caption, empty="No model to compare."))


def models_table(data: ReportData, exclude_top: int | None = None) -> str:
    """The models not in a chart of the ``exclude_top`` slowest (as :func:`plot_p95` with
    ``order=data.summary["model"]`` draws it), with their P95 over time in numbers.
    ``exclude_top`` None: as many as the report's chart draws (``max_chart_models``).

    Columns: model, window P95 (ms), median and max of P95 over time (ms), time of the max (UTC).
    """
    if exclude_top is None:
        exclude_top = chart_limit(data.meta)
    charted = set(chart_models(data.range, exclude_top, order=data.summary["model"]))
    rest = _by_p95(data.summary)
    rest = rest[~rest["model"].isin(charted)]
    if rest.empty:
        return _wrap("<p>Every model is in the chart above.</p>" if len(data.summary) else "")
    points = data.range.dropna(subset=["p95_latency_ms"])
    grouped = points.groupby("model")["p95_latency_ms"]
    median, peak = grouped.median(), grouped.max()
    peak_at = points.loc[grouped.idxmax(), ["model", "timestamp"]].set_index("model")["timestamp"]
    headers = ["Model", "P95 window", "P95 over time: median", "max", "max at"]
    rows = []
    for _, row in rest.iterrows():
        name = row["model"]
        over_time = (
            [fmt_ms(median[name]), fmt_ms(peak[name]), utc(peak_at[name].timestamp())]
            if name in median.index
            else [NO_TRAFFIC, MISSING, MISSING]
        )
        rows.append([name, _window_ms(row, "p95"), *over_time])
    caption = f"{len(rest)} model{'s' * (len(rest) > 1)} not in the chart (slowest P95 first)"
    return _wrap(_table(headers, rows, caption))


def footer(data: ReportData) -> str:
    """Window (UTC), step, PromQL queries, Prometheus URL, unit, filters, version, time."""
    meta = data.meta
    unit_text = describe(meta.get("unit", "s"), bool(meta.get("unit_assumed")))
    items = [
        ("Window", f"{_window(meta)}, step {meta.get('step', '?')}"),
        ("Current P95", f"over the last {meta.get('time_range', '?')} before the window end"),
        ("P95 over time", f"each point over the {_chart_range(meta)} before it"),
        ("Metric", f"{meta.get('metric_name', '?')} by label {meta.get('model_label', '?')}"),
        ("Unit", unit_text),
        ("Percentiles", _estimator_note(meta.get("estimator", estimators.DEFAULT))),
    ]
    if meta.get("slo_ms"):
        estimate = "the share under it is interpolated inside its histogram bucket"
        items.insert(3, ("SLO", f"{given_ms(meta['slo_ms'])}; {estimate}"))
    if meta.get("selector"):
        items.append(("Selector", str(meta["selector"])))
    if meta.get("models"):
        items.append(("Models", ", ".join(map(str, meta["models"]))))
    items.append(("Percentiles", READING_BUCKETS))
    items += [
        ("Prometheus", str(meta.get("prometheus_url", "?"))),
        ("Generated", utc(meta.get("generated_at"))),
        ("p95kit", str(meta.get("version", "?"))),
    ]
    rows = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    queries = "".join(
        f"<dt>{_esc(name)}</dt><dd><pre><code>{_esc(q)}</code></pre></dd>"
        for name, q in (meta.get("queries") or {}).items()
    )
    return _wrap(
        f"<dl>{rows}</dl><details open><summary>PromQL</summary><dl>{queries}</dl></details>",
        "p95kit muted",
    )


def _estimator_note(name: str) -> str:
    """The footer's sentence on the estimator that answered (its registry description)."""
    known = estimators.ESTIMATORS.get(name)
    return known.description if known else f"estimator {name}"


def _chart_range(meta: dict) -> str:
    return str(meta.get("chart_range") or meta.get("time_range", "?"))


def _table(headers: Sequence[str], rows: list[list[Cell]], caption: str, empty: str = "") -> str:
    if not rows:
        return f"<p>{_esc(empty or 'No models.')}</p>"
    head = "".join(
        f'<th class="{"model" if i == 0 else "num"}">{_esc(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>" + "".join(_cell(c, i) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return (
        f"<table><caption>{_esc(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _cell(cell: Cell, column: int) -> str:
    text, css = cell if isinstance(cell, tuple) else (cell, "num" if column else "model")
    return f'<td class="{_esc(css.strip())}">{_esc(text)}</td>'


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _wrap(body: str, css: str = "p95kit") -> str:
    return f'{_CSS}<div class="{css}">{body}</div>'


def _warnings(warnings: list) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{_esc(w)}</li>" for w in warnings)
    return f'<div class="p95kit-warnings"><strong>⚠ Warnings</strong><ul>{items}</ul></div>'


def _by_p95(summary: pd.DataFrame) -> pd.DataFrame:
    if "p95" not in summary:
        return summary
    return summary.sort_values("p95", ascending=False, na_position="last", kind="stable")


def _percentile_columns(data: ReportData) -> list[str]:
    wanted = [percentile_column(p) for p in data.meta.get("percentiles") or []]
    return [c for c in wanted if c in data.summary.columns] or [
        c for c in data.summary.columns if c[:1] == "p" and c[1:2].isdigit()
    ]


def _window_ms(row: pd.Series, column: str) -> str:
    """A window percentile with the bucket it was interpolated in: ``3156 ms (2525–3788)``,
    ``†`` after a coarse one (a bucket over 2x wide); ``≥ X ms`` in the ``+Inf`` bucket."""
    text = fmt_ms(
        row[column], no_traffic=bool(row["no_traffic"]), top_bucket_ms=row["top_bucket_ms"]
    )
    if not finite(row[column]) or text.startswith("≥"):
        return text
    lower = row.get(f"{column}_bucket_lower_ms", math.nan)
    upper = row.get(f"{column}_bucket_upper_ms", math.nan)
    return text + bucket_range(lower, upper, is_coarse(lower, upper))


def _window(meta: dict) -> str:
    start, end = meta.get("window_start"), meta.get("window_end")
    return f"{utc(start)} → {utc(end)} ({meta.get('duration', '?')})"
