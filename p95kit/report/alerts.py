"""Alerting exits for cron: which models crossed the SLO or regressed, one line each.

``p95kit report --slo-ms X --fail-on-breach`` and ``--max-regression PCT`` publish the
snapshot as usual, then exit 5 with the lines :func:`alert_lines` returns on stderr (cron
mails them); within limits nothing is printed. Lines name the model (terminal-safe), the
metric when the report has several, and the numbers that crossed the limit.
"""

from __future__ import annotations

import math

import pandas as pd

from p95kit.display.formatting import number
from p95kit.display.terminal import terminal_safe

#: The CLI's exit code when an alert limit was crossed (the snapshot is published).
ALERT_EXIT = 5


def breaches(summary: pd.DataFrame, slo_ms: float, metric: str = "") -> list[str]:
    """One line per model whose window P95 is over ``slo_ms`` (a P95 in the ``+Inf``
    bucket counts with its lower bound, shown as ``≥``)."""
    lines = []
    for _, row in summary.iterrows():
        p95 = float(row["p95"])
        if not p95 > slo_ms:
            continue
        shown = f"{'≥ ' if _in_overflow(row) else ''}{number(p95)} ms"
        lines.append(
            f"p95kit: SLO breach: {_who(row['model'], metric)}: window P95 {shown} "
            f"> SLO {slo_ms:g} ms"
        )
    return lines


def regressions(summary: pd.DataFrame, max_pct: float, metric: str = "") -> list[str]:
    """One line per model whose window P95 grew by more than ``max_pct`` % against the
    previous window of the same length (models without both P95s are not judged)."""
    lines = []
    for _, row in summary.iterrows():
        pct = float(row["delta_p95_pct"])
        if not pct > max_pct:
            continue
        before, after = number(float(row["p95_previous_ms"])), number(float(row["p95"]))
        lines.append(
            f"p95kit: regression: {_who(row['model'], metric)}: P95 {before} -> {after} ms "
            f"({pct:+.1f} %) > {max_pct:g} %"
        )
    return lines


def alert_lines(
    summaries: dict[str, pd.DataFrame],
    *,
    slo_ms: float | None = None,
    fail_on_breach: bool = False,
    max_regression: float | None = None,
) -> list[str]:
    """Every alert line of a report: ``summaries`` maps metric name -> summary frame (the
    metric is named in the lines only when there are several)."""
    several = len(summaries) > 1
    lines: list[str] = []
    for metric, summary in summaries.items():
        shown = metric if several else ""
        if fail_on_breach and slo_ms:
            lines += breaches(summary, slo_ms, shown)
        if max_regression is not None:
            lines += regressions(summary, max_regression, shown)
    return lines


def _who(model: str, metric: str) -> str:
    name = f"model {terminal_safe(str(model))}"
    return f"{metric} {name}" if metric else name


def _in_overflow(row: pd.Series) -> bool:
    top = row.get("top_bucket_ms", math.nan)
    return isinstance(top, float) and math.isfinite(top)
