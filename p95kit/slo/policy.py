"""What an SLO promises, and the burn-rate policy that says when its budget burns too fast.

:class:`Objective` is the promise: ``objective`` % of requests at or under ``threshold_ms``
over a rolling ``window``; its error budget is the share ``1 - objective/100`` of requests
allowed to be slower.

:class:`Policy` is the SRE workbook's multiwindow, multi-burn-rate alerting (chapter 5,
"Alerting on SLOs", https://sre.google/workbook/alerting-on-slos/). The burn rate over a
window is the share of bad requests in it over the budget share (1 = a pace that spends the
whole budget in exactly the SLO window). A tier fires when the burn rate over its long window
*and* its short window (1/12 of the long: it stops firing soon after the burn stops) both
exceed its threshold. For a 30-day window:

    severity  long  short  burn rate  budget spent when it fires
    page      1h    5m     14.4       2 %
    page      6h    30m    6          5 %
    ticket    1d    2h     3          10 %
    ticket    3d    6h     1          10 %

For another SLO window the tiers stay as they are (:func:`policy_for`). A burn rate is a pace
relative to the objective whatever the window (1 spends the budget in exactly the window),
so "14.4 times too fast over an hour" means the same for a 7-day SLO; what changes is the
share of the budget a tier has spent when it fires (``burn x long / window``: 8.6 % of a
7-day budget for the page tier). Keeping the budget shares instead (Sloth's catalogues, for
28 and 30 days) would scale the burn rates down with the window: below 1 for the ticket
tiers of a 7-day SLO, which would then fire for services that meet their objective. A tier
that needs more than 100 % bad requests (a low objective) can never fire:
:meth:`Policy.unreachable` names it.

**Low traffic.** At 10 requests an hour one slow request is a burn rate of 1,000 at 99.9 %:
the workbook's example of a page nobody should get. The workbook's remedies are traffic-side
(probes, grouping services); p95kit adds a guard to every tier, as slo-generator's
``MIN_VALID_EVENTS`` refuses to judge too few events: a tier fires only when its long window
also holds at least :attr:`Policy.min_bad_requests` bad requests (default 3; 0 turns it off).
Above ``3 / (burn x budget share)`` requests per long window (209 an hour for the page tier
at 99.9 %) the guard never binds and the policy is exactly the workbook's; below it, a
model within its SLO pages with a Poisson chance of about ``lambda**3 / 6`` per hour instead of
``lambda`` (``lambda`` the expected bad requests per hour). Counts from ``increase()`` are
extrapolated, not whole (3 bad requests may read 2.9): the guard compares with
``min_bad_requests - 0.5``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from p95kit import validation
from p95kit.durations import normalize_duration, parse_duration
from p95kit.errors import InvalidParameterError

SEVERITIES = ("page", "ticket")
#: Days of the window the workbook's tiers are written for.
WORKBOOK_WINDOW = "30d"


@dataclass(frozen=True)
class Objective:
    """An SLO: ``objective`` % (0-100, exclusive) of requests at or under ``threshold_ms``
    over the rolling ``window`` (a normalised Prometheus duration)."""

    threshold_ms: float
    objective: float = 99.0
    window: str = WORKBOOK_WINDOW

    @property
    def budget(self) -> float:
        """The share of requests allowed over the threshold: ``1 - objective / 100``."""
        return 1.0 - self.objective / 100.0

    @property
    def window_s(self) -> float:
        return parse_duration(self.window, "window")


def make_objective(
    threshold_ms: object, objective: object = 99.0, window: str = "30d"
) -> Objective:
    """Validate an SLO's parameters (:class:`~p95kit.errors.InvalidParameterError` names the
    one at fault, before anything is sent)."""
    threshold = validation.positive(threshold_ms, "threshold_ms", "milliseconds", "2000")
    try:
        share = float(objective)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        share = math.nan
    if not 0 < share < 100:
        raise InvalidParameterError(
            "objective",
            f"objective is the percent of requests that must be fast enough, strictly between "
            f"0 and 100, e.g. objective=99.5; got {objective!r}",
        )
    text, _ = normalize_duration(window, "window")
    return Objective(float(threshold), share, text)


@dataclass(frozen=True)
class Tier:
    """One alert condition: ``severity`` (``page`` or ``ticket``) when the burn rate over
    ``long_window`` and over ``short_window`` both exceed ``burn_rate``."""

    severity: str
    long_window: str
    short_window: str
    burn_rate: float

    @property
    def long_s(self) -> float:
        return parse_duration(self.long_window, "long_window")

    @property
    def short_s(self) -> float:
        return parse_duration(self.short_window, "short_window")

    def budget_spent(self, window_s: float) -> float:
        """The share of the budget of an SLO window ``window_s`` long that is spent when this
        tier starts firing: ``burn_rate x long window / SLO window``."""
        return self.burn_rate * self.long_s / window_s


@dataclass(frozen=True)
class Policy:
    """Tiers, and the low-traffic guard: a tier fires only with at least
    ``min_bad_requests`` bad requests in its long window (0: no guard)."""

    tiers: tuple[Tier, ...]
    min_bad_requests: float = 3.0

    def windows(self) -> tuple[str, ...]:
        """Every window the tiers read, shortest first."""
        found = {w for t in self.tiers for w in (t.long_window, t.short_window)}
        return tuple(sorted(found, key=lambda w: parse_duration(w, "window")))

    def only(self, chosen: tuple[str, ...] | list[str] | str) -> Policy:
        """The tiers of these severities (``page``: a team that wants only pages)."""
        wanted = severities(chosen)
        return replace(self, tiers=tuple(t for t in self.tiers if t.severity in wanted))

    def with_guard(self, min_bad_requests: float) -> Policy:
        """This policy with another low-traffic guard (0 turns it off)."""
        if not (isinstance(min_bad_requests, int | float) and min_bad_requests >= 0):
            raise InvalidParameterError(
                "min_bad_requests",
                f"min_bad_requests must be a number >= 0 (0: no guard), e.g. 3; "
                f"got {min_bad_requests!r}",
            )
        return replace(self, min_bad_requests=float(min_bad_requests))

    def unreachable(self, objective: Objective) -> list[Tier]:
        """Tiers whose threshold needs more than every request to be bad (cannot fire)."""
        return [t for t in self.tiers if t.burn_rate * objective.budget >= 1.0]

    def guard_threshold(self) -> float:
        """What an extrapolated count of bad requests must reach: ``min_bad_requests - 0.5``
        (``increase()`` reads 3 requests as 2.9 or 3.1), or 0 without a guard."""
        return max(self.min_bad_requests - 0.5, 0.0) if self.min_bad_requests > 0 else 0.0


#: The SRE workbook's tiers for a 30-day SLO window.
WORKBOOK = Policy(
    (
        Tier("page", "1h", "5m", 14.4),
        Tier("page", "6h", "30m", 6.0),
        Tier("ticket", "1d", "2h", 3.0),
        Tier("ticket", "3d", "6h", 1.0),
    )
)


def policy_for(objective: Objective, base: Policy = WORKBOOK) -> Policy:
    """The policy that guards ``objective``: ``base``'s tiers whatever its window (a burn
    rate is a pace relative to the objective; see the module docstring), the one place
    that decides it for ``slo``, the rules, the backtest and the report."""
    del objective  # the tiers do not depend on the window (the module docstring says why)
    return base


def severities(value: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """``page``, ``ticket``, both (a list or comma-separated text)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = tuple(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))
    if not chosen or any(s not in SEVERITIES for s in chosen):
        raise InvalidParameterError(
            "tiers", f"tiers must be page, ticket or page,ticket, e.g. tiers=page; got {value!r}"
        )
    return chosen


def describe(tier: Tier) -> str:
    """``page: burn rate > 14.4 over 1h and 5m``."""
    return (
        f"{tier.severity}: burn rate > {tier.burn_rate:g} over {tier.long_window} "
        f"and {tier.short_window}"
    )
