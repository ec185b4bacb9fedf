"""One SLO's alerting rules, decided once: what :func:`p95kit.slo_rules` writes and what
:func:`p95kit.slo_backtest` replays.

A :class:`RuleSet` holds the validated SLO (:class:`~p95kit.slo.policy.Objective`), the policy
(tiers and low-traffic guard), the threshold's bucket bound
(:class:`~p95kit.slo.bucket_bound.BucketBound`) and the evaluation ``step``; its methods give
the PromQL of every rule. Per window ``W`` the policy reads, and per model::

    p95kit_slo:error_ratio:rate<W> =
        (sum by (model) (rate(X_count[W])) - sum by (model) (rate(X_bucket{le=~"T"}[W])))
        / (sum by (model) (rate(X_count[W])) > 0)

(the ``> 0`` drops a model without traffic: no sample, so no alert and never NaN), per long
window with the guard on ``p95kit_slo:bad_requests:increase<W>`` (the same difference with
``increase``), and per tier one alerting rule ``P95kitLatencyBudgetBurn``::

    error_ratio:rate<long> / (1 - objective/100) > burn
    and error_ratio:rate<short> / (1 - objective/100) > burn
    and bad_requests:increase<long> >= min_bad_requests - 0.5

whose value is the long window's burn rate. Every rule carries ``slo="<name>"``, so several
SLOs can share a Prometheus. Numbers are written with ``repr``, so Prometheus parses exactly
the floats the backtest compares with.
"""

from __future__ import annotations

from dataclasses import dataclass

from p95kit.durations import normalize_duration
from p95kit.errors import InvalidParameterError
from p95kit.query import promql
from p95kit.query.target import Target
from p95kit.slo.bucket_bound import BucketBound
from p95kit.slo.policy import Objective, Policy, Tier

ALERT_NAME = "P95kitLatencyBudgetBurn"
RATIO_RECORD = "p95kit_slo:error_ratio:rate"
BAD_RECORD = "p95kit_slo:bad_requests:increase"
#: Labels the rules set themselves: a model label of the same name would be overwritten.
RULE_LABELS = ("slo", "severity", "long_window", "short_window", "alertname")
DEFAULT_STEP = "1m"


@dataclass(frozen=True)
class RuleSet:
    """The rules of one SLO (see the module): ``name`` is the ``slo`` label's value."""

    target: Target
    objective: Objective
    policy: Policy
    bucket: BucketBound
    step: str = DEFAULT_STEP
    name: str = ""

    # -- selectors ---------------------------------------------------------------------------

    def count_selector(self) -> str:
        return promql.series_selector(self.target, "_count")

    def bucket_selector(self) -> str:
        return promql.series_selector(self.target, "_bucket", self.bucket.matcher)

    def raw_selector(self) -> str:
        """Both counter families in one selector (``le`` empty is the ``_count``): what the
        backtest fetches raw."""
        name = promql.regex_literal(self.target.metric_name)
        base = promql.series_selector(self.target)[len(self.target.metric_name) + 1 : -1]
        le = promql.string_literal(self.bucket.regex + "|")
        return f'{{__name__=~"{name}_bucket|{name}_count", {base}, le=~{le}}}'

    # -- numbers as written ------------------------------------------------------------------

    @property
    def budget_text(self) -> str:
        """``(1 - 0.99)``: the budget share, as Prometheus computes it."""
        return f"(1 - {self.objective.objective / 100.0!r})"

    @property
    def budget(self) -> float:
        return 1 - self.objective.objective / 100.0

    @property
    def guard(self) -> float:
        return self.policy.guard_threshold()

    # -- rules -------------------------------------------------------------------------------

    def ratio_windows(self) -> tuple[str, ...]:
        return self.policy.windows()

    def guard_windows(self) -> tuple[str, ...]:
        if not self.guard:
            return ()
        return tuple(dict.fromkeys(t.long_window for t in self.policy.tiers))

    def error_ratio(self, window: str) -> str:
        label = self.target.model_label
        total = f"sum by ({label}) (rate({self.count_selector()}[{window}]))"
        good = f"sum by ({label}) (rate({self.bucket_selector()}[{window}]))"
        return f"(\n  {total}\n  -\n  {good}\n)\n/\n({total} > 0)"

    def bad_requests(self, window: str) -> str:
        label = self.target.model_label
        total = f"sum by ({label}) (increase({self.count_selector()}[{window}]))"
        good = f"sum by ({label}) (increase({self.bucket_selector()}[{window}]))"
        return f"{total}\n-\n{good}"

    def alert(self, tier: Tier) -> str:
        slo = f"{{slo={promql.string_literal(self.name)}}}"
        burn = repr(float(tier.burn_rate))
        lines = [
            f"{RATIO_RECORD}{tier.long_window}{slo} / {self.budget_text} > {burn}",
            f"and {RATIO_RECORD}{tier.short_window}{slo} / {self.budget_text} > {burn}",
        ]
        if self.guard:
            lines.append(f"and {BAD_RECORD}{tier.long_window}{slo} >= {self.guard!r}")
        return "\n".join(lines)

    def group(self) -> dict:
        """The rule group (a dict for YAML): recording rules first, then the alerts, in one
        group, so each alert reads the ratios recorded at the same evaluation."""
        labels = {"slo": self.name}
        rules: list[dict] = [
            {"record": f"{RATIO_RECORD}{w}", "expr": self.error_ratio(w), "labels": labels}
            for w in self.ratio_windows()
        ]
        rules += [
            {"record": f"{BAD_RECORD}{w}", "expr": self.bad_requests(w), "labels": labels}
            for w in self.guard_windows()
        ]
        label = self.target.model_label
        for tier in self.policy.tiers:
            spent = tier.budget_spent(self.objective.window_s) * 100
            rules.append(
                {
                    "alert": ALERT_NAME,
                    "expr": self.alert(tier),
                    "labels": {
                        "severity": tier.severity,
                        "long_window": tier.long_window,
                        "short_window": tier.short_window,
                    },
                    "annotations": {
                        "summary": (
                            f"{{{{ $labels.{label} }}}}: latency budget burning "
                            f'{{{{ printf "%.1f" $value }}}}x too fast over '
                            f"{tier.long_window} and {tier.short_window}"
                        ),
                        "description": (
                            f"{self.describe()}. Burn rate over {tier.long_window} and "
                            f"{tier.short_window} above {tier.burn_rate:g}: {spent:.3g} % of "
                            f"the {self.objective.window} budget spent when this fires."
                        ),
                    },
                }
            )
        return {"name": f"p95kit-slo-{self.name}", "interval": self.step, "rules": rules}

    def describe(self) -> str:
        """``99 % of request_duration_seconds requests at or under 2000 ms over 30d``."""
        o = self.objective
        return (
            f"SLO {self.name}: {o.objective:g} % of {self.target.metric_name} requests at or "
            f"under {self.bucket.bound_ms:g} ms over {o.window}, per {self.target.model_label}"
        )


def make_step(step: str | None) -> str:
    """The evaluation interval (``1m`` when None)."""
    return normalize_duration(step or DEFAULT_STEP, "step")[0]


def default_name(target: Target, bucket: BucketBound, objective: Objective) -> str:
    """``request_duration_seconds-2000ms-99``: the ``slo`` label's value."""
    return f"{target.metric_name}-{bucket.bound_ms:g}ms-{objective.objective:g}"


def check_model_label(target: Target) -> None:
    if target.model_label in RULE_LABELS:
        raise InvalidParameterError(
            "model_label",
            f"model_label {target.model_label!r} is a label the rules set themselves "
            f"({', '.join(RULE_LABELS)}); relabel it in Prometheus first",
        )
    if target.histogram not in ("auto", "classic"):
        raise InvalidParameterError(
            "histogram",
            "SLO rules count requests from a classic histogram's buckets (_bucket with le); "
            f"got histogram={target.histogram!r}",
        )


def name_of(value: str | None, default: str) -> str:
    """A validated ``slo`` label value (letters, digits, ``_ . : -``)."""
    if value is None:
        return default
    text = str(value)
    allowed = all(c.isascii() and (c.isalnum() or c in "_.:-") for c in text)
    if not text or len(text) > 120 or not allowed:
        raise InvalidParameterError(
            "name", f"name must be letters, digits, _ . : or -, e.g. chat-latency; got {value!r}"
        )
    return text
