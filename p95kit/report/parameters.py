"""The report's parameters, declared once: :class:`ReportSettings` and its fields' metadata.

Every field of :class:`ReportSettings` is one report parameter. Its default, its
``p95kit report`` option (:class:`Option`: flag, help, bounds) and its line in the
report notebook's ``parameters`` cell (:class:`NotebookLine`: type, comment) sit on
the field, and everything else derives from them:

- the options of ``p95kit report`` (:func:`p95kit.cli.report_command.settings_options`);
- the settings object itself, and ``run.json``'s ``parameters`` (``asdict`` of it);
- the papermill parameters (:func:`notebook_parameters`) and, back in the notebook,
  the settings of a live run (:func:`settings_from_notebook`);
- the notebook's ``parameters`` cell, which a test compares with :func:`notebook_cell`.

Adding a report option is one new field here plus the code that uses it (and
pasting :func:`notebook_cell` into the notebooks, which the test asks for).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from p95kit.query import estimators


@dataclass(frozen=True)
class Option:
    """How a setting appears on the ``p95kit report`` command line.

    The flag is ``--`` plus the field name with dashes. ``number`` (``int`` or
    ``float``) with ``minimum`` bounds the value, ``above_minimum`` excludes it;
    ``choices`` lists the accepted words.
    """

    help: str
    number: type | None = None
    minimum: float | None = None
    above_minimum: bool = False
    choices: tuple[str, ...] | None = None


#: For the fields whose options ``p95kit query`` shares (``--metric-name``, ``--model``,
#: ...): :func:`p95kit.cli.options.target_options` declares them for both commands.
SHARED_OPTION = None


@dataclass(frozen=True)
class NotebookLine:
    """How a setting appears in the notebook's ``parameters`` cell: a ``str``, ``int``
    or ``float`` (papermill passes JSON values) and a comment. ``None`` is written as
    the type's empty value and a tuple as comma-separated text."""

    type: type
    comment: str


def setting(default: Any, option: Option | None, notebook: NotebookLine) -> Any:
    """A :class:`ReportSettings` field with its default, option and notebook line."""
    return field(default=default, metadata={"option": option, "notebook": notebook})


@dataclass(frozen=True)
class ReportSettings:
    """What a report covers. Durations are Prometheus text (``"24h"``); ``step=None``
    picks one from the duration; ``end=None`` means now (else RFC 3339, unix seconds
    or a datetime); ``slo_ms=None`` means no SLO (with one, ``objective`` % of requests must
    be at or under it over the window: the SLO section); ``models=()`` means every model.
    ``metric_name`` may name several metrics (a tuple or comma-separated text) and
    ``preset`` a serving stack (:mod:`p95kit.query.presets`); ``compare_label`` (e.g.
    ``version``) adds a comparison of its two busiest values per model. ``metric_name``,
    ``model_label``, ``histogram`` and ``unit`` left at None are the preset's (every metric
    it lists, its model label ...), without a preset :data:`SELECTION_DEFAULTS`; a value
    given wins over the preset, even one equal to those defaults
    (:mod:`p95kit.report.plan`).
    """

    metric_name: str | tuple[str, ...] | None = setting(
        None,
        SHARED_OPTION,
        NotebookLine(
            str,
            "histograms, comma-separated; empty: preset's, else request_duration_seconds",
        ),
    )
    model_label: str | None = setting(
        None,
        SHARED_OPTION,
        NotebookLine(str, "label that names the model; empty: the preset's, else model"),
    )
    duration: str = setting(
        "24h",
        Option("Length of the window."),
        NotebookLine(str, "report window, a Prometheus duration"),
    )
    step: str | None = setting(
        None,
        Option("Chart resolution. [default: chosen from --duration, 24h -> 5m]"),
        NotebookLine(str, "chart resolution; empty: chosen from the duration"),
    )
    time_range: str = setting(
        "5m",
        Option("Window of each P95 point."),
        NotebookLine(str, "rate window of the current P95 and of the chart"),
    )
    percentiles: str | tuple[float, ...] = setting(
        (50, 95, 99),
        Option("Comma-separated; P95 is always included (the chart and ranking use it)."),
        NotebookLine(str, "window percentiles, comma-separated"),
    )
    end: str | float | datetime | None = setting(
        None,
        Option("End of the window (RFC 3339 or unix s). [default: now]"),
        NotebookLine(str, "window end, RFC 3339 or unix seconds; empty: now"),
    )
    slo_ms: float | None = setting(
        None,
        Option("SLO threshold (ms).", number=float, minimum=0, above_minimum=True),
        NotebookLine(float, "SLO threshold in ms; 0: none"),
    )
    objective: float = setting(
        99.0,
        Option(
            "SLO objective: percent of requests at or under --slo-ms over the window (the "
            "report's SLO section: budget left, burn rates, status).",
            number=float,
            minimum=0,
            above_minimum=True,
        ),
        NotebookLine(float, "percent of requests that must be at or under slo_ms"),
    )
    models: tuple[str, ...] = setting(
        (), SHARED_OPTION, NotebookLine(str, "comma-separated model names; empty: all")
    )
    selector: str | None = setting(
        None, SHARED_OPTION, NotebookLine(str, "extra PromQL label matchers; empty: none")
    )
    histogram: str | None = setting(
        None,
        SHARED_OPTION,
        NotebookLine(str, "auto, classic or native; empty: the preset's, else auto"),
    )
    unit: str | None = setting(
        None,
        SHARED_OPTION,
        NotebookLine(str, "unit of the metric; empty: the preset's, else auto (from its name)"),
    )
    max_chart_models: int = setting(
        10,
        Option(
            "Lines in the chart (the slowest models); the others get a table.",
            number=int,
            minimum=1,
        ),
        NotebookLine(int, "lines in the chart; the other models get a table"),
    )
    estimator: str = setting(
        estimators.DEFAULT,
        Option(estimators.help_text() + ".", choices=estimators.names()),
        NotebookLine(str, f"{estimators.choices_text()}: how percentiles are read from buckets"),
    )

    preset: str | None = setting(
        None,
        SHARED_OPTION,
        NotebookLine(str, "serving stack (p95kit presets) giving metrics and label; empty: none"),
    )
    compare_label: str | None = setting(
        None,
        Option(
            "Label whose two busiest values per model are compared (e.g. version): a "
            "section with a verdict per model (slower, faster, no_change, inconclusive)."
        ),
        NotebookLine(str, "label whose two busiest values per model are compared; empty: none"),
    )


#: What ``metric_name``, ``model_label``, ``histogram`` and ``unit`` left at None mean
#: without a preset.
SELECTION_DEFAULTS = {
    "metric_name": "request_duration_seconds",
    "model_label": "model",
    "histogram": "auto",
    "unit": "auto",
}


def with_selection_defaults(settings: ReportSettings) -> ReportSettings:
    """``settings`` with :data:`SELECTION_DEFAULTS` for the selection left at None, unless
    a preset fills it in (then None stays: "the preset's")."""
    if settings.preset:
        return settings
    missing = {k: v for k, v in SELECTION_DEFAULTS.items() if getattr(settings, k) is None}
    return dataclasses.replace(settings, **missing) if missing else settings


#: The notebook's parameters that are not settings: first the connection (the
#: notebook never sees credentials), last the data ``p95kit report`` fetched.
NOTEBOOK_FIRST = {
    "prometheus_url": ("", "empty: $P95KIT_PROMETHEUS_URL, else http://localhost:9090"),
}
NOTEBOOK_LAST = {
    "data_dir": ("", "saved report data, set by `p95kit report`; empty: fetch live"),
}
_CELL_HEADER = (
    "# Defaults run live against $P95KIT_PROMETHEUS_URL; `p95kit report` sets data_dir instead.\n"
    "# (No '=' in these comments: papermill's parameter inspection skips such lines.)\n"
)


def fields() -> tuple[dataclasses.Field, ...]:
    """The declared parameters, in order."""
    return dataclasses.fields(ReportSettings)


def to_notebook(value: Any, kind: type) -> Any:
    """A setting's value as the notebook's ``kind``: ``None`` empty, a tuple comma-joined."""
    if value is None:
        return kind()
    if isinstance(value, (tuple, list)):
        return ",".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in value)
    return kind(value)


def notebook_parameters(settings: ReportSettings, **extra: Any) -> dict[str, Any]:
    """The papermill parameters for ``settings`` (JSON values, no secrets), plus ``extra``
    (``prometheus_url``, ``data_dir``), in the order of the notebook's cell."""
    values = {
        f.name: to_notebook(getattr(settings, f.name), f.metadata["notebook"].type)
        for f in fields()
    }
    return {
        **{k: extra[k] for k in NOTEBOOK_FIRST if k in extra},
        **values,
        **{k: extra[k] for k in NOTEBOOK_LAST if k in extra},
    }


def settings_from_notebook(namespace: Mapping[str, Any]) -> ReportSettings:
    """The settings a notebook's parameters say (pass ``globals()``): empty means the
    default, comma-separated text a tuple. Parameters the notebook lacks keep their default."""
    values = {}
    for f in fields():
        if f.name not in namespace:
            continue
        value = namespace[f.name]
        if isinstance(f.default, tuple) and isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        elif f.default is None and not value:
            value = None
        values[f.name] = value
    return ReportSettings(**values)


def notebook_cell() -> str:
    """The source of the report notebook's ``parameters`` cell, as the declaration says."""
    lines = [_cell_line(name, *line) for name, line in NOTEBOOK_FIRST.items()]
    for f in fields():
        line = f.metadata["notebook"]
        default = to_notebook(f.default, line.type)
        lines.append(_cell_line(f.name, default, line.comment, line.type))
    lines += [_cell_line(name, *line) for name, line in NOTEBOOK_LAST.items()]
    return _CELL_HEADER + "\n".join(lines)


def _cell_line(name: str, default: Any, comment: str, kind: type = str) -> str:
    if "=" in comment:
        raise ValueError(f"{name}: papermill skips a parameter line whose comment has '='")
    return f"{name}: {kind.__name__} = {json.dumps(default)}  # {comment}"
