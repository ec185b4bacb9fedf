"""``p95kit.slo_backtest``: what the generated alerting rules would have fired, over the past.

The rules of :func:`p95kit.slo_rules` (same parameters) replayed over ``duration`` before
``end``: one range of raw counter samples is fetched (the threshold bucket's series and the
``_count`` series, from the first evaluation minus the longest window to ``end``,
:mod:`p95kit.slo.raw_samples`), and Prometheus's arithmetic is replayed in numpy for every
evaluation and window (:mod:`p95kit.slo.replay`, :mod:`p95kit.slo.extrapolated_rate`), not
one query per evaluation step.

**What it matches.** A Prometheus 2.x evaluating the generated rule group every ``step`` at
multiples of ``step`` in unix time (as ``promtool test rules`` does from its time 0), on the
same samples: the same alerts at the same evaluations. A live Prometheus evaluates a group at
its own offset inside the interval (a hash of the group's name and file), so its episodes start
and end up to one ``step`` later. Sums over several series of one model are added in the order
Prometheus answered them; its ``sum`` follows storage order, so at an exact tie with a
threshold the last bit of a sum may differ. An alert already firing at the first evaluation
starts there (``started`` is the range's first evaluation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from p95kit.durations import normalize_duration, parse_duration
from p95kit.prometheus.client import Prometheus, connect
from p95kit.slo.episodes import episodes
from p95kit.slo.raw_samples import fetch_raw, ms
from p95kit.slo.replay import Families, replay
from p95kit.slo.rules import draft, resolve
from p95kit.times import parse_time


def slo_backtest(
    metric_name: str = "request_duration_seconds",
    threshold_ms: float | None = None,
    objective: float = 99.0,
    window: str = "30d",
    model_label: str = "model",
    prometheus_url: str | None = None,
    client: Prometheus | None = None,
    *,
    duration: str = "30d",
    end: datetime | float | str | None = None,
    step: str | None = None,
    tiers: Sequence[str] | str = ("page", "ticket"),
    min_bad_requests: float = 3,
    nearest_bucket: bool = False,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    unit: str = "auto",
    name: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every alert episode the SLO's rules (:func:`p95kit.slo_rules`, same parameters) would
    have fired over ``duration`` before ``end`` (default now), evaluated every ``step``
    (default ``1m``, the rules' own interval), at multiples of ``step``.

    One row per episode, sorted by model, then ``started``: ``model`` (str), ``severity``
    (``page`` or ``ticket``), ``long_window`` and ``short_window`` (the tier), ``started``
    (datetime64[ns, UTC], the first evaluation that fired), ``ended`` (the first evaluation
    that no longer fired; NaT while still firing at the last evaluation), ``peak_burn_rate``
    (float64, the highest burn rate over the long window while it fired: the alert's value).
    ``frame.attrs`` holds the parameters, ``models`` (every model evaluated, with or without
    episodes), ``evaluations``, ``first_evaluation``/``last_evaluation`` (unix s), ``step``,
    ``threshold_bucket_ms``, ``note`` (a moved threshold) and the ``query`` fetched.
    """
    d = draft(
        metric_name,
        threshold_ms,
        objective,
        window,
        model_label,
        step=step,
        tiers=tiers,
        min_bad_requests=min_bad_requests,
        nearest_bucket=nearest_bucket,
        models=models,
        selector=selector,
        unit=unit,
        name=name,
    )
    span_text, span = normalize_duration(duration, "duration")
    step_s = parse_duration(d.step, "step")
    last = math.floor(parse_time(end, "end") / step_s) * step_s
    count = max(1, math.floor(span / step_s + 1e-9))
    evals = np.array([ms(last - (count - 1 - k) * step_s) for k in range(count)], dtype=np.int64)
    longest = max((parse_duration(w, "window") for w in d.policy.windows()), default=0.0)
    first = evals[0] / 1000 - longest
    with connect(prometheus_url, client) as prom:
        rules = resolve(d, prom, first, last)
        raw = fetch_raw(prom, rules.raw_selector(), first, last, progress=progress)
    fam = Families.of(rules, raw)
    frame = episodes(rules, fam.models, evals, replay(rules, fam, evals))
    frame.attrs.update(
        {
            "metric_name": rules.target.metric_name,
            "model_label": rules.target.model_label,
            "threshold_ms": d.objective.threshold_ms,
            "threshold_bucket_ms": rules.bucket.bound_ms,
            "objective": d.objective.objective,
            "window": d.objective.window,
            "duration": span_text,
            "step": d.step,
            "tiers": list(dict.fromkeys(t.severity for t in rules.policy.tiers)),
            "min_bad_requests": rules.policy.min_bad_requests,
            "models": fam.models,
            "evaluations": int(count),
            "first_evaluation": float(evals[0] / 1000),
            "last_evaluation": float(evals[-1] / 1000),
            "note": rules.bucket.note,
            "slo": rules.name,
            "query": rules.raw_selector(),
        }
    )
    return frame
