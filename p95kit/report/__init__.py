"""Scheduled reports: plan, fetch once, run the notebook, export HTML, publish a snapshot.

Holds the report's data (:mod:`.data`), per-model summary (:mod:`.summary`), the
kernel and papermill run (:mod:`.kernel`), notebook to HTML (:mod:`.html_export`),
the HTML sections (:mod:`.sections`), the snapshot folder (:mod:`.snapshots`), the
index page (:mod:`.index_page`), the whole pipeline (:mod:`.pipeline`), set-up checks
(:mod:`.doctor`), and the report notebook and nbconvert template it ships.

May import: :mod:`p95kit.display`, :mod:`p95kit.query`, :mod:`p95kit.prometheus` and
the base modules. Never serve, cli or demo.

    from p95kit.report import ReportSettings, run_report
    run = run_report(ReportSettings(duration="24h"), out="reports")
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_report": "p95kit.report.pipeline",
    "ReportRun": "p95kit.report.pipeline",
    "DEFAULT_NOTEBOOK": "p95kit.report.pipeline",
    "ReportSettings": "p95kit.report.data",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'p95kit.report' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
