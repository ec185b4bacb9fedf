"""A one-pass layout for a figure of one axes with its legend outside: margins that fit.

matplotlib's constrained layout measures every axis, title and legend twice per draw (it
iterates to converge on grids of axes) before the draw measures them again; for the P95
chart that is a third of its drawing time. A single axes needs one measurement:
:class:`FitMarginsLayout` takes the axes' tight box (tick labels, axis labels, title and
the legend beside the plot) once and sets the figure's margins so that it just fits,
with a small pad at the figure's edges. Figures of several axes keep constrained layout.
"""

from __future__ import annotations

from matplotlib.layout_engine import LayoutEngine

#: Space between the outermost text and the figure's edge, in inches (constrained
#: layout's default pad).
PAD_INCHES = 4 / 72
#: The plot keeps at least this share of the figure's width and height, whatever the
#: legend's or labels' size (they are cut at the edge instead).
MIN_PLOT_SHARE = 0.3


class FitMarginsLayout(LayoutEngine):
    """Margins from one measurement of the figure's only axes (see the module's text).

    At draw time, before anything is drawn: the axes' tight box in pixels, how far it
    reaches beyond the axes on each side, and ``subplots_adjust`` with those reaches plus
    :data:`PAD_INCHES`. A figure without exactly one axes is left as it is.
    """

    _adjust_compatible = True
    _colorbar_gridspec = True

    def execute(self, fig) -> None:
        if len(fig.axes) != 1:
            return
        ax = fig.axes[0]
        # The renderer matplotlib's own layout engines measure with.
        box = ax.get_tightbbox(fig._get_renderer(), for_layout_only=True)
        if box is None:
            return
        inner = ax.bbox
        width, height = fig.bbox.width, fig.bbox.height
        pad = PAD_INCHES * fig.dpi
        left = max(0.0, inner.x0 - box.x0) + pad
        right = max(0.0, box.x1 - inner.x1) + pad
        bottom = max(0.0, inner.y0 - box.y0) + pad
        top = max(0.0, box.y1 - inner.y1) + pad
        left, right = _fit(left / width, right / width)
        bottom, top = _fit(bottom / height, top / height)
        fig.subplots_adjust(left=left, right=1 - right, bottom=bottom, top=1 - top)


def _fit(low: float, high: float) -> tuple[float, float]:
    """Two margins (figure fractions) shrunk in proportion so the plot keeps its share."""
    room = 1 - MIN_PLOT_SHARE
    if low + high <= room:
        return low, high
    scale = room / (low + high)
    return low * scale, high * scale
