"""The decision rule: per model, ``slower``, ``faster``, ``no_change`` or ``inconclusive``.

From each side's :class:`~p95kit.query.histogram.Histogram` row (same bounds), :func:`decide`:

1. reads P50/P95/P99 of each side with the accurate estimator
   (:data:`p95kit.query.estimators.ACCURATE`), and the P95 change from them
   (``histogram_quantile``'s linear guess can show +2.5 % for a true +10 % inside a wide
   bucket);
2. runs both tests of :mod:`p95kit.compare.statistics` in both directions; within a
   direction Holm over the two tests (with two tests its first step is Bonferroni:
   ``p = min(1, 2 min(p_tail, p_shift))``), and the level is split over the two directions
   (``alpha / 2`` each, so an A/A pair reads ``slower`` or ``faster`` at most ``alpha`` of
   the time), then over ``looks`` (repeated checks of a growing window);
3. ``slower`` when the P95 grew by more than ``max_slowdown`` *and* the counts show the
   candidate slower at that level; ``faster`` the mirror; ``no_change`` when the tail test
   had the power (:mod:`p95kit.compare.power`) to see a slowdown of ``max_slowdown`` and the
   P95 moved less; else ``inconclusive``, with the cause and the requests each side needs
   (:mod:`p95kit.compare.reasons`).

Counts are weights (``increase()`` extrapolates: they are rarely integers); ``deflate``
scales them by ``(W - scrape interval) / W`` when the scrape interval is known, which undoes
the typical extrapolation in ``n`` (shares are unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from p95kit.compare import reasons
from p95kit.compare.power import power_at, requests_needed, tail_shares
from p95kit.compare.statistics import brunner_munzel, newcombe_interval, tail_test
from p95kit.query import estimators
from p95kit.query.histogram import Histogram

SLOWER, FASTER, NO_CHANGE, INCONCLUSIVE = "slower", "faster", "no_change", "inconclusive"
#: The verdicts, worst first (the worst of several models is the first one present).
VERDICTS = (SLOWER, INCONCLUSIVE, NO_CHANGE, FASTER)
ALTERNATIVES = ("two-sided", "slower")
QUANTILES = (0.5, 0.95, 0.99)
#: The tail test's normal approximation wants at least this many expected tail requests
#: on the smaller side.
MIN_TAIL_REQUESTS = 5.0


@dataclass(frozen=True)
class Rules:
    """What a verdict takes: ``max_slowdown`` (fraction: 0.1 for 10 %), ``confidence``
    (0.95), ``alternative`` (``two-sided``; ``slower`` never answers ``faster`` and tests
    at the whole level), ``looks`` (planned checks of a growing window: the level is divided
    by it), ``power`` (for ``no_change``), ``deflate`` (multiplies the counts), and
    ``max_requests`` (per side: needing more is "buckets too coarse")."""

    max_slowdown: float = 0.10
    confidence: float = 0.95
    alternative: str = "two-sided"
    looks: int = 1
    power: float = 0.8
    deflate: float = 1.0
    max_requests: float = 1e7

    @property
    def alpha_per_direction(self) -> float:
        """The level of one direction's (Holm-combined) test."""
        split = 2 if self.alternative == "two-sided" else 1
        return (1 - self.confidence) / split / self.looks

    @property
    def terms(self) -> reasons.Terms:
        return reasons.Terms(self.max_slowdown, self.confidence, self.power)


@dataclass(frozen=True)
class Decision:
    """Per row: ``requests_*`` (as counted), ``percentiles_*`` (``(R, 3)``: P50/P95/P99 in
    ms), ``change`` (P95 ratio - 1), ``p_value`` (of the change's direction, two-sided unless
    ``alternative="slower"``: significant when <= (1 - confidence) / looks), ``verdict``,
    ``reason``, ``power`` (to see a ``max_slowdown`` slowdown now), ``needed_*`` (requests
    per side for that power at the current split), and the evidence: ``bound_ms`` (the bound
    the tail test used), ``share_*`` (shares above it), ``theta`` (P(candidate slower))."""

    requests_baseline: np.ndarray
    requests_candidate: np.ndarray
    percentiles_baseline: np.ndarray
    percentiles_candidate: np.ndarray
    change: np.ndarray
    p_value: np.ndarray
    verdict: list[str]
    reason: list[str]
    power: np.ndarray
    needed_baseline: np.ndarray
    needed_candidate: np.ndarray
    bound_ms: np.ndarray
    share_baseline: np.ndarray
    share_candidate: np.ndarray
    theta: np.ndarray


def decide(baseline: Histogram, candidate: Histogram, rules: Rules | None = None) -> Decision:
    """The verdict of each row of two histograms with the same bounds (see the module;
    ``rules`` default to :class:`Rules`)."""
    rules = rules or Rules()
    accurate = estimators.get(estimators.ACCURATE).implementation()
    pct_b, pct_c = accurate.quantiles(baseline, QUANTILES), accurate.quantiles(candidate, QUANTILES)
    x, y = baseline.counts * rules.deflate, candidate.counts * rules.deflate
    nx, ny = x.sum(axis=1), y.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = pct_c[:, 1] / pct_b[:, 1] - 1
    shift, tail = brunner_munzel(x, y), tail_test(x, y)
    low, high = newcombe_interval(
        tail.share_baseline, nx, tail.share_candidate, ny, rules.confidence
    )
    pooled = Histogram.of(
        baseline.bounds, baseline.cumulative + candidate.cumulative, scale=baseline.scale
    )
    p0, p1 = tail_shares(pooled, tail.bound, rules.max_slowdown)
    alpha = rules.alpha_per_direction / 2  # Holm's first step over the two tests
    power = power_at(p0, p1, nx, ny, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((nx > 0) & (ny > 0), ny / nx, 1.0)
    need_equal, _ = requests_needed(p0, p1, alpha, rules.power)
    need_x, need_y = requests_needed(p0, p1, alpha, rules.power, ratio)
    p_slower = _holm(tail.p_slower, shift.p_slower)
    p_faster = _holm(tail.p_faster, shift.p_faster)
    toward_faster = change < 0
    p_value = np.where(toward_faster, p_faster, p_slower)
    if rules.alternative == "two-sided":
        p_value = np.minimum(1.0, 2 * p_value)
    bound_ms = np.where(tail.bound >= 0, baseline.bounds[np.maximum(tail.bound, 0)], np.nan)
    bound_ms = bound_ms * baseline.scale
    unit = 1 / rules.deflate  # statistics count deflated requests; people count Prometheus's
    verdicts, texts = [], []
    for row in range(len(x)):
        evidence = reasons.Evidence(
            nx[row] * unit,
            ny[row] * unit,
            change[row],
            p_value[row],
            bound_ms[row],
            tail.share_baseline[row],
            tail.share_candidate[row],
            shift.theta[row],
            low[row],
            high[row],
            power[row],
            need_equal[row] * unit,
            need_x[row] * unit,
            need_y[row] * unit,
        )
        state = _State(
            nx[row], ny[row], p_slower[row], p_faster[row], tail.pooled[row], p1[row] > p0[row]
        )
        verdict, text = _judge(evidence, state, rules, _where(pooled, row, tail))
        verdicts.append(verdict)
        texts.append(text)
    return Decision(
        baseline.requests,
        candidate.requests,
        pct_b,
        pct_c,
        change,
        p_value,
        verdicts,
        texts,
        power,
        need_x * unit,
        need_y * unit,
        bound_ms,
        tail.share_baseline,
        tail.share_candidate,
        shift.theta,
    )


@dataclass(frozen=True)
class _State:
    """The numbers :func:`_judge` needs besides the evidence (deflated counts)."""

    nx: float
    ny: float
    p_slower: float
    p_faster: float
    pooled_tail: float
    movable: bool  # a slowdown moves requests across the tested bound


def _judge(
    evidence: reasons.Evidence, state: _State, rules: Rules, where: tuple[str, float, float]
) -> tuple[str, str]:
    """One row's verdict and reason (see the module for the rule)."""
    terms, m, alpha = rules.terms, rules.max_slowdown, rules.alpha_per_direction
    if state.nx <= 0 or state.ny <= 0:
        if state.nx <= 0 and state.ny <= 0:
            return INCONCLUSIVE, reasons.no_requests("either")
        unseen = reasons.no_requests("baseline" if state.nx <= 0 else "candidate")
        return INCONCLUSIVE, reasons.too_few(evidence, terms, False, unseen)
    kind, low, high = where
    if kind == "overflow":
        return INCONCLUSIVE, reasons.above_top(low)
    if kind == "one bucket":
        return INCONCLUSIVE, reasons.one_bucket(low, high)
    change, smaller = evidence.change, min(state.nx, state.ny)
    if smaller < 2 or smaller * state.pooled_tail < MIN_TAIL_REQUESTS:
        return INCONCLUSIVE, reasons.too_few(evidence, terms, False, _unseen(evidence, terms))
    if change > m and state.p_slower <= alpha:
        return SLOWER, reasons.differs(evidence, terms)
    faster_possible = rules.alternative == "two-sided"
    if faster_possible and change < -m and state.p_faster <= alpha:
        return FASTER, reasons.differs(evidence, terms)
    within = change <= m if not faster_possible else abs(change) <= m
    if evidence.power >= rules.power and within:
        shifted = min(state.p_slower, state.p_faster if faster_possible else 1.0) <= alpha
        return NO_CHANGE, reasons.unchanged(evidence, terms, shifted)
    coarse = not state.movable or evidence.needed_equal > rules.max_requests
    return INCONCLUSIVE, reasons.too_few(evidence, terms, coarse, _unseen(evidence, terms))


def _unseen(evidence: reasons.Evidence, terms: reasons.Terms) -> str:
    """``P95 +14.0 % but not significant (p = 0.09)`` when the P95 moved beyond the limit."""
    if not abs(evidence.change) > terms.max_slowdown:
        return ""
    shown = reasons.p_text(evidence.p_value)
    return f"P95 {reasons.pct(evidence.change)} but not significant (p {shown})"


def _where(pooled: Histogram, row: int, tail) -> tuple[str, float, float]:
    """``("overflow", top bound ms, nan)`` when the pooled P95 is in ``+Inf``, ``("one
    bucket", lower ms, upper ms)`` when no bound splits the requests, else ``("", nan, nan)``."""
    if tail.overflow[row]:
        return "overflow", float(pooled.bounds[-2] * pooled.scale), np.nan
    if tail.bound[row] < 0:
        lower, upper = pooled.row(row).bucket_bounds(0.5)
        return "one bucket", float(lower[0]), float(upper[0])
    return "", np.nan, np.nan


def _holm(p_tail: np.ndarray, p_shift: np.ndarray) -> np.ndarray:
    """The family's p-value of one direction, Holm over the tests that could run."""
    return np.minimum(1.0, 2 * np.fmin(p_tail, p_shift))  # fmin: NaN only when both are


def worst(verdicts: list[str]) -> str:
    """The worst of several verdicts (:data:`VERDICTS` order); ``inconclusive`` for none."""
    present = set(verdicts)
    return next((v for v in VERDICTS if v in present), INCONCLUSIVE)
