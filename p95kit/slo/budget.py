"""Error budgets and burn rates from request counts: the arithmetic, once, per model.

Everything here is a ratio of sums over a window: ``requests`` (the window's requests, the
``+Inf`` bucket's increase) and ``good`` (the share of them at or under the threshold, from
the histogram core). A window without requests spends nothing and burns nothing: its budget
stays whole (1.0) and its burn rate is 0, never NaN that would spread into a sum or a status.

- :func:`bad_requests`: ``requests x (1 - good)``.
- :func:`budget_remaining`: ``1 - bad / (requests x budget)`` with ``budget = 1 - objective/100``,
  which is ``1 - (1 - good) / budget``: 1 untouched, 0 spent, negative overspent.
- :func:`burn_rate`: ``(1 - good) / budget``: 1 spends the budget in exactly the SLO window.
- :func:`firing`: the tiers of a :class:`~p95kit.slo.policy.Policy` that fire, per model:
  the burn rate over the tier's long *and* short window above its threshold, and at least
  the guard's bad requests in the long window (the low-traffic guard).
- :func:`status`: ``no traffic``, ``burning``, ``exhausted`` or ``ok`` (see there).

Pure numpy, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from p95kit.slo.policy import Policy, Tier

OK, BURNING, EXHAUSTED, NO_TRAFFIC = "ok", "burning", "exhausted", "no traffic"
#: Every status, in the order of precedence :func:`status` applies.
STATUSES = (NO_TRAFFIC, BURNING, EXHAUSTED, OK)


@dataclass(frozen=True)
class WindowCounts:
    """One window's counts per model: ``requests`` and the ``good`` share (the estimate;
    NaN without requests)."""

    requests: np.ndarray
    good: np.ndarray

    @property
    def traffic(self) -> np.ndarray:
        """Whether each model had requests in the window."""
        return np.asarray(self.requests > 0)


def bad_requests(counts: WindowCounts) -> np.ndarray:
    """Requests over the threshold per model (0 without requests)."""
    with np.errstate(invalid="ignore"):
        bad = counts.requests * (1.0 - counts.good)
    return np.where(counts.traffic, np.maximum(bad, 0.0), 0.0)


def budget_remaining(good: np.ndarray, requests: np.ndarray, budget: float) -> np.ndarray:
    """``1 - (1 - good) / budget`` per model; 1.0 (nothing spent) without requests."""
    with np.errstate(invalid="ignore"):
        left = 1.0 - (1.0 - good) / budget
    return np.where(requests > 0, left, 1.0)


def burn_rate(counts: WindowCounts, budget: float) -> np.ndarray:
    """``(1 - good) / budget`` per model; 0.0 (nothing burns) without requests."""
    with np.errstate(invalid="ignore"):
        rate = (1.0 - counts.good) / budget
    return np.where(counts.traffic, np.maximum(rate, 0.0), 0.0)


@dataclass(frozen=True)
class Firing:
    """One tier firing for one model: the burn rates over its long and short windows and
    the bad requests in the long window."""

    model: str
    tier: Tier
    burn_long: float
    burn_short: float
    bad_long: float

    def record(self) -> dict:
        """A JSON-ready dict: ``model``, ``severity``, ``long_window``, ``short_window``,
        ``threshold`` (the tier's burn rate), ``burn_rate_long``, ``burn_rate_short``,
        ``bad_requests_long``."""
        return {
            "model": self.model,
            "severity": self.tier.severity,
            "long_window": self.tier.long_window,
            "short_window": self.tier.short_window,
            "threshold": self.tier.burn_rate,
            "burn_rate_long": self.burn_long,
            "burn_rate_short": self.burn_short,
            "bad_requests_long": self.bad_long,
        }


def firing(
    models: list[str],
    policy: Policy,
    windows: Mapping[str, WindowCounts],
    budget: float,
) -> list[Firing]:
    """The tiers that fire, per model (models in order, tiers in the policy's order).

    A tier fires when the burn rate over its long window and over its short window both
    exceed its threshold, and its long window holds at least the guard's bad requests
    (:meth:`~p95kit.slo.policy.Policy.guard_threshold`)."""
    found = []
    guard = policy.guard_threshold()
    burns = {w: burn_rate(c, budget) for w, c in windows.items()}
    bads = {w: bad_requests(c) for w, c in windows.items()}
    for row, model in enumerate(models):
        for tier in policy.tiers:
            long, short = burns[tier.long_window][row], burns[tier.short_window][row]
            bad = bads[tier.long_window][row]
            if long > tier.burn_rate and short > tier.burn_rate and bad >= guard:
                found.append(Firing(model, tier, float(long), float(short), float(bad)))
    return found


def status(requests: np.ndarray, remaining: np.ndarray, burning: np.ndarray) -> np.ndarray:
    """Per model, the first that holds of: ``no traffic`` (no request in the SLO window),
    ``burning`` (a tier fires now: the acute state wins, so a new incident shows even
    while an old one's overspent budget recovers), ``exhausted`` (budget remaining <= 0),
    ``ok``."""
    out = np.full(len(requests), OK, dtype=object)
    out[remaining <= 0] = EXHAUSTED
    out[np.asarray(burning, dtype=bool)] = BURNING
    out[~(requests > 0)] = NO_TRAFFIC
    return out
