"""The error budget burning down over an SLO window, one line per model.

:func:`plot_budget` draws a :func:`p95kit.budget_over_time` frame: the share of the window's
budget left (100 % at the start, 0 % when it is all spent, below 0 overspent), a line per
model, the models with the least left first. The y axis stops at -100 % so one model far
over its budget does not flatten the others; the legend gives each model's final figure.
Same conventions as :func:`p95kit.plot_p95`: a plain figure (no pyplot), names drawn
literally in a font that has their glyphs, the legend outside the plot.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from p95kit import validation
from p95kit.display.fonts import chart_fonts, families_for
from p95kit.display.plotting import (
    _label,
    _literal,
    _palette,
    chart_axes,
    outside_legend,
    time_axis,
)
from p95kit.errors import InvalidParameterError

#: Budget shown at the bottom of the axis at most (-100 %: spent twice over).
FLOOR = -1.0
_NEEDED = {"model", "timestamp", "budget_remaining"}


def budget_models(
    frame: pd.DataFrame, max_models: int = 10, order: Iterable[str] | None = None
) -> list[str]:
    """The models :func:`plot_budget` draws: ``order``'s first, else the least budget left
    at the end first (ties by name), at most ``max_models``; models without requests left
    out."""
    ends = frame.sort_values("timestamp", kind="stable").groupby("model", sort=True).tail(1)
    if "requests" in ends.columns:
        ends = ends[ends["requests"] > 0]
    ranked = ends.sort_values(["budget_remaining", "model"], kind="stable")["model"].astype(str)
    names = list(ranked)
    if order is not None:
        first = [m for m in dict.fromkeys(str(m) for m in order) if m in set(names)]
        names = first + [m for m in names if m not in set(first)]
    return names[:max_models]


def plot_budget(
    frame: pd.DataFrame,
    *,
    max_models: int = 10,
    title: str | None = None,
    ax=None,
    order: Iterable[str] | None = None,
) -> Figure:
    """Draw the budget left over time, one line per model, and return the figure.

    ``frame`` is a :func:`p95kit.budget_over_time` frame: ``model`` (str), ``timestamp``
    (datetime64[ns, UTC]), ``budget_remaining`` (1 = untouched). At most ``max_models``
    lines (:func:`budget_models`; ``order`` picks them); a dashed line at 0 % marks a spent
    budget. With ``ax`` the chart is drawn there; otherwise on a new 11 x 4.5 in figure."""
    missing = _NEEDED - set(frame.columns)
    if missing:
        raise InvalidParameterError(
            "frame",
            "plot_budget needs a p95kit.budget_over_time frame (model, timestamp, "
            f"budget_remaining); missing: {', '.join(sorted(missing))}",
        )
    validation.count(max_models, "max_models", 10)
    names = budget_models(frame, max_models, order)
    families = families_for([*names, title])
    with chart_fonts(families):
        fig, ax = chart_axes(ax, (11, 4.5), families)
        heading = title if title is not None else _title(frame)
        if not names:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "No data: no model had traffic in this window", ha="center")
            _literal([ax.set_title(heading)])
            return fig
        _draw(ax, frame, names)
        _literal([ax.set_title(heading)])
        return fig


def _draw(ax, frame: pd.DataFrame, names: list[str]) -> None:
    colors = _palette(len(names))
    charted = frame[frame["model"].isin(names)].sort_values("timestamp", kind="stable")
    rows = charted.groupby(charted["model"].astype(str), sort=False).indices
    times = charted["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    values = charted["budget_remaining"].to_numpy(dtype=np.float64) * 100
    handles, labels, lowest = [], [], 0.0
    for i, name in enumerate(names):
        picked = rows[name]
        line = ax.plot(
            times[picked],
            values[picked],
            color=colors[i % len(colors)],
            linestyle=("-", "--", ":")[i // len(colors) % 3],
            linewidth=1.6,
        )[0]
        handles.append(line)
        end = float(np.round(values[picked][-1])) + 0.0  # + 0.0: never "-0 %"
        labels.append(f"{_label(name)}: {end:.0f} % left")
        lowest = min(lowest, float(np.nanmin(values[picked])))
    ax.axhline(0, color="crimson", linestyle="--", linewidth=1.1)
    floor = max(lowest, FLOOR * 100)
    ax.axhspan(floor - 10, 0, color="crimson", alpha=0.06, linewidth=0)
    ax.set_ylim(floor - 5, 105)
    time_axis(ax, "Error budget left (%)")
    heading = "Budget left at the end" + (" (axis cut at -100 %)" if lowest < FLOOR * 100 else "")
    outside_legend(ax, handles, labels, heading)


def _title(frame: pd.DataFrame) -> str:
    attrs = frame.attrs
    if "threshold_ms" not in attrs:
        return "Error budget left"
    return (
        f"Error budget left: {attrs.get('objective', 0):g} % of requests "
        f"≤ {attrs['threshold_ms']:g} ms over {attrs.get('window', '?')}"
    )
