"""Each model's two sides as one comparison: shared bounds, the frame of verdicts.

:func:`compare_frame` takes each side's histogram per model (one
:class:`~p95kit.query.histogram.Histogram` row; missing when the side had no series),
puts both on the bucket bounds they share (:func:`on_shared_bounds`: cumulative counts at a
shared bound are exact, so nothing is guessed; the reason says when bounds differ), decides
every model with the same bounds at once (:func:`p95kit.compare.verdicts.decide`) and
returns one row per model, traffic or not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from p95kit.compare import reasons
from p95kit.compare.verdicts import INCONCLUSIVE, Rules, decide
from p95kit.query.histogram import SAME_BOUND, Histogram

#: The frame's columns (CONTRACT section 12), then the evidence behind each verdict.
COLUMNS = (
    "model",
    "requests_baseline",
    "requests_candidate",
    "p50_baseline",
    "p50_candidate",
    "p95_baseline",
    "p95_candidate",
    "p99_baseline",
    "p99_candidate",
    "p95_change_pct",
    "p_value",
    "verdict",
    "reason",
    "power",
    "requests_needed_baseline",
    "requests_needed_candidate",
    "tail_bound_ms",
    "tail_share_baseline",
    "tail_share_candidate",
    "prob_candidate_slower",
)
TEXT_COLUMNS = ("model", "verdict", "reason")


def on_shared_bounds(baseline: Histogram, candidate: Histogram) -> tuple[Histogram, Histogram, str]:
    """Both one-row histograms on the bounds both have (matched as numbers), and a note
    (empty when the bounds were the same)."""
    if len(baseline.bounds) == len(candidate.bounds) and np.allclose(
        baseline.bounds, candidate.bounds, rtol=SAME_BOUND, atol=0.0
    ):
        return baseline, candidate, ""
    close = np.isclose(
        baseline.bounds[:, None], candidate.bounds[None, :], rtol=SAME_BOUND, atol=0.0
    )
    keep_b, keep_c = np.nonzero(close)
    note = (
        f"the sides' bucket bounds differ ({len(baseline.bounds)} and "
        f"{len(candidate.bounds)} buckets): compared on the {len(keep_b)} bounds both have; "
    )
    return _reduced(baseline, keep_b), _reduced(candidate, keep_c), note


def compare_frame(
    models: Sequence[str],
    baseline: Mapping[str, Histogram],
    candidate: Mapping[str, Histogram],
    rules: Rules,
) -> pd.DataFrame:
    """One row per model of ``models`` (sorted), columns :data:`COLUMNS`. A model whose
    side is missing from ``baseline``/``candidate`` had no series there: zero requests.

    ``frame.attrs["buckets"]`` holds what was compared, per model with traffic:
    ``{model: {"lower_ms": [...], "upper_ms": [...], "baseline": [requests per bucket],
    "candidate": [...]}}`` on the bounds both sides share (what :func:`p95kit.plot_compare`
    draws; plain lists, so the frame's ``attrs`` stay comparable and JSON-able)."""
    names = sorted(set(models))
    rows = {name: _empty_row(name) for name in names}
    drawn = {}
    groups: dict[tuple[float, ...], list[tuple[str, Histogram, Histogram, str]]] = {}
    for name in names:
        base, cand = baseline.get(name), candidate.get(name)
        if base is None and cand is None:
            continue
        base = base if base is not None else _zeros_like(cand)
        cand = cand if cand is not None else _zeros_like(base)
        base, cand, note = on_shared_bounds(base, cand)
        drawn[name] = _buckets(base, cand)
        groups.setdefault(tuple(base.bounds), []).append((name, base, cand, note))
    for members in groups.values():
        first = members[0][1]
        stacked = [
            Histogram.of(
                first.bounds,
                np.vstack([m[side].cumulative for m in members]),
                np.concatenate([m[side].sums for m in members]),
                scale=first.scale,
            )
            for side in (1, 2)
        ]
        if not stacked[0].valid:
            for name, *_ in members:
                rows[name]["reason"] = f"{reasons.COARSE}: the sides share no usable bucket"
            continue
        decision = decide(stacked[0], stacked[1], rules)
        for index, (name, _, _, note) in enumerate(members):
            rows[name].update(_row(decision, index, note))
    frame = pd.DataFrame([rows[name] for name in names], columns=list(COLUMNS))
    numeric = [c for c in COLUMNS if c not in TEXT_COLUMNS]
    frame[numeric] = frame[numeric].astype(np.float64)
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].astype("str")
    frame.attrs["buckets"] = drawn
    return frame


def _row(decision, index: int, note: str) -> dict:
    low_b, low_c = decision.percentiles_baseline[index], decision.percentiles_candidate[index]
    return {
        "requests_baseline": decision.requests_baseline[index],
        "requests_candidate": decision.requests_candidate[index],
        "p50_baseline": low_b[0],
        "p50_candidate": low_c[0],
        "p95_baseline": low_b[1],
        "p95_candidate": low_c[1],
        "p99_baseline": low_b[2],
        "p99_candidate": low_c[2],
        "p95_change_pct": decision.change[index] * 100,
        "p_value": decision.p_value[index],
        "verdict": decision.verdict[index],
        "reason": note + decision.reason[index],
        "power": decision.power[index],
        "requests_needed_baseline": decision.needed_baseline[index],
        "requests_needed_candidate": decision.needed_candidate[index],
        "tail_bound_ms": decision.bound_ms[index],
        "tail_share_baseline": decision.share_baseline[index],
        "tail_share_candidate": decision.share_candidate[index],
        "prob_candidate_slower": decision.theta[index],
    }


def _empty_row(name: str) -> dict:
    row: dict = {column: np.nan for column in COLUMNS}
    row.update(
        model=name,
        requests_baseline=0.0,
        requests_candidate=0.0,
        verdict=INCONCLUSIVE,
        reason=reasons.no_requests("either"),
    )
    return row


def _buckets(baseline: Histogram, candidate: Histogram) -> dict[str, list[float]]:
    return {
        "lower_ms": (baseline.lowers * baseline.scale).tolist(),
        "upper_ms": (baseline.bounds * baseline.scale).tolist(),
        "baseline": baseline.counts[0].tolist(),
        "candidate": candidate.counts[0].tolist(),
    }


def _zeros_like(hist: Histogram) -> Histogram:
    return Histogram.of(hist.bounds, np.zeros_like(hist.cumulative), scale=hist.scale)


def _reduced(hist: Histogram, keep: np.ndarray) -> Histogram:
    return Histogram.of(hist.bounds[keep], hist.cumulative[:, keep], hist.sums, scale=hist.scale)
