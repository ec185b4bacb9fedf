"""What a report notebook shows: the files ``p95kit report`` saved, or, opened live, fetched now.

The report notebook calls :func:`notebook_metrics` with its ``globals()``: with ``data_dir``
set (a ``p95kit report`` run) it loads the saved files (:func:`p95kit.report.data.load_all`),
so the HTML shows exactly the JSON payloads and no credential reaches the kernel; opened in
Jupyter with an empty ``data_dir`` it plans and fetches with the cell's settings, the
credentials coming from the environment (``P95KIT_*``), as for the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from p95kit.report.collect import collect_all
from p95kit.report.data import ReportData, load_all
from p95kit.report.parameters import ReportSettings, settings_from_notebook
from p95kit.report.plan import plan_metrics


def notebook_metrics(parameters: Mapping[str, Any]) -> list[ReportData]:
    """Every metric a report notebook shows, first one first (pass ``globals()``)."""
    if parameters.get("data_dir"):
        return load_all(parameters["data_dir"])
    return fetch_live(parameters.get("prometheus_url") or None, settings_from_notebook(parameters))


def notebook_data(parameters: Mapping[str, Any]) -> ReportData:
    """The first metric of :func:`notebook_metrics` (a one-metric notebook's data)."""
    if parameters.get("data_dir"):
        return ReportData.load(parameters["data_dir"])
    settings = settings_from_notebook(parameters)
    return fetch_live(parameters.get("prometheus_url") or None, settings)[0]


def fetch_live(prometheus_url: str | None, settings: ReportSettings) -> list[ReportData]:
    """Plan and fetch every metric of ``settings`` now (credentials from the environment)."""
    from p95kit.prometheus.config import build_client

    plans, notes = plan_metrics(settings)
    with build_client(prometheus_url) as client:
        return [data for _, data in collect_all(client, plans, notes)]
