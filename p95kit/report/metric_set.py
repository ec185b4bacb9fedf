"""Several latency metrics in one report: one plan each, fetched together, saved side by side.

A report measures the metrics of ``metric_name`` (one name, several, or comma-separated text)
or of a ``preset`` (:mod:`p95kit.query.presets`), settings given winning over the preset
(None is "not given", even for a value equal to the defaults). The metrics' queries (four
each) go through one pool in metric order, three per metric for up to three metrics at a
time (:func:`~p95kit.prometheus.fanout.stream`), while the report draws the charts of the
metrics already in; each metric becomes a
:class:`~p95kit.report.data.ReportData`. The snapshot's top-level payloads keep the first
metric; every metric also gets ``metrics/<folder_name(metric)>/`` with its ``p95.json``,
``p95_range.json``, ``percentiles.json``, ``summary.json`` and ``chart.png``.

A metric without series is a warning when others have data (a preset lists metrics that
not every server exports); the report fails only when none has any.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from p95kit.errors import InvalidParameterError, MetricShapeError
from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.fanout import stream
from p95kit.query import presets, shapes
from p95kit.report.data import Plan, ReportData, assemble, plan, query_tasks
from p95kit.report.parameters import settings_from_notebook

log = logging.getLogger("p95kit")

METRICS_DIR = "metrics"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_SELECTION = ("preset", "metric_name", "model_label", "histogram", "unit")
#: Metrics fetched at once, three queries each: a report has at most 9 queries in flight
#: (Prometheus runs 20 at once by default).
METRICS_AT_ONCE = 3


def folder_name(metric: str) -> str:
    """``vllm:e2e_request_latency_seconds`` -> ``vllm_e2e_request_latency_seconds``: every
    character outside ``[A-Za-z0-9_.-]`` replaced by ``_``."""
    return _UNSAFE.sub("_", metric)


@dataclass(frozen=True)
class MetricPlan:
    """One metric of a report: its validated :class:`~p95kit.report.data.Plan`, a title
    (from the preset, else empty) and whether it may be missing without a warning's fuss."""

    plan: Plan
    title: str = ""
    optional: bool = False

    @property
    def metric_name(self) -> str:
        return self.plan.target.metric_name


def metric_names(value: Any) -> tuple[str, ...]:
    """A name, several, or comma-separated text -> a tuple of names (order kept, unique)."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    names = [str(item).strip() for item in items if str(item).strip()]
    return tuple(dict.fromkeys(names))


def plan_metrics(settings: Any) -> tuple[list[MetricPlan], list[str]]:
    """Validate ``settings`` (a ReportSettings) into one plan per metric, and warnings.

    Raises InvalidParameterError before anything is sent. Summaries in a preset are left
    out with a warning (a report needs a histogram); an explicit summary is an error."""
    preset = getattr(settings, "preset", None)
    resolved = presets.resolve(  # None: not given, the preset's (else the defaults)
        preset,
        metric_names(settings.metric_name) or None,
        model_label=settings.model_label,
        histogram=settings.histogram,
        unit=settings.unit,
    )
    plans, notes = [], []
    for entry in resolved:
        if entry.histogram == "summary" and preset and len(resolved) > 1:
            notes.append(
                f"{entry.metric_name} is a summary: a report needs a histogram, so it is left "
                f"out (p95kit query --preset {preset} --metric-name {entry.metric_name})"
            )
            continue
        one = dataclasses.replace(
            settings,
            preset=None,
            metric_name=entry.metric_name,
            model_label=entry.model_label,
            histogram=entry.histogram,
            unit=entry.unit,
        )
        validated = plan(one)
        # The plan's settings keep what was asked (the preset, every metric): the notebook
        # and run.json show the report's selection, not one metric of it.
        asked = {k: getattr(settings, k) for k in _SELECTION}
        validated = dataclasses.replace(
            validated, settings=dataclasses.replace(validated.settings, **asked)
        )
        plans.append(MetricPlan(validated, entry.title, entry.optional))
    if not plans:
        raise InvalidParameterError("metric_name", "no histogram to report on; " + notes[0])
    return plans, notes


def collect_all(
    client: Prometheus,
    plans: list[MetricPlan],
    notes: list[str] | None = None,
    on_ready: Callable[[MetricPlan, ReportData], None] | None = None,
) -> list[tuple[MetricPlan, ReportData]]:
    """Fetch every metric's queries; return the metrics that have data, first one first.

    Metrics without series become warnings in the first one's ``meta``; when none has
    data, the first is returned (empty) so the caller's empty-report check speaks.
    ``on_ready(metric, data)`` runs in this thread for each metric with data as soon as it
    is fetched (the report draws its chart there) while the next metrics are fetched.
    """
    started = time.time()
    datas = []
    for mp, results in _fetched(client, plans):
        data = assemble(client, mp.plan, results, started)
        data.meta["title"] = mp.title
        if on_ready is not None and len(data.summary):
            on_ready(mp, data)
        datas.append(data)
    log.info("fetched %d metrics in %.2f s", len(plans), time.time() - started)
    kept = [(mp, d) for mp, d in zip(plans, datas) if len(d.summary)]
    if not kept:
        return [(plans[0], datas[0])]
    warnings = list(notes or [])
    for mp, data in zip(plans, datas):
        if not len(data.summary):
            warnings.append(_missing(client, mp))
    first = kept[0][1]
    first.meta["warnings"] = [*first.meta.get("warnings", []), *warnings]
    first.meta["metrics"] = [
        {
            "metric_name": mp.metric_name,
            "title": mp.title,
            "folder": f"{METRICS_DIR}/{folder_name(mp.metric_name)}",
        }
        for mp, _ in kept
    ]
    return kept


def _fetched(client: Prometheus, plans: list[MetricPlan]) -> Iterator[tuple[MetricPlan, dict]]:
    """Each metric's query results, in the order of ``plans``, as soon as they are in.

    Every metric's queries go through one pool (:func:`~p95kit.prometheus.fanout.stream`),
    in metric order, three per metric for up to :data:`METRICS_AT_ONCE` metrics (one metric:
    three at a time, as :func:`~p95kit.report.data.collect` does): while the caller
    works on the metrics already in (drawing a chart uses this process's CPU, evaluating
    queries Prometheus's), the next ones are fetched. The first failure is raised here,
    and no query starts once a failure is known or the caller has stopped."""
    keys, calls = [], []
    for mp in plans:
        tasks = query_tasks(client, mp.plan)
        keys.append(list(tasks))
        calls.extend(tasks.values())
    results = stream(calls, workers=3 * min(len(plans), METRICS_AT_ONCE))
    try:
        for mp, names in zip(plans, keys):
            yield mp, {name: next(results) for name in names}
    finally:
        results.close()


def save_all(kept: list[tuple[MetricPlan, ReportData]], folder: Path) -> list[Path]:
    """The first metric's files at the top of ``folder``, every metric's in its own folder."""
    written = kept[0][1].save(folder)
    for mp, data in kept:
        sub = folder / METRICS_DIR / folder_name(mp.metric_name)
        sub.mkdir(parents=True, exist_ok=True)
        written += data.save(sub)
    return written


def load_all(folder: Path | str) -> list[ReportData]:
    """Every metric of a saved report, first one first (one entry for a one-metric report)."""
    folder = Path(folder)
    first = ReportData.load(folder)
    entries = first.meta.get("metrics") or []
    if len(entries) < 2:
        return [first]
    return [first, *(ReportData.load(folder / e["folder"]) for e in entries[1:])]


def _missing(client: Prometheus, mp: MetricPlan) -> str:
    p = mp.plan
    why = "not exported by this server?" if mp.optional else "check the name and label"
    try:
        notes = shapes.explain_empty(client, p.target, p.end - p.span - 86400, p.end)
    except MetricShapeError as exc:
        notes = [exc.message]
    detail = f": {notes[0]}" if notes else ""
    return f"{mp.metric_name}: no series in the window, left out ({why}){detail}"


def notebook_metrics(parameters: Mapping[str, Any]) -> list[ReportData]:
    """Every metric a report notebook shows, first one first (pass ``globals()``): the
    files ``p95kit report`` saved in ``data_dir``, or, opened live, fetched now."""
    if parameters.get("data_dir"):
        return load_all(parameters["data_dir"])
    from p95kit.prometheus.config import build_client

    plans, notes = plan_metrics(settings_from_notebook(parameters))
    with build_client(parameters.get("prometheus_url") or None) as client:
        return [data for _, data in collect_all(client, plans, notes)]
