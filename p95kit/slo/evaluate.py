"""One SLO judged at one time: the window's counts, the burn windows', budgets, burn, status.

:func:`evaluate` asks two questions, whatever the number of models (three requests: the
burn query's ``le`` spellings are looked up first), at once:

1. the SLO window's histogram of every model (:func:`p95kit.query.window_histograms.fetch`:
   one query, every bucket and the ``_sum``; split by that module when a backend's sample
   limit needs it): requests, the good share as the estimator reads it and the interval the
   counts prove;
2. the burn windows' counts (:mod:`p95kit.slo.burn_windows`: one query for the seven
   windows, two buckets per model when the threshold is a bound).

:func:`combine` turns those answers into an :class:`Evaluation`: every window a ratio of
sums over its requests, never an average of ratios. When the threshold lies between bucket
bounds the burn rates, like the budget, use the estimator's share (by default ``smooth``:
closest to the truth, always inside what the counts prove); the proven interval of the SLO
window is kept beside it (``good_share_low``/``high``). All windows end at ``at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.fanout import run_all
from p95kit.query import frames, window_histograms
from p95kit.query.histogram import Share
from p95kit.query.target import Target
from p95kit.query.window_histograms import WindowHistograms
from p95kit.slo import budget, burn_windows
from p95kit.slo.budget import Firing, WindowCounts
from p95kit.slo.policy import Objective, Policy

#: The burn rates every SLO frame carries (``burn_rate_1h``, ``burn_rate_6h``).
FRAME_WINDOWS = ("1h", "6h")
#: The float64 shares, budget and burn rates of :func:`p95kit.slo`'s frame (JSON rounds
#: them alike; a report's summary carries them).
RATIO_COLUMNS = (
    "good_share",
    "good_share_low",
    "good_share_high",
    "budget_remaining",
    *(f"burn_rate_{w}" for w in FRAME_WINDOWS),
)
#: The columns of :func:`p95kit.slo`'s frame, in order.
COLUMNS = (
    "model",
    "requests",
    "good_share",
    "good_share_low",
    "good_share_high",
    "objective",
    "budget_remaining",
    *(f"burn_rate_{w}" for w in FRAME_WINDOWS),
    "status",
    "timestamp",
    "threshold_ms",
    "window",
)


@dataclass
class Evaluation:
    """An SLO judged at ``when`` for each of ``models`` (sorted).

    ``requests`` and ``share`` are over the SLO window; ``windows`` holds each burn window's
    counts (aligned with ``models``); ``firing`` the tiers that fire; ``bounds`` per model
    ``(bound below, bound above)`` in ms around the threshold (equal when it is a bound, NaN
    where none); ``queries`` the PromQL asked."""

    objective: Objective
    policy: Policy
    estimator: str
    when: float
    models: list[str]
    requests: np.ndarray
    share: Share
    windows: dict[str, WindowCounts]
    firing: list[Firing]
    bounds: np.ndarray
    queries: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> np.ndarray:
        """Budget remaining per model (1.0 without requests)."""
        return budget.budget_remaining(self.share.estimate, self.requests, self.objective.budget)

    def burn(self, window: str) -> np.ndarray:
        """The burn rate per model over one of the burn windows."""
        return budget.burn_rate(self.windows[window], self.objective.budget)

    def status(self) -> np.ndarray:
        """``no traffic``, ``burning``, ``exhausted`` or ``ok`` per model."""
        burning = np.isin(self.models, [f.model for f in self.firing])
        return budget.status(self.requests, self.remaining, burning)

    def frame(self) -> pd.DataFrame:
        """The :func:`p95kit.slo` frame (without its ``attrs``)."""
        n = len(self.models)
        columns = {
            "model": pd.Series(self.models, dtype="str"),
            "requests": self.requests,
            "good_share": self.share.estimate,
            "good_share_low": self.share.low,
            "good_share_high": self.share.high,
            "objective": np.full(n, self.objective.objective),
            "budget_remaining": self.remaining,
            **{f"burn_rate_{w}": self.burn(w) for w in FRAME_WINDOWS},
            "status": pd.Series(self.status(), dtype="str"),
            "timestamp": frames.to_timestamps(np.full(n, self.when)),
            "threshold_ms": np.full(n, self.objective.threshold_ms),
            "window": pd.Series([self.objective.window] * n, dtype="str"),
        }
        frame = pd.DataFrame({k: _values(v) for k, v in columns.items()})
        return frame[list(COLUMNS)]

    def burn_frame(self) -> pd.DataFrame:
        """The :func:`p95kit.burn_rates` frame (without its ``attrs``): one row per model and
        window, shortest window first."""
        rows = {k: [] for k in ("model", "window", "requests", "bad_requests", "good_share")}
        rates = []
        for w, counts in self.windows.items():
            rows["model"] += self.models
            rows["window"] += [w] * len(self.models)
            rows["requests"].append(counts.requests)
            rows["bad_requests"].append(budget.bad_requests(counts))
            rows["good_share"].append(counts.good)
            rates.append(self.burn(w))
        frame = pd.DataFrame(
            {
                "model": pd.Series(rows["model"], dtype="str"),
                "window": pd.Series(rows["window"], dtype="str"),
                **{k: _concat(rows[k]) for k in ("requests", "bad_requests", "good_share")},
                "burn_rate": _concat(rates),
            }
        )
        frame["timestamp"] = frames.to_timestamps(np.full(len(frame), self.when))
        order = {w: i for i, w in enumerate(self.windows)}
        frame["_order"] = frame["window"].map(order)
        frame = frame.sort_values(["model", "_order"], kind="stable").drop(columns="_order")
        return frame.reset_index(drop=True)


def _values(value):
    return value.to_numpy() if isinstance(value, (pd.Series, pd.Index)) else value


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)


def burn_windows_of(policy: Policy) -> tuple[str, ...]:
    """The policy's windows plus those every frame shows, shortest first."""
    from p95kit.durations import parse_duration

    found = {*policy.windows(), *FRAME_WINDOWS}
    return tuple(sorted(found, key=lambda w: parse_duration(w, "window")))


def evaluate(
    prom: Prometheus,
    target: Target,
    objective: Objective,
    when: float,
    estimator: str,
    policy: Policy,
) -> Evaluation:
    """Fetch both answers at once (see the module) and :func:`combine` them."""
    hist, burn = run_all(
        [
            lambda: window_histograms.fetch(
                prom, burn_windows.classic(target), objective.window, when
            ),
            lambda: fetch_burn(prom, target, objective, when, policy),
        ],
        workers=2,
    )
    return combine(hist, burn, objective, policy, estimator, when)


def fetch_burn(
    prom: Prometheus, target: Target, objective: Objective, when: float, policy: Policy
) -> burn_windows.BurnWindows:
    """The burn windows' counts for ``objective`` (see :mod:`p95kit.slo.burn_windows`)."""
    from p95kit.durations import parse_duration

    windows = burn_windows_of(policy)
    longest = max(parse_duration(w, "window") for w in windows)
    return burn_windows.fetch(prom, target, objective.threshold_ms, windows, when, longest)


def combine(
    hist: WindowHistograms | None,
    burn: burn_windows.BurnWindows,
    objective: Objective,
    policy: Policy,
    estimator: str,
    when: float,
) -> Evaluation:
    """The :class:`Evaluation` of the SLO window's histograms (None or empty: no models)
    and the burn windows' counts."""
    threshold = objective.threshold_ms
    if hist is None or not hist.models:
        models: list[str] = []
        requests = np.empty(0)
        share = Share(np.empty(0), np.empty(0), np.empty(0))
        bounds = np.empty((0, 2))
        queries = {"window": hist.query if hist is not None else ""}
        warnings, infos = [], []
    else:
        models = hist.models
        requests = np.nan_to_num(hist.requests(), nan=0.0)
        share = hist.shares(threshold, estimator)
        bounds = _bounds(hist, threshold)
        queries = {"window": hist.query}
        warnings, infos = list(hist.warnings), list(hist.infos)
    windows = {w: _counts(models, h, threshold, estimator) for w, h in burn.histograms.items()}
    unknown = sorted({m for c in windows.values() for m in _unknown(models, c)})
    if unknown:
        warnings.append(
            f"no bucket at {threshold:g} ms in the burn windows for {', '.join(unknown)} (its "
            "bucket layout changed?): their burn rates are unknown (NaN) and fire no tier"
        )
    queries["burn"] = " ; ".join(burn.queries)
    fired = budget.firing(models, policy, windows, objective.budget)
    warnings += [w for w in burn.warnings if w not in warnings]
    infos += [i for i in burn.infos if i not in infos]
    return Evaluation(
        objective,
        policy,
        estimator,
        when,
        models,
        requests,
        share,
        windows,
        fired,
        bounds,
        queries,
        warnings,
        infos,
    )


def _counts(
    models: list[str], hist: WindowHistograms, threshold_ms: float, estimator: str
) -> WindowCounts:
    """One burn window's counts, in the order of ``models`` (0 requests where absent)."""
    position = {m: i for i, m in enumerate(hist.models)}
    rows = np.array([position.get(m, -1) for m in models], dtype=np.int64)
    found = rows >= 0
    requests, good = np.zeros(len(models)), np.full(len(models), np.nan)
    if hist.models and found.any():
        requests[found] = np.nan_to_num(hist.requests()[rows[found]], nan=0.0)
        good[found] = hist.shares(threshold_ms, estimator).estimate[rows[found]]
    return WindowCounts(requests, good)


def _unknown(models: list[str], counts: WindowCounts) -> list[str]:
    """Models with requests in a burn window but no share (no bucket bound there)."""
    return [m for m, r, g in zip(models, counts.requests, counts.good) if r > 0 and np.isnan(g)]


def _bounds(hist: WindowHistograms, threshold_ms: float) -> np.ndarray:
    """Per model ``(bound below, bound above)`` in ms (both the threshold when it is one)."""
    out = np.full((len(hist.models), 2), np.nan)
    for group in hist.groups:
        if group.hist.is_bound(threshold_ms):
            out[group.rows] = threshold_ms
        else:
            out[group.rows] = group.hist.nearest_bounds(threshold_ms)
    return out
