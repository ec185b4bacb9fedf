"""The report's chart, and charts of your own in a report notebook.

:func:`report_chart` draws the report's P95-over-time chart from its data;
:func:`report_image` shows it in the notebook (the PNG ``p95kit report`` drew beside
the data, or drawn now when the notebook is opened live); :func:`image` shows any
matplotlib figure, e.g. one from :func:`p95kit.plot_p95`, with alternative text, so a
section you add to a copy of the notebook looks like the report's own.

matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from p95kit.display.chart_selection import chart_description
from p95kit.report.data import CHART_FILE, ReportData

if TYPE_CHECKING:
    from IPython.display import Image
    from matplotlib.figure import Figure


def chart_limit(meta: dict) -> int:
    """How many models the report's chart draws: ``meta["max_chart_models"]``, else 10."""
    return int(meta.get("max_chart_models") or 10)


def report_chart(data: ReportData) -> Figure:
    """The report's chart of ``data``: its ``max_chart_models`` slowest models by window
    P95 (``data.summary`` order) and the SLO line, as :func:`p95kit.plot_p95` draws them."""
    from p95kit.display.plotting import plot_p95

    return plot_p95(
        data.range,
        max_models=chart_limit(data.meta),
        slo_ms=data.meta.get("slo_ms"),
        order=data.summary["model"],
    )


def report_description(data: ReportData) -> str:
    """The report chart's alternative text: what it shows, the charted models slowest first."""
    return chart_description(data.range, chart_limit(data.meta), order=data.summary["model"])


def image(figure: Figure, alt: str) -> Image:
    """``figure`` as a PNG for ``IPython.display.display``, with ``alt`` as its text
    alternative (kept in the HTML export; ``alt`` is plain text, escaped there)."""
    from IPython.display import Image

    from p95kit.display.plotting import figure_png

    return Image(figure_png(figure), metadata={"alt": alt})


def report_image(data: ReportData, data_dir: str | Path = "") -> Image:
    """The report's chart for the notebook: ``data_dir``'s PNG, drawn by ``p95kit report``
    from the same files, or, with no ``data_dir`` (opened live), drawn now."""
    from IPython.display import Image

    alt = report_description(data)
    drawn = Path(data_dir, CHART_FILE) if data_dir else None
    if drawn is not None and drawn.is_file():
        return Image(filename=str(drawn), metadata={"alt": alt})
    return image(report_chart(data), alt)
