"""Threshold advice: is the SLO's threshold a bucket bound, and how sure is each share?

The tools people use for latency SLOs (Sloth, Pyrra, Grafana SLO, slo-generator) all read the
SLI as ``bucket{le="T"} / count``: the threshold must be an exported bucket bound. p95kit
answers any threshold, but only at a bound does it know the share exactly; between two
bounds the counts prove an interval (the shares at the bounds on either side) and the
estimate is a guess inside it. :func:`slo_advice` says, per model, which it is, the nearest
bounds (where a threshold would be exact) and how wide the uncertainty is, in share and in
budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from p95kit.errors import InvalidParameterError

#: The columns of :func:`slo_advice`'s frame, in order.
COLUMNS = (
    "model",
    "threshold_ms",
    "is_bound",
    "bound_below_ms",
    "bound_above_ms",
    "good_share_low",
    "good_share_high",
    "uncertainty",
    "budget_remaining_low",
    "budget_remaining_high",
)


def slo_advice(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model of a :func:`p95kit.slo` frame, what its buckets say about the threshold.

    Columns (``metric_name`` first for a :func:`p95kit.slo_metrics` frame): ``model``
    (str), ``threshold_ms`` (float64), ``is_bound`` (bool: the threshold is one of the
    model's bucket bounds, so its shares are exact), ``bound_below_ms`` and
    ``bound_above_ms`` (float64 ms: the nearest bounds under and over it; both the
    threshold itself when it is a bound; NaN where there is none, or for a model without
    buckets), ``good_share_low`` and ``good_share_high`` (what the counts prove),
    ``uncertainty`` (their difference: 0 at a bound), ``budget_remaining_low`` and
    ``budget_remaining_high`` (the budget each end of the interval leaves: how far the
    estimate could be from the truth in budget terms)."""
    if frame.attrs.get("kind") not in KINDS or "bounds" not in frame.attrs:
        raise InvalidParameterError(
            "frame",
            "slo_advice needs a frame returned by p95kit.slo or p95kit.slo_metrics "
            "(its attrs['bounds'])",
        )
    keyed = "metric_name" in frame.columns
    bounds = {
        _key(b, keyed): (b["bound_below_ms"], b["bound_above_ms"]) for b in frame.attrs["bounds"]
    }
    keys = [_key(row, keyed) for row in frame.to_dict("records")]
    found = [bounds.get(k, (np.nan, np.nan)) for k in keys]
    below = np.array([f[0] for f in found], dtype=np.float64)
    above = np.array([f[1] for f in found], dtype=np.float64)
    threshold = frame["threshold_ms"].to_numpy(dtype=np.float64)
    low = frame["good_share_low"].to_numpy(dtype=np.float64)
    high = frame["good_share_high"].to_numpy(dtype=np.float64)
    share = 1.0 - frame["objective"].to_numpy(dtype=np.float64) / 100.0
    traffic = frame["requests"].to_numpy(dtype=np.float64) > 0
    with np.errstate(invalid="ignore"):
        left_low = np.where(traffic, 1.0 - (1.0 - low) / share, 1.0)
        left_high = np.where(traffic, 1.0 - (1.0 - high) / share, 1.0)
    out = pd.DataFrame(
        {
            **({"metric_name": frame["metric_name"].to_numpy()} if keyed else {}),
            "model": frame["model"].astype("str").to_numpy(),
            "threshold_ms": threshold,
            "is_bound": (below == threshold) & (above == threshold),
            "bound_below_ms": below,
            "bound_above_ms": above,
            "good_share_low": low,
            "good_share_high": high,
            "uncertainty": high - low,
            "budget_remaining_low": left_low,
            "budget_remaining_high": left_high,
        }
    )
    out["model"] = out["model"].astype("str")
    return out[(["metric_name"] if keyed else []) + list(COLUMNS)]


#: The frames :func:`slo_advice` reads.
KINDS = ("slo", "slo_metrics")


def bound_records(models: list[str], bounds: np.ndarray, metric: str | None = None) -> list[dict]:
    """``attrs["bounds"]`` of an SLO frame: per model the bounds around the threshold."""
    extra = {} if metric is None else {"metric_name": metric}
    return [
        {**extra, "model": m, "bound_below_ms": float(b[0]), "bound_above_ms": float(b[1])}
        for m, b in zip(models, bounds)
    ]


def _key(record: dict, keyed: bool) -> tuple:
    return (record["metric_name"], record["model"]) if keyed else (record["model"],)
