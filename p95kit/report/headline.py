"""What a report's headline says, over every metric of the report: one set of facts.

:func:`headline_facts` reads the summaries of all the report's metrics (first one first)
and returns a :class:`Headline`: the window, the models, the slowest model of the first
metric, every model that got slower than in the previous window (each with its metric,
worst relative change first) and every SLO breach (worst first). The report's HTML
headline (:func:`p95kit.report.sections.headline`), ``run.json``'s ``headline``, the chat
message and the mail (:mod:`p95kit.report.message`) are all drawn from it, so they say
the same thing. :meth:`Headline.lines` gives the facts as sentences whose untrusted parts
(model names, metric names) are :class:`Name` pieces, for each channel to escape its way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from p95kit.display.formatting import delta, finite, fmt_ms, given_ms, trend, utc
from p95kit.report.data import ReportData

#: How many regressions and breaches a message lists (the report has them all).
LISTED = 5


@dataclass(frozen=True)
class Change:
    """A model that got slower (or faster) on one metric: window P95 against the previous
    window of the same length. Latencies in ms, ``delta_p95_pct`` in percent."""

    metric: str
    title: str
    model: str
    p95_ms: float
    p95_previous_ms: float
    delta_p95_ms: float
    delta_p95_pct: float


@dataclass(frozen=True)
class Breach:
    """A model whose window P95 is over the SLO on one metric (ms). ``at_least``: the P95
    lies in the ``+Inf`` bucket, so it is at least ``p95_ms``."""

    metric: str
    title: str
    model: str
    p95_ms: float
    slo_ms: float
    at_least: bool = False


@dataclass(frozen=True)
class Name:
    """Untrusted text inside a headline sentence (a model or metric name)."""

    text: str


Part = str | Name


@dataclass(frozen=True)
class Headline:
    """The facts of a report's headline (see :func:`headline_facts`)."""

    window_start: float
    window_end: float
    duration: str
    metrics: tuple[str, ...]
    models: int
    idle: int
    requests: float
    slowest_model: str | None
    slowest_p95_ms: float | None
    slo_ms: float | None
    compared: bool  # a model has a P95 in both windows (on some metric)
    regressions: tuple[Change, ...] = field(default=())  # ≥ 1 % slower, worst first
    breaches: tuple[Breach, ...] = field(default=())  # over the SLO, worst first

    @property
    def several(self) -> bool:
        """True when the report has several metrics (each finding names its own)."""
        return len(self.metrics) > 1

    def crossed(self, max_regression: float | None) -> bool:
        """True when a model breaches the SLO or got more than ``max_regression`` % slower
        (None: regressions do not count)."""
        over = max_regression is not None and any(
            c.delta_p95_pct > max_regression for c in self.regressions
        )
        return bool(self.breaches) or over

    def record(self) -> dict[str, Any]:
        """``run.json``'s ``headline``: model count, requests and slowest model (of the
        first metric) with its window P95 (ms), the metrics, every regression and breach."""
        return {
            "models": self.models,
            "requests": self.requests,
            "slowest_model": self.slowest_model,
            "slowest_p95_ms": self.slowest_p95_ms,
            "metrics": list(self.metrics),
            "regressions": [_rounded(asdict(c)) for c in self.regressions],
            "breaches": [_rounded(asdict(b)) for b in self.breaches],
        }

    def lines(self, listed: int = LISTED) -> list[list[Part]]:
        """The headline as sentences for a message: the worst regression and breach, then
        up to ``listed`` of each."""
        lines: list[list[Part]] = [self.summary()]
        if self.regressions:
            lines.append(["Worst regression: ", *_change(self.regressions[0], self.several)])
        elif self.compared:
            lines.append(["No model got more than 1 % slower than in the previous window."])
        if self.breaches:
            lines.append(["Worst SLO breach: ", *_breach(self.breaches[0], self.several)])
        if len(self.regressions) > 1:
            lines.append([f"Slower than the previous {self.duration} ({len(self.regressions)}):"])
            lines += [["• ", *_change(c, self.several)] for c in self.regressions[:listed]]
        if len(self.breaches) > 1:
            lines.append([f"Over the SLO of {given_ms(self.slo_ms)} ({len(self.breaches)}):"])
            lines += [["• ", *_breach(b, self.several)] for b in self.breaches[:listed]]
        return lines

    def summary(self) -> list[Part]:
        """One sentence: window, models, metrics."""
        what = f"{self.models} model{'s' * (self.models != 1)}"
        if self.several:
            what += f", {len(self.metrics)} metrics"
        return [f"P95 report for {self.duration} up to {utc(self.window_end)}: {what}."]


def headline_facts(datas: ReportData | Sequence[ReportData]) -> Headline:
    """The headline of a report from its metrics' data (first metric first): regressions
    and breaches on every metric, the slowest model of the first."""
    datas = [datas] if isinstance(datas, ReportData) else list(datas)
    first = datas[0]
    meta, summary = first.meta, first.summary
    ranked = summary.dropna(subset=["p95"]).sort_values("p95", ascending=False, kind="stable")
    top = ranked.iloc[0] if len(ranked) else None
    names = {str(m) for d in datas for m in d.summary["model"]}
    slo = meta.get("slo_ms") or None
    regressions, breaches, compared = [], [], False
    for data in datas:
        metric, title = str(data.meta.get("metric_name", "")), str(data.meta.get("title") or "")
        for row in data.summary.itertuples(index=False):
            compared = compared or finite(row.delta_p95_ms)
            if trend(row.delta_p95_ms, row.delta_p95_pct) == "worse":
                regressions.append(
                    Change(
                        metric,
                        title,
                        str(row.model),
                        float(row.p95),
                        float(row.p95_previous_ms),
                        float(row.delta_p95_ms),
                        float(row.delta_p95_pct),
                    )
                )
            if slo and finite(row.p95) and row.p95 > slo:
                over = finite(getattr(row, "top_bucket_ms", math.nan))
                breaches.append(Breach(metric, title, str(row.model), float(row.p95), slo, over))
    regressions.sort(key=lambda c: (-c.delta_p95_pct, -c.delta_p95_ms))
    breaches.sort(key=lambda b: -b.p95_ms / b.slo_ms)
    return Headline(
        window_start=float(meta.get("window_start") or math.nan),
        window_end=float(meta.get("window_end") or math.nan),
        duration=str(meta.get("duration", "?")),
        metrics=tuple(str(d.meta.get("metric_name", "")) for d in datas),
        models=len(names),
        idle=int(summary["no_traffic"].sum()) if "no_traffic" in summary else 0,
        requests=float(summary["requests"].fillna(0).sum()),
        slowest_model=None if top is None else str(top["model"]),
        slowest_p95_ms=None if top is None else round(float(top["p95"]), 2),
        slo_ms=slo,
        compared=compared,
        regressions=tuple(regressions),
        breaches=tuple(breaches),
    )


def metric_of(finding: Change | Breach) -> str:
    """``time to first token (vllm:time_to_first_token_seconds)``, or the bare name."""
    return f"{finding.title} ({finding.metric})" if finding.title else finding.metric


def _change(c: Change, several: bool) -> list[Part]:
    where: list[Part] = [" on ", Name(metric_of(c))] if several else []
    change = delta(c.delta_p95_ms, c.delta_p95_pct)
    return [
        Name(c.model),
        *where,
        f": P95 {fmt_ms(c.p95_previous_ms)} → {fmt_ms(c.p95_ms)} ({change})",
    ]


def _breach(b: Breach, several: bool) -> list[Part]:
    where: list[Part] = [" on ", Name(metric_of(b))] if several else []
    shown = ("≥ " if b.at_least else "") + fmt_ms(b.p95_ms)
    return [Name(b.model), *where, f": window P95 {shown} > SLO {given_ms(b.slo_ms)}"]


def _rounded(record: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 2) if isinstance(v, float) and finite(v) else v for k, v in record.items()}
