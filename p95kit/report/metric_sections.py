"""HTML fragments of a report with several latency metrics (TTFT, inter-token, end-to-end ...).

:func:`metrics_table` is the combined table: one row per model and metric with the window
percentiles and the buckets they lie in, then an ``(all models)`` row per metric.
:func:`metric_heading` titles a metric's own section. Escaping as in
:mod:`p95kit.report.sections` (every value through its ``_table``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from p95kit.display.formatting import fmt_count
from p95kit.query.units import describe
from p95kit.report import sections
from p95kit.report.data import METRICS_DIR, ReportData, folder_name
from p95kit.report.summary import ALL_MODELS, all_models_row


def metric_label(data: ReportData) -> str:
    """``time to first token (vllm:time_to_first_token_seconds)``, or the bare name."""
    meta = data.meta
    name = str(meta.get("metric_name", "?"))
    title = meta.get("title")
    return f"{title} ({name})" if title else name


def metrics_table(datas: list[ReportData]) -> str:
    """Model × metric: requests and window percentiles (with their buckets), models by name,
    metrics in report order; each metric's ``(all models)`` row last."""
    if not datas:
        return ""
    columns = sections._percentile_columns(datas[0])
    headers = ["Model", "Metric", "Requests", *[c.upper() for c in columns]]
    per_metric = []
    for data in datas:
        summary = data.summary.set_index("model", drop=False)
        per_metric.append((metric_label(data), summary, data))
    names = sorted({name for _, summary, _ in per_metric for name in summary.index})
    rows: list[list[sections.Cell]] = []
    for name in names:
        for label, summary, _ in per_metric:
            if name not in summary.index:
                continue
            row = summary.loc[name]
            if isinstance(row, pd.DataFrame):  # a duplicated name cannot happen; be safe
                row = row.iloc[0]
            cells: list[sections.Cell] = [name, (label, "model"), fmt_count(row["requests"])]
            rows.append(cells + [sections._window_ms(row, c) for c in columns])
    for label, _, data in per_metric:
        overall = all_models_row(data.meta)
        if overall is None:
            continue
        cells = [(ALL_MODELS, "model muted"), (label, "model"), fmt_count(overall["requests"])]
        rows.append(cells + [sections._window_ms(overall, c) for c in columns])
    caption = f"Window percentiles per model and metric ({len(datas)} metrics)"
    return sections._wrap(sections._table(headers, rows, caption, empty="No data."))


def metric_heading(data: ReportData) -> str:
    """A metric section's heading: its title and name, unit, model label."""
    meta = data.meta
    unit = describe(str(meta.get("unit", "s")), bool(meta.get("unit_assumed")))
    text = f"<h2>{sections._esc(metric_label(data))}</h2>"
    label = sections._esc(meta.get("model_label"))
    return sections._wrap(text + f"<p>by <code>{label}</code> · unit: {sections._esc(unit)}</p>")


def metric_folder(data: ReportData, data_dir: str | Path) -> str:
    """The folder of ``data``'s metric inside a saved report (``metrics/<name>/``, where
    its chart is), or "" when the notebook runs live (no ``data_dir``)."""
    if not data_dir:
        return ""
    return str(Path(data_dir, METRICS_DIR, folder_name(str(data.meta.get("metric_name", "")))))
