"""What a comparison asks, validated before anything is sent: :func:`plan` -> :class:`Plan`.

Two sides, each a :class:`~p95kit.query.target.Target` over one window: ``baseline`` and
``candidate`` are label selectors added to the shared ``selector`` (a canary or an A/B
test), or with ``baseline_at`` the same selector earlier (before and after a deploy:
``baseline_at`` is a time, or a duration before ``at``). The windows must not overlap: the
same request on both sides would make any difference look smaller than it is. Every
invalid value raises :class:`~p95kit.errors.InvalidParameterError` naming the parameter.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from p95kit import validation
from p95kit.compare.verdicts import ALTERNATIVES, Rules
from p95kit.durations import normalize_duration, parse_duration
from p95kit.errors import InvalidParameterError
from p95kit.query.target import Target, make_target
from p95kit.times import parse_time

TimeLike = datetime | float | int | str | None
_DURATION = re.compile(r"([0-9]+(ms|[ywdhms]))+")


@dataclass(frozen=True)
class Side:
    """One side: its target (the shared selector and the side's), its window's end, and the
    selector as given (``""``: none)."""

    target: Target
    when: float
    selector: str


@dataclass(frozen=True)
class Plan:
    """A validated comparison: both sides, the window (PromQL text and seconds), the rules,
    and the parameters a frame carries (``attrs``)."""

    baseline: Side
    candidate: Side
    window: str
    window_s: float
    rules: Rules
    attrs: dict[str, Any]


def plan(
    metric_name: str,
    baseline: str | None,
    candidate: str | None,
    time_range: str,
    model_label: str,
    at: TimeLike,
    *,
    baseline_at: TimeLike = None,
    max_slowdown_pct: float = 10.0,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    histogram: str = "auto",
    unit: str = "auto",
    confidence: float = 95.0,
    alternative: str = "two-sided",
    looks: int = 1,
    scrape_interval: str | None = None,
) -> Plan:
    """Validate a comparison's parameters (see :func:`p95kit.compare`)."""
    shared = make_target(metric_name, model_label, models, selector, histogram, unit)
    if shared.histogram in ("native", "summary"):
        raise InvalidParameterError(
            "histogram",
            "compare reads classic histogram buckets (each request in its bucket): use "
            f"histogram='auto' or 'classic', got {histogram!r}",
        )
    window, window_s = normalize_duration(time_range, "time_range")
    when = parse_time(at, "at")
    base_text = validation.selector(baseline, "baseline")
    cand_text = validation.selector(candidate, "candidate")
    if baseline_at is None or baseline_at == "":
        if not base_text or not cand_text:
            raise InvalidParameterError(
                "baseline" if not base_text else "candidate",
                "compare needs baseline and candidate selectors, e.g. baseline='version=\"v1\"'"
                ", candidate='version=\"v2\"' (or baseline_at for the same series earlier)",
            )
        if base_text == cand_text:
            raise InvalidParameterError(
                "candidate",
                "baseline and candidate select the same series; give baseline_at to compare "
                "them with themselves earlier",
            )
        base_when = when
    else:
        base_when = _earlier(baseline_at, when)
        if base_when > when - window_s:
            raise InvalidParameterError(
                "baseline_at",
                f"baseline_at must be at least time_range ({window}) before at, so that no "
                "request is on both sides, e.g. baseline_at=1d",
            )
        base_text = base_text or cand_text
    rules = _rules(max_slowdown_pct, confidence, alternative, looks, scrape_interval, window_s)
    sides = [
        Side(_with(shared, text), moment, text)
        for text, moment in ((base_text, base_when), (cand_text, when))
    ]
    attrs = {
        "kind": "compare",
        **shared.attrs(),
        "baseline": base_text,
        "candidate": cand_text,
        "time_range": window,
        "at": when,
        "baseline_at": None if base_when == when else base_when,
        "max_slowdown_pct": rules.max_slowdown * 100,
        "confidence": rules.confidence * 100,
        "alternative": rules.alternative,
        "looks": rules.looks,
        "scrape_interval": scrape_interval or None,
    }
    return Plan(sides[0], sides[1], window, window_s, rules, attrs)


def _with(shared: Target, side: str) -> Target:
    """The shared target narrowed by a side's (validated) selector."""
    joined = ", ".join(part for part in (shared.selector, side) if part)
    return dataclasses.replace(shared, selector=validation.selector(joined))


def _earlier(value: TimeLike, when: float) -> float:
    """``baseline_at``: a duration before ``when`` (``1d``), or a time."""
    if isinstance(value, str) and _DURATION.fullmatch(value.strip()):
        return when - parse_duration(value.strip(), "baseline_at")
    return parse_time(value, "baseline_at")


def _rules(
    max_slowdown_pct: float,
    confidence: float,
    alternative: str,
    looks: int,
    scrape_interval: str | None,
    window_s: float,
) -> Rules:
    slowdown = validation.positive(max_slowdown_pct, "max_slowdown_pct", "percent", "10")
    level = validation.positive(confidence, "confidence", "percent", "95")
    if not 50 <= level < 100:
        raise InvalidParameterError(
            "confidence", f"confidence must be a percentage in [50, 100) such as 95, got {level!r}"
        )
    alternative = validation.choice(alternative, ALTERNATIVES, "alternative")
    looks = validation.count(looks, "looks", 1)
    deflate = 1.0
    if scrape_interval:
        seconds = parse_duration(scrape_interval, "scrape_interval")
        if seconds * 2 > window_s:
            raise InvalidParameterError(
                "scrape_interval",
                "scrape_interval must be at most half of time_range (a window needs two "
                f"samples), e.g. scrape_interval=15s; got {scrape_interval!r}",
            )
        deflate = (window_s - seconds) / window_s
    return Rules(slowdown / 100, level / 100, alternative, looks, deflate=deflate)
