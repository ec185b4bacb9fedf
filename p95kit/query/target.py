"""What every query is about: the validated metric, model label, filters, kind and unit.

:func:`make_spec` validates the parameters that every query function, the report and
the CLI share (names, ``models=``, ``selector=``, ``histogram=``, ``unit=``) into a
:class:`Spec`, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from p95kit import validation
from p95kit.query import promql
from p95kit.query.units import resolve_unit, scale_to_ms


@dataclass(frozen=True)
class Spec:
    """Validated, common query parameters."""

    target: promql.Target
    unit: str
    unit_assumed: bool

    @property
    def scale(self) -> float:
        return scale_to_ms(self.unit)

    @property
    def instance_label(self) -> str | None:
        """The label that keys rows next to the model: summaries are reported per instance."""
        return "instance" if self.target.histogram == "summary" else None

    def attrs(self) -> dict[str, Any]:
        t = self.target
        return {
            "metric_name": t.metric_name,
            "model_label": t.model_label,
            "histogram": t.histogram,
            "models": list(t.models),
            "selector": t.selector,
            "unit": self.unit,
            "unit_assumed": self.unit_assumed,
        }


def make_spec(
    metric_name: str,
    model_label: str,
    models: Sequence[str] | None = None,
    selector: str | None = None,
    histogram: str = "auto",
    unit: str = "auto",
) -> Spec:
    """Validate the parameters shared by every query into a :class:`Spec`."""
    name = validation.metric_name(metric_name)
    target = promql.Target(
        metric_name=name,
        model_label=validation.label_name(model_label),
        histogram=validation.choice(histogram, validation.HISTOGRAM_KINDS, "histogram"),
        models=validation.models(models),
        selector=validation.selector(selector),
    )
    resolved, assumed = resolve_unit(name, unit)
    return Spec(target, resolved, assumed)
