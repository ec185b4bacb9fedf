"""Scheduled reports: plan, fetch once, run the notebook, export HTML, publish a snapshot.

The public names, for a script or a scheduler (Airflow, cron in Python)::

    from p95kit.report import ReportSettings, run_report

    run = run_report("http://prometheus:9090", ReportSettings(duration="24h"), out="reports")
    run.path / "report.html"    # the published snapshot; run.run is its run.json

- :func:`run_report`: publish one snapshot, exactly as ``p95kit report`` does.
- :class:`ReportSettings`: what the report covers (the ``p95kit report`` options).
- :class:`ReportRun`: what :func:`run_report` returns (``path``, ``run``, ``headline``,
  ``deliveries``).
- :class:`Delivery`: who to tell after publishing (webhooks, mail) and when.
- :data:`DEFAULT_NOTEBOOK`: the report notebook, to copy and customise (README).
- :mod:`.sections` and :mod:`.chart`: the report's tables and chart, for sections of your own.

Inside, in the order a run goes: the declared parameters (:mod:`.parameters`), one
validated plan per metric (:mod:`.plan`), the questions asked of the query layer
(:mod:`.collect`), the report's data and its files (:mod:`.data`), the per-model summary
(:mod:`.summary`), what the notebook loads (:mod:`.notebook_data`), the report's sections
(:mod:`.sections`, :mod:`.metric_sections`, and with ``compare_label`` the versions
compared: :mod:`.compare_section`) and chart (:mod:`.chart`), with ``--slo-ms`` what an SLO
adds to the data (:mod:`.slo_data`), its section (:mod:`.slo_section`) and whether its
pages would have fired (:mod:`.paging_section`), the alerting exits
(:mod:`.alerts`), the headline's facts over every metric (:mod:`.headline`), the kernel and
papermill run (:mod:`.kernel`; its environment: :mod:`.kernel_setup`), notebook to HTML
(:mod:`.html_export`), the snapshot folder (:mod:`.snapshots`), the index page
(:mod:`.index_page`) with the snapshots side by side (:mod:`.history`, :mod:`.trends`), the
whole pipeline (:mod:`.pipeline`; its ``run.json``: :mod:`.run_record`), notifications
(:mod:`.delivery`, :mod:`.message`, :mod:`.notify` for webhooks, :mod:`.mail` for SMTP) and
set-up checks (:mod:`.doctor`); it ships the report notebook and the nbconvert template.

May import: :mod:`p95kit.display`, :mod:`p95kit.compare`, :mod:`p95kit.slo`, :mod:`p95kit.query`,
:mod:`p95kit.prometheus` and the base modules. Never serve, cli or demo.
"""

from __future__ import annotations

from p95kit.lazy_exports import lazy_getattr

#: Public name -> the module that defines it; imported on first use (PEP 562), so
#: ``import p95kit.report`` stays light.
_EXPORTS = {
    "run_report": "p95kit.report.pipeline",
    "ReportRun": "p95kit.report.pipeline",
    "DEFAULT_NOTEBOOK": "p95kit.report.pipeline",
    "ReportSettings": "p95kit.report.parameters",
    "Delivery": "p95kit.report.delivery",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
