"""What every query is about: the validated metric, model label, filters, kind and unit.

:func:`make_target` validates the parameters that every query function, the report and
the CLI share (names, ``models=``, ``selector=``, ``histogram=``, ``unit=``) into a
:class:`Target`, before anything is sent; :mod:`p95kit.query.promql` builds PromQL from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from p95kit import validation
from p95kit.query.units import resolve_unit, scale_to_ms


@dataclass(frozen=True)
class Target:
    """What to measure, validated.

    ``histogram`` is ``auto`` (classic or native), ``classic``, ``native`` or
    ``summary``; ``models`` limits the answer to those model names; ``selector`` holds
    extra label matchers; ``unit`` is the unit of the metric's values (``unit_assumed``
    when the name did not say and seconds were assumed).
    """

    metric_name: str = "request_duration_seconds"
    model_label: str = "model"
    histogram: str = "auto"
    models: tuple[str, ...] = ()
    selector: str = ""
    unit: str = "s"
    unit_assumed: bool = False

    @property
    def scale(self) -> float:
        """Factor from the metric's unit to milliseconds."""
        return scale_to_ms(self.unit)

    @property
    def instance_label(self) -> str | None:
        """The label that keys rows next to the model: summaries are reported per instance."""
        return "instance" if self.histogram == "summary" else None

    def attrs(self) -> dict[str, Any]:
        """The parameters a frame carries in ``frame.attrs``."""
        return {
            "metric_name": self.metric_name,
            "model_label": self.model_label,
            "histogram": self.histogram,
            "models": list(self.models),
            "selector": self.selector,
            "unit": self.unit,
            "unit_assumed": self.unit_assumed,
        }


def make_target(
    metric_name: str,
    model_label: str,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    histogram: str = "auto",
    unit: str = "auto",
) -> Target:
    """Validate the parameters shared by every query into a :class:`Target`."""
    name = validation.metric_name(metric_name)
    resolved, assumed = resolve_unit(name, unit)
    return Target(
        metric_name=name,
        model_label=validation.label_name(model_label),
        histogram=validation.choice(histogram, validation.HISTOGRAM_KINDS, "histogram"),
        models=validation.models(models),
        selector=validation.selector(selector),
        unit=resolved,
        unit_assumed=assumed,
    )
