"""Run a report: fetch once, execute the notebook, export HTML, publish a snapshot.

:func:`run_report` is the whole pipeline as a short sequence of calls::

    plan -> lock -> start kernel | collect -> save payloads -> draw chart -> papermill
         -> nbconvert -> run.json -> publish -> index, retention -> unlock -> notify

Parameters are validated before anything is sent or written. Data is fetched in
this process (which holds the credentials) and handed to the notebook as files,
so no secret reaches the notebook, the HTML or ``run.json``. A failure keeps
``<stamp>_<duration>.failed/`` for debugging and never moves ``latest``. With a
:class:`~p95kit.report.delivery.Delivery`, the headline goes to webhooks and mail after
publishing (a failed notification is reported, never unpublishes anything).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from p95kit import validation
from p95kit.errors import ReportError
from p95kit.progress import Advance, bar, no_progress
from p95kit.prometheus.client import Prometheus
from p95kit.query.payloads import dumps
from p95kit.report.collect import collect_all
from p95kit.report.data import (
    BUDGET_CHART_FILE,
    CHART_FILE,
    METRICS_DIR,
    ReportData,
    folder_name,
    load_all,
    save_all,
)
from p95kit.report.delivery import Delivery, Outbox, Sent
from p95kit.report.headline import Headline, headline_facts
from p95kit.report.index_page import render_index
from p95kit.report.parameters import ReportSettings, notebook_parameters, with_selection_defaults
from p95kit.report.plan import MetricPlan, plan_metrics
from p95kit.report.run_record import check_not_empty, new_record, record_failure, versions
from p95kit.report.snapshots import RUN_FILE, SnapshotStore, moves_latest, stamp, write_atomic

log = logging.getLogger("p95kit")

# p95kit/report/notebooks is a symlink to the top-level notebooks/, so wheels carry
# the notebook too.
DEFAULT_NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / "report.ipynb"


@dataclass
class ReportRun:
    """The outcome of :func:`run_report`: the snapshot folder, its ``run.json``, the
    summary frame of each metric (by metric name, first one first), the headline's facts
    (:class:`~p95kit.report.headline.Headline`) and, with a delivery, one
    :class:`~p95kit.report.delivery.Sent` per webhook and for the mail."""

    path: Path
    run: dict[str, Any]
    summaries: dict[str, pd.DataFrame] = field(default_factory=dict)
    headline: Headline | None = None
    deliveries: list[Sent] = field(default_factory=list)

    @property
    def undelivered(self) -> list[Sent]:
        """The notifications that failed (the snapshot is published all the same)."""
        return [sent for sent in self.deliveries if not sent.ok]


@dataclass
class _Built:
    """What :func:`_build` made: each metric's summary (for the alerts), the metrics as
    the notebook read them, and the headline drawn from those."""

    summaries: dict[str, pd.DataFrame]
    datas: list[ReportData]
    facts: Headline


@dataclass(frozen=True)
class RunOptions:
    """How to run the notebook (see :func:`run_report`)."""

    notebook: Path
    cell_timeout: float
    advance: Advance = no_progress  # one step per stage: fetch, chart, notebook, HTML
    progress: bool | None = None  # a bar over the stages (see run_report)


def run_report(
    client: Prometheus | str | None = None,
    settings: ReportSettings | None = None,
    out: Path | str = "reports",
    *,
    notebook: Path | str | None = None,
    keep: int | None = None,
    wait: float = 0.0,
    cell_timeout: float = 600.0,
    progress: bool | None = None,
    delivery: Delivery | None = None,
) -> ReportRun:
    """Publish one report snapshot under ``out``, as ``p95kit report`` does.

    - ``client``: a :class:`p95kit.Prometheus`, or a Prometheus URL, or None
      (``P95KIT_PROMETHEUS_URL``, else ``http://localhost:9090``). For a URL or None the
      credentials come from the environment, as for the CLI (``P95KIT_BEARER_TOKEN_FILE``,
      ``P95KIT_BEARER_TOKEN``, ``P95KIT_BASIC_AUTH_FILE``, ``P95KIT_HEADERS``).
    - ``settings``: what the report covers (default: the last 24 h).
    - ``out``: the snapshots folder (layout in :mod:`p95kit.report.snapshots`);
      ``notebook`` the report notebook to run (default :data:`DEFAULT_NOTEBOOK`);
      ``keep`` the number of snapshots to keep; ``wait`` the seconds to wait for another
      run holding ``out``; ``cell_timeout`` the seconds one cell may run; ``progress``
      a bar over the run's stages (None: in Jupyter, or on a terminal with ``-v``;
      never under cron; see :mod:`p95kit.progress`).
    - ``delivery``: who to tell, and when (:class:`~p95kit.report.delivery.Delivery`:
      webhooks, mail, links); sent after the lock is released, failed runs included.

    Returns the snapshot folder and its ``run.json`` (:class:`ReportRun`; a failed
    notification is in ``undelivered`` and logged, not raised). Raises the
    :class:`~p95kit.errors.P95kitError` that stopped the run: ``InvalidParameterError``
    before anything is sent or written, ``ReportLockedError`` when another run holds
    ``out``, the Prometheus errors, or ``ReportError`` (a ``.failed`` folder is kept).
    """
    settings = with_selection_defaults(settings if settings is not None else ReportSettings())
    plan_metrics(settings)  # invalid parameters: exit before anything is written or sent
    _check_run_options(wait, cell_timeout)
    delivery = delivery.checked(settings.slo_ms) if delivery is not None else None
    options = RunOptions(_notebook(notebook), cell_timeout, progress=progress)
    outbox = Outbox(delivery)
    try:
        outcome = _publish(client, settings, SnapshotStore(out), options, keep, wait, outbox)
    except Exception:
        outbox.send()  # the failure's message, if one was queued (then the error goes on)
        raise
    outcome.deliveries = outbox.send()
    return outcome


def _publish(
    client: Prometheus | str | None,
    settings: ReportSettings,
    store: SnapshotStore,
    options: RunOptions,
    keep: int | None,
    wait: float,
    outbox: Outbox,
) -> ReportRun:
    """Lock, build, publish, index and prune; queue the message in ``outbox``."""
    with _connected(client) as client, store.lock(wait):
        # Stamp and window from when the lock is held: a run that waited for another one
        # must not publish under an older name (or for an older window) than that one.
        started = time.time()
        plans, notes = plan_metrics(settings)
        validated = plans[0].plan
        for leftover in store.clean_staging():
            log.info("removed %s, left by a killed run", leftover.name)
        run = new_record(client, settings, validated, started)
        run["moves_latest"] = moves_latest(store, run, explicit_end=settings.end is not None)
        if outbox.delivery is not None and outbox.delivery.wanted:
            run["delivery"] = outbox.delivery.record()
        name = f"{stamp(started)}_{validated.duration}"
        staging = store.new_staging(started)
        try:  # straight after the mkdir (a folder a signal still leaves: the next run removes it)
            with bar(4, "report", options.progress) as advance:
                planned = (plans, notes)
                built = _build(staging, client, planned, run, replace(options, advance=advance))
            final = store.publish(staging, name, move_latest=run["moves_latest"])
            log.info("published %s", final)
            if not run["moves_latest"]:
                log.info("latest stays at %s: its window ends later", store.latest())
        except Exception as exc:
            record_failure(run, exc, started)
            write_atomic(staging / RUN_FILE, dumps(run, indent=True))
            final = store.publish(staging, name, failed=True)
            log.info("kept the failed run in %s", final)
            outbox.failed(run, final)
            raise
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
            store.write_index(render_index(store))
        if keep is not None:
            for removed in store.prune(keep):
                log.info("retention removed %s", removed.name)
            store.write_index(render_index(store))
        outbox.published(built.facts, built.datas, final)  # read while the lock is held
    return ReportRun(final, run, built.summaries, built.facts)


@contextlib.contextmanager
def _connected(client: Prometheus | str | None) -> Iterator[Prometheus]:
    """``client`` itself, or a client for that URL (closed at the end)."""
    if isinstance(client, Prometheus):
        yield client
        return
    from p95kit.prometheus.config import build_client

    with build_client(client) as built:
        yield built


def _build(
    staging: Path,
    client: Prometheus,
    planned: tuple[list[MetricPlan], list[str]],
    run: dict[str, Any],
    options: RunOptions,
) -> _Built:
    """Fill ``staging`` with everything a snapshot holds: fetch, execute, export, run.json.
    Returns each metric's summary frame (for the alerting exits) and the headline."""
    from p95kit.report.html_export import notebook_to_html
    from p95kit.report.kernel import execute, report_kernel

    timings = run["timings"]
    # The kernel boots in its own process while this process fetches and draws
    # (what that saves: benchmarks/RESULTS.md).
    with report_kernel(staging) as kernel:
        plans, notes = planned
        validated = plans[0].plan
        charts: dict[str, float] = {}

        def draw(mp: MetricPlan, ready: ReportData) -> None:  # while the next one is fetched
            began = time.time()
            folder = staging / METRICS_DIR / folder_name(mp.metric_name)
            folder.mkdir(parents=True, exist_ok=True)
            _draw_chart(ready, folder / CHART_FILE)
            charts[mp.metric_name] = time.time() - began

        with _timed(timings, "fetch_s"):
            kept = collect_all(client, plans, notes, on_ready=draw if len(plans) > 1 else None)
            data = kept[0][1]
            save_all([(mp.metric_name, d) for mp, d in kept], staging)
        log.info("fetched %d models in %.2f s", len(data.summary), timings["fetch_s"])
        options.advance(1)
        check_not_empty(data, client, kept[0][0].plan)
        datas = load_all(staging)  # as the notebook reads them: one headline everywhere
        facts = headline_facts(datas)
        run["metrics"] = [mp.metric_name for mp, _ in kept]
        run["headline"] = facts.record()
        run["versions"] = versions(client)
        run["warnings"] = data.meta.get("warnings", [])

        with _timed(timings, "chart_s"):
            first = staging / METRICS_DIR / folder_name(kept[0][0].metric_name) / CHART_FILE
            if first.is_file():  # drawn during the fetch (several metrics)
                _copy_charts(first.parent, staging)
            else:
                _draw_chart(data, staging / CHART_FILE)
                _copy_charts(staging, first.parent)
        if charts:  # their time overlapped the fetch: said apart
            timings["charts_during_fetch_s"] = round(sum(charts.values()), 3)
        options.advance(1)

        with _timed(timings, "execute_s"):
            executed = execute(
                options.notebook,
                staging / "report.ipynb",
                notebook_parameters(
                    validated.settings,
                    prometheus_url=client.safe_url,
                    data_dir=str(staging.resolve()),
                ),
                kernel=kernel,
                cell_timeout=options.cell_timeout,
            )
        log.info("executed the notebook in %.2f s", timings["execute_s"])
        options.advance(1)

    with _timed(timings, "export_s"):
        html = notebook_to_html(executed)
        (staging / "report.html").write_text(html, encoding="utf-8")
    options.advance(1)

    run["status"] = "success"
    timings["total_s"] = round(time.time() - run["started_at"], 3)
    write_atomic(staging / RUN_FILE, dumps(run, indent=True))
    return _Built({mp.metric_name: other.summary for mp, other in kept}, datas, facts)


def _draw_chart(data: ReportData, path: Path) -> None:
    """Draw the report's chart here, from the data just saved, for the notebook to show;
    with an SLO also the budget's chart beside it."""
    from p95kit.display.plotting import figure_png
    from p95kit.report.chart import report_chart

    path.write_bytes(figure_png(report_chart(data)))
    if data.budget is not None:
        from p95kit.report.slo_section import budget_chart

        path.with_name(BUDGET_CHART_FILE).write_bytes(figure_png(budget_chart(data)))


def _copy_charts(source: Path, target: Path) -> None:
    """The charts drawn in ``source`` (the P95 chart, the budget's when there is one)."""
    for name in (CHART_FILE, BUDGET_CHART_FILE):
        if (source / name).is_file():
            shutil.copyfile(source / name, target / name)


@contextlib.contextmanager
def _timed(timings: dict[str, float], key: str) -> Iterator[None]:
    tick = time.time()
    yield
    timings[key] = round(time.time() - tick, 3)


def _check_run_options(wait: float, cell_timeout: float | None) -> None:
    validation.positive(wait, "wait", "seconds", "60", zero=True)  # NaN would wait forever
    if cell_timeout is not None:  # papermill reads 0 as "no timeout", < 0 times out at once
        validation.positive(cell_timeout, "cell_timeout", "seconds", "600")


def _notebook(notebook: Path | str | None) -> Path:
    path = Path(notebook) if notebook else DEFAULT_NOTEBOOK
    if not path.is_file():
        raise ReportError(f"report notebook not found: {path} (pass --notebook PATH)")
    return path
