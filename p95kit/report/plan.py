"""What a report will ask, validated before anything is sent or written: one plan per metric.

:func:`plan_metrics` turns :class:`~p95kit.report.parameters.ReportSettings` into one
:class:`MetricPlan` per metric: the metrics of ``metric_name`` (one name, several, or
comma-separated text) or of a ``preset`` (:mod:`p95kit.query.presets`), settings given winning
over the preset (None is "not given", even for a value equal to the defaults). Each holds a
:class:`Plan`: durations in seconds, the step chosen, ``end`` aligned to it. Any invalid
setting raises :class:`~p95kit.errors.InvalidParameterError` here (CLI exit 2).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from p95kit import validation
from p95kit.durations import align, choose_step, format_duration, normalize_duration
from p95kit.errors import InvalidParameterError
from p95kit.query import estimators, presets
from p95kit.query.target import Target, make_target
from p95kit.report.parameters import ReportSettings, with_selection_defaults
from p95kit.slo.policy import make_objective
from p95kit.times import parse_time, to_rfc3339

_SELECTION = ("preset", "metric_name", "model_label", "histogram", "unit")


@dataclass(frozen=True)
class Plan:
    """Validated :class:`ReportSettings` of one metric: durations in seconds, ``end``
    aligned to the step."""

    #: The settings as run: durations normalised, the step chosen, ``end`` aligned
    #: (RFC 3339), the percentiles sorted with 95 in them.
    settings: ReportSettings
    target: Target
    duration: str
    span: float
    step: str
    step_s: float
    time_range: str
    #: The rate window of each chart point: ``time_range``, or the step when that is
    #: longer (a shorter window would skip the requests between the points).
    chart_range: str
    percentiles: tuple[float, ...]
    end: float
    slo_ms: float | None
    max_chart_models: int
    estimator: str = "prometheus"
    #: The SLO's objective (percent) when ``slo_ms`` is set.
    objective: float = 99.0


@dataclass(frozen=True)
class MetricPlan:
    """One metric of a report: its validated :class:`Plan`, a title (from the preset, else
    empty) and whether it may be missing without a warning's fuss."""

    plan: Plan
    title: str = ""
    optional: bool = False

    @property
    def metric_name(self) -> str:
        return self.plan.target.metric_name


def plan(settings: ReportSettings) -> Plan:
    """The plan of the report's first metric (all of them: :func:`plan_metrics`)."""
    return plan_metrics(settings)[0][0].plan


def metric_names(value: Any) -> tuple[str, ...]:
    """A name, several, or comma-separated text -> a tuple of names (order kept, unique)."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    names = [str(item).strip() for item in items if str(item).strip()]
    return tuple(dict.fromkeys(names))


def plan_metrics(settings: ReportSettings) -> tuple[list[MetricPlan], list[str]]:
    """Validate ``settings`` into one plan per metric, and warnings.

    Raises InvalidParameterError before anything is sent. Summaries in a preset are left
    out with a warning (a report needs a histogram); an explicit summary is an error."""
    settings = with_selection_defaults(settings)
    preset = settings.preset
    names = metric_names(settings.metric_name)
    if not names and not preset:  # an empty name given: the name check says what is wrong
        names = (str(settings.metric_name),)
    resolved = presets.resolve(  # None: not given, the preset's (else the defaults)
        preset,
        names or None,
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
        validated = _plan_one(one)
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


def _plan_one(settings: ReportSettings) -> Plan:
    """Validate the settings of one metric (no preset, one ``metric_name``)."""
    target = make_target(
        settings.metric_name,
        settings.model_label,
        settings.models,
        settings.selector,
        settings.histogram,
        settings.unit,
    )
    if target.histogram == "summary":
        raise InvalidParameterError(
            "histogram",
            "reports need a histogram (classic or native): a summary's precomputed quantiles "
            "cannot give a window-wide percentile; use `p95kit query --histogram summary`",
        )
    duration, span = normalize_duration(settings.duration, "duration")
    if settings.step:
        step, step_s = normalize_duration(settings.step, "step")
    else:
        step_s = choose_step(span)
        step = format_duration(step_s)
    if step_s > span:
        raise InvalidParameterError("step", f"step ({step}) must not exceed duration ({duration})")
    time_range, range_s = normalize_duration(settings.time_range, "time_range")
    slo = settings.slo_ms
    if slo is not None:
        slo = validation.positive(slo, "slo_ms", "milliseconds", "500")
    goal = make_objective(slo or 1.0, settings.objective, duration)
    validation.count(settings.max_chart_models, "max_chart_models", 10)
    if settings.compare_label and (
        validation.label_name(settings.compare_label, "compare_label") == target.model_label
    ):
        raise InvalidParameterError("compare_label", "compare_label must differ from model_label")
    percentiles = tuple(sorted({*validation.percentiles(settings.percentiles), 95.0}))
    end = align(parse_time(settings.end, "end"), step_s)
    slo_ms = float(slo) if slo else None
    as_run = dataclasses.replace(
        settings,
        duration=duration,
        step=step,
        time_range=time_range,
        percentiles=percentiles,
        end=to_rfc3339(end),
        slo_ms=slo_ms,
        objective=goal.objective,
    )
    return Plan(
        settings=as_run,
        target=target,
        duration=duration,
        span=span,
        step=step,
        step_s=step_s,
        time_range=time_range,
        chart_range=time_range if range_s >= step_s else step,
        percentiles=percentiles,
        end=end,
        slo_ms=slo_ms,
        max_chart_models=settings.max_chart_models,
        estimator=estimators.estimator(settings.estimator),
        objective=goal.objective,
    )
