"""The ``reason`` of a verdict, in words: what the bucket counts show, or what is missing.

Every reason names its evidence (the P95 change, the p-value, the tail shares at the bound
tested, how likely a candidate request is the slower one) or, for ``inconclusive``, which of
the two causes it is (``too few requests`` or ``buckets too coarse``) and how many requests
each side would need. Plain text: label values never appear here, so nothing needs escaping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TOO_FEW = "too few requests"
COARSE = "buckets too coarse"


@dataclass(frozen=True)
class Evidence:
    """One model's numbers, as :mod:`p95kit.compare.verdicts` computed them (requests are
    as Prometheus counted them; ``needed_*`` in the same units)."""

    n_baseline: float
    n_candidate: float
    change: float  # P95 candidate / baseline - 1
    p_value: float
    bound_ms: float
    share_baseline: float
    share_candidate: float
    theta: float
    difference_low: float  # the interval of share_candidate - share_baseline
    difference_high: float
    power: float
    needed_equal: float
    needed_baseline: float
    needed_candidate: float


@dataclass(frozen=True)
class Terms:
    """What a verdict is judged against: ``max_slowdown`` (0.1 for 10 %), ``confidence``
    and ``power`` (fractions)."""

    max_slowdown: float
    confidence: float
    power: float


def shown_change(evidence: Evidence, terms: Terms) -> str:
    """``P95 +23.4 % (beyond 10 %), p = 0.0001``."""
    limit = "beyond" if abs(evidence.change) > terms.max_slowdown else "within"
    return (
        f"P95 {pct(evidence.change)} ({limit} ±{terms.max_slowdown * 100:g} %), "
        f"p {p_text(evidence.p_value)}"
    )


def differs(evidence: Evidence, terms: Terms) -> str:
    """Why ``slower`` or ``faster``: the change, the tail shares, the shift."""
    difference = evidence.share_candidate - evidence.share_baseline
    return (
        f"{shown_change(evidence, terms)}: {share(evidence.share_candidate)} of candidate "
        f"requests over {ms(evidence.bound_ms)} against {share(evidence.share_baseline)} of "
        f"baseline ones ({points(difference)} points, {terms.confidence * 100:g} % interval "
        f"{points(evidence.difference_low)} to {points(evidence.difference_high)}); a "
        f"candidate request is the slower of a pair {share(evidence.theta)} of the time"
    )


def unchanged(evidence: Evidence, terms: Terms, smaller_shift: bool) -> str:
    """Why ``no_change``: the power the requests gave, and a smaller shift when there is one."""
    text = (
        f"no P95 change beyond ±{terms.max_slowdown * 100:g} % (P95 {pct(evidence.change)}); "
        f"a +{terms.max_slowdown * 100:g} % slowdown would have been seen with "
        f"{share(evidence.power)} power"
    )
    if smaller_shift:
        text += f"; the counts do show a smaller shift (p {p_text(evidence.p_value)})"
    return text


def too_few(evidence: Evidence, terms: Terms, coarse: bool, unseen: str = "") -> str:
    """``inconclusive``: the cause, the requests each side has, and those it would need."""
    cause = COARSE if coarse else TOO_FEW
    have = f"{count(evidence.n_baseline)} baseline / {count(evidence.n_candidate)} candidate"
    text = f"{cause}: {unseen + '; ' if unseen else ''}{have} requests"
    if math.isnan(evidence.needed_equal):
        return text
    if not math.isfinite(evidence.needed_equal):
        return (
            f"{text}; a +{terms.max_slowdown * 100:g} % slowdown moves no request across a "
            f"bucket bound near P95 ({ms(evidence.bound_ms)}): no number of requests would "
            "show it"
        )
    split = ""
    unequal = abs(evidence.n_candidate / max(evidence.n_baseline, 1e-300) - 1) > 0.1
    if math.isfinite(evidence.needed_baseline) and evidence.n_candidate > 0 and unequal:
        split = (
            f" ({needed(evidence.needed_baseline)} / {needed(evidence.needed_candidate)}"
            " at the current split)"
        )
    return (
        f"{text}; about {needed(evidence.needed_equal)} per side{split} are needed to see a "
        f"+{terms.max_slowdown * 100:g} % P95 slowdown at {terms.confidence * 100:g} % "
        f"confidence with {terms.power * 100:g} % power (power now {share(evidence.power)})"
    )


def no_requests(side: str) -> str:
    """A side without traffic: ``side`` is ``baseline``, ``candidate`` or ``either``."""
    if side == "either":
        return f"{TOO_FEW}: no requests on either side in the window"
    return f"no {side} requests in the window (only the other side had traffic)"


def above_top(top_ms: float) -> str:
    """The pooled P95 lies in the ``+Inf`` bucket."""
    return (
        f"{COARSE}: P95 is above the top bucket bound {ms(top_ms)}, where the histogram "
        "cannot tell latencies apart; no number of requests would show a change there"
    )


def one_bucket(lower_ms: float, upper_ms: float) -> str:
    """Every request lies in one bucket: nothing can be compared."""
    return (
        f"{COARSE}: every request of both sides lies in one bucket "
        f"({ms(lower_ms)} to {ms(upper_ms)}); no number of requests would show a change inside it"
    )


def pct(fraction: float) -> str:
    """``0.234 -> "+23.4 %"``; ``—`` when unknown."""
    return f"{fraction * 100:+.1f} %" if math.isfinite(fraction) else "—"


def points(fraction: float) -> str:
    """A difference of shares in percentage points: ``0.038 -> "+3.8"``."""
    return f"{fraction * 100:+.1f}" if math.isfinite(fraction) else "—"


def share(fraction: float) -> str:
    """``0.079 -> "7.9 %"``."""
    return f"{fraction * 100:.1f} %" if math.isfinite(fraction) else "—"


def p_text(value: float) -> str:
    """A p-value after ``p``: ``= 0.032`` (two significant digits), ``< 0.0001`` below that."""
    if not math.isfinite(value):
        return "= —"
    return "< 0.0001" if value < 1e-4 else f"= {value:.2g}"


def ms(value: float) -> str:
    """A bucket bound in ms, as written: ``250 ms``, ``0.15 ms``."""
    if not math.isfinite(value):
        return "+Inf"
    return f"{value:.0f} ms" if abs(value) >= 1e6 else f"{value:.6g} ms"


def count(value: float) -> str:
    """``12,345``."""
    return f"{value:,.0f}" if math.isfinite(value) else "—"


def needed(value: float) -> str:
    """A number of requests to gather, rounded up to two significant digits: ``5,300``."""
    if not math.isfinite(value):
        return "—"
    if value <= 100:
        return f"{math.ceil(value):,}"
    unit = 10 ** (math.floor(math.log10(value)) - 1)
    return f"{math.ceil(value / unit) * unit:,.0f}"
