"""The report's comparison: per model, the two busiest values of a label (e.g. ``version``).

One query, ``sum by (le, <model>, <label>) (increase(...[W]))`` (``_sum`` included), gives
every model's buckets per label value (:func:`fetch_by_label`). Per model the busiest value
is the baseline and the second busiest the candidate (a canary usually takes the smaller
share of the traffic), and :func:`compare_busiest` decides them as :func:`p95kit.compare`
does. A model with one value only is a row too (``inconclusive``: nothing to compare with).
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd

from p95kit.compare.pairs import compare_frame
from p95kit.compare.verdicts import INCONCLUSIVE, Rules
from p95kit.prometheus.client import Prometheus
from p95kit.query import promql, window_histograms
from p95kit.query.histogram import Histogram
from p95kit.query.target import Target

#: The label the query's (model, value) pairs are keyed by while parsing (never sent).
_PAIR = "p95kit_pair"


def query(target: Target, label: str, window: str) -> str:
    """Bucket counts per ``le``, model and ``label`` value, and the ``_sum`` per model and
    value, over ``window``; series without ``label`` are left out."""
    classic = dataclasses.replace(target, histogram="classic")
    name = promql.regex_literal(target.metric_name)
    matchers = promql.series_selector(classic, extra=f'{label}!=""')[len(target.metric_name) + 1 :]
    families = f'{{__name__=~"{name}_bucket|{name}_sum", {matchers}'
    return f"sum by (le, {target.model_label}, {label}) (increase({families}[{window}]))"


def fetch_by_label(
    prom: Prometheus, target: Target, label: str, window: str, when: float
) -> dict[str, dict[str, Histogram]]:
    """``{model: {label value: its one-row histogram}}`` over the ``window`` before ``when``."""
    text = query(target, label, window)
    answer = prom.query(text, when)
    keyed = []
    for item in answer.result:
        metric = item.get("metric", {})
        key = json.dumps([metric.get(target.model_label, ""), metric.get(label, "")])
        kept = {_PAIR: key, **({"le": metric["le"]} if "le" in metric else {})}
        keyed.append({"metric": kept, "value": item.get("value")})
    pairs = dataclasses.replace(target, model_label=_PAIR, histogram="classic")
    hist = window_histograms.from_answer(keyed, pairs, window, when, text, answer)
    found: dict[str, dict[str, Histogram]] = {}
    for key in hist.models if hist is not None else []:
        one = hist.histogram(key)
        if one is not None:
            model, value = json.loads(key)
            found.setdefault(model, {})[value] = one
    return found


def compare_busiest(
    by_label: dict[str, dict[str, Histogram]], label: str, rules: Rules | None = None
) -> pd.DataFrame:
    """Per model, its busiest ``label`` value (baseline) against the second (candidate).

    Columns: ``model``, ``baseline_value``, ``candidate_value`` (str; empty when the model
    has fewer values with traffic), then :func:`p95kit.compare`'s columns after ``model``."""
    chosen: dict[str, tuple[str, str]] = {}
    baseline, candidate = {}, {}
    for model, values in by_label.items():
        ranked = sorted(values, key=lambda v: (-float(values[v].requests[0]), v))
        busy = [v for v in ranked if values[v].requests[0] > 0] or ranked[:1]
        chosen[model] = (busy[0], busy[1] if len(busy) > 1 else "")
        baseline[model] = values[busy[0]]
        if len(busy) > 1:
            candidate[model] = values[busy[1]]
    frame = compare_frame(list(by_label), baseline, candidate, rules or Rules())
    frame.insert(1, "baseline_value", [chosen[m][0] for m in frame["model"]])
    frame.insert(2, "candidate_value", [chosen[m][1] for m in frame["model"]])
    single = (frame["candidate_value"] == "") & (frame["requests_baseline"] > 0)
    frame.loc[single, "verdict"] = INCONCLUSIVE
    frame.loc[single, "reason"] = (
        f"only one {label} value had traffic in the window: nothing to compare it with"
    )
    frame["baseline_value"] = frame["baseline_value"].astype("str")
    frame["candidate_value"] = frame["candidate_value"].astype("str")
    frame.attrs["compare_label"] = label
    return frame
