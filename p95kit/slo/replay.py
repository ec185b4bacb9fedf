"""The rules of a :class:`~p95kit.slo.rule_set.RuleSet` evaluated over raw samples, in numpy.

At every evaluation time, what Prometheus computes for the group: per window, the error ratio
per model (``rate`` of the ``_count`` series and of the threshold bucket's series, summed by
the model label in answer order, ``(total - good) / total`` where ``total > 0``), per long
window the bad requests (the same with ``increase``), and per tier whether the alert's
expression has a sample (both burn rates above the tier's and the guard reached) with the long
window's burn rate (the alert's value). Evaluations are done a block at a time, so memory
stays bounded by the series times the block, not the whole range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from p95kit.durations import parse_duration
from p95kit.slo.extrapolated_rate import Series, extrapolated, sum_in_order
from p95kit.slo.raw_samples import RawSeries
from p95kit.slo.rule_set import RuleSet

#: Series x evaluations computed at once.
BLOCK_CELLS = 2_000_000


@dataclass
class Families:
    """The raw series split by family and grouped by model: ``models`` sorted, and for each
    family the :class:`Series` and each model's members (indexes, in answer order)."""

    models: list[str]
    counts: list[Series]
    count_members: list[list[int]]
    buckets: list[Series]
    bucket_members: list[list[int]]

    @classmethod
    def of(cls, rules: RuleSet, raw: list[RawSeries]) -> Families:
        label = rules.target.model_label
        count_name = f"{rules.target.metric_name}_count"
        models = sorted({s.labels.get(label, "") for s in raw})
        where = {m: i for i, m in enumerate(models)}
        counts, buckets = [], []
        count_members: list[list[int]] = [[] for _ in models]
        bucket_members: list[list[int]] = [[] for _ in models]
        for item in raw:
            model = where[item.labels.get(label, "")]
            if item.labels.get("__name__") == count_name:
                count_members[model].append(len(counts))
                counts.append(Series(item.stamps, item.values))
            else:
                bucket_members[model].append(len(buckets))
                buckets.append(Series(item.stamps, item.values))
        return cls(models, counts, count_members, buckets, bucket_members)

    def per_model(self, evals: np.ndarray, range_ms: int, is_rate: bool) -> tuple:
        """``(total, good)`` per model and evaluation (NaN: no result)."""
        total = np.array([extrapolated(s, evals, range_ms, is_rate) for s in self.counts])
        good = np.array([extrapolated(s, evals, range_ms, is_rate) for s in self.buckets])
        shape = (0, len(evals))
        total = sum_in_order(
            total.reshape(-1, len(evals)) if len(total) else np.empty(shape), self.count_members
        )
        good = sum_in_order(
            good.reshape(-1, len(evals)) if len(good) else np.empty(shape), self.bucket_members
        )
        return total, good


def error_ratio(fam: Families, evals: np.ndarray, window: str) -> np.ndarray:
    """``p95kit_slo:error_ratio:rate<window>`` per model and evaluation (NaN: no sample)."""
    total, good = fam.per_model(evals, _ms(window), True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (total - good) / total, np.nan)


def bad_requests(fam: Families, evals: np.ndarray, window: str) -> np.ndarray:
    """``p95kit_slo:bad_requests:increase<window>`` per model and evaluation."""
    total, good = fam.per_model(evals, _ms(window), False)
    return total - good


@dataclass
class Firing:
    """Per tier (in the policy's order): ``fires`` (models x evaluations, bool) and, in the
    order of ``np.nonzero(fires)``, the long window's burn rate at each firing evaluation."""

    fires: list[np.ndarray]
    burns: list[np.ndarray]


def replay(rules: RuleSet, fam: Families, evals: np.ndarray) -> Firing:
    """Evaluate every tier of ``rules`` at ``evals`` (int64 ms), a block at a time."""
    tiers = rules.policy.tiers
    size = max(256, BLOCK_CELLS // max(1, len(fam.counts) + len(fam.buckets)))
    fires = [np.zeros((len(fam.models), len(evals)), dtype=bool) for _ in tiers]
    cells: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in tiers]
    for begin in range(0, len(evals), size):
        block = evals[begin : begin + size]
        ratios = {w: error_ratio(fam, block, w) for w in rules.ratio_windows()}
        bad = {w: bad_requests(fam, block, w) for w in rules.guard_windows()}
        for index, tier in enumerate(tiers):
            with np.errstate(invalid="ignore"):
                burn = ratios[tier.long_window] / rules.budget
                fire = (burn > tier.burn_rate) & (
                    ratios[tier.short_window] / rules.budget > tier.burn_rate
                )
                if rules.guard:
                    fire &= bad[tier.long_window] >= rules.guard
            fires[index][:, begin : begin + size] = fire
            rows, cols = np.nonzero(fire)
            cells[index].append((rows, cols + begin, burn[rows, cols]))
    burns = []
    for parts in cells:
        rows = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
        cols = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)
        values = np.concatenate([p[2] for p in parts]) if parts else np.empty(0)
        burns.append(values[np.lexsort((cols, rows))])
    return Firing(fires, burns)


def _ms(window: str) -> int:
    return round(parse_duration(window, "window") * 1000)
