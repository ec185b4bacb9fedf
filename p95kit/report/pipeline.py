"""Run a report: fetch once, execute the notebook, export HTML, publish a snapshot.

:func:`run_report` is the whole pipeline as a short sequence of calls::

    plan -> lock -> start kernel | collect -> save payloads -> draw chart -> papermill
         -> nbconvert -> run.json -> publish

Parameters are validated before anything is sent or written. Data is fetched in
this process (which holds the credentials) and handed to the notebook as files,
so no secret reaches the notebook, the HTML or ``run.json``. A failure keeps
``<stamp>_<duration>.failed/`` for debugging and never moves ``latest``.
"""

from __future__ import annotations

import contextlib
import logging
import platform
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from p95kit import validation
from p95kit.errors import (
    P95kitError,
    PrometheusQueryError,
    PrometheusUnavailableError,
    ReportError,
)
from p95kit.progress import Advance, bar, no_progress
from p95kit.prometheus.client import Prometheus
from p95kit.query import shapes
from p95kit.query.payloads import dumps, error_payload
from p95kit.report.collect import collect_all
from p95kit.report.data import (
    BUDGET_CHART_FILE,
    CHART_FILE,
    METRICS_DIR,
    ReportData,
    folder_name,
    save_all,
)
from p95kit.report.index_page import headline_numbers, render_index
from p95kit.report.parameters import ReportSettings, notebook_parameters, with_selection_defaults
from p95kit.report.plan import MetricPlan, Plan, plan_metrics
from p95kit.report.snapshots import RUN_FILE, SnapshotStore, moves_latest, stamp, write_atomic
from p95kit.times import to_rfc3339
from p95kit.version import __version__

log = logging.getLogger("p95kit")

# p95kit/report/notebooks is a symlink to the top-level notebooks/, so wheels carry
# the notebook too.
DEFAULT_NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / "report.ipynb"


@dataclass
class ReportRun:
    """The outcome of :func:`run_report`: the snapshot folder, its ``run.json`` and the
    summary frame of each metric (by metric name, first one first)."""

    path: Path
    run: dict[str, Any]
    summaries: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOptions:
    """How to run the notebook (see :func:`run_report`)."""

    notebook: Path
    cell_timeout: float
    advance: Advance = no_progress  # one step per stage: fetch, chart, notebook, HTML


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

    Returns the snapshot folder and its ``run.json`` (:class:`ReportRun`). Raises the
    :class:`~p95kit.errors.P95kitError` that stopped the run: ``InvalidParameterError``
    before anything is sent or written, ``ReportLockedError`` when another run holds
    ``out``, the Prometheus errors, or ``ReportError`` (a ``.failed`` folder is kept).
    """
    settings = with_selection_defaults(settings if settings is not None else ReportSettings())
    plan_metrics(settings)  # invalid parameters: exit before anything is written or sent
    _check_run_options(wait, cell_timeout)
    options = RunOptions(_notebook(notebook), cell_timeout)
    store = SnapshotStore(out)
    with _connected(client) as client, store.lock(wait):
        # Stamp and window from when the lock is held: a run that waited for another one
        # must not publish under an older name (or for an older window) than that one.
        started = time.time()
        plans, notes = plan_metrics(settings)
        validated = plans[0].plan
        for leftover in store.clean_staging():
            log.info("removed %s, left by a killed run", leftover.name)
        run = _run_record(client, settings, validated, started)
        run["moves_latest"] = moves_latest(store, run, explicit_end=settings.end is not None)
        name = f"{stamp(started)}_{validated.duration}"
        staging = store.new_staging(started)
        try:  # straight after the mkdir (a folder a signal still leaves: the next run removes it)
            with bar(4, "report", progress) as advance:
                planned = (plans, notes)
                summaries = _build(staging, client, planned, run, replace(options, advance=advance))
            final = store.publish(staging, name, move_latest=run["moves_latest"])
            log.info("published %s", final)
            if not run["moves_latest"]:
                log.info("latest stays at %s: its window ends later", store.latest())
        except Exception as exc:
            _record_failure(run, exc, started)
            write_atomic(staging / RUN_FILE, dumps(run, indent=True))
            final = store.publish(staging, name, failed=True)
            log.info("kept the failed run in %s", final)
            raise
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
            store.write_index(render_index(store))
        if keep is not None:
            for removed in store.prune(keep):
                log.info("retention removed %s", removed.name)
            store.write_index(render_index(store))
    return ReportRun(final, run, summaries)


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
) -> dict[str, pd.DataFrame]:
    """Fill ``staging`` with everything a snapshot holds: fetch, execute, export, run.json.
    Returns each metric's summary frame (for the alerting exits)."""
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
        _check_not_empty(data, client, kept[0][0].plan)
        run["metrics"] = [mp.metric_name for mp, _ in kept]
        run["headline"] = headline_numbers(data)
        run["versions"] = _versions(client)
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
    return {mp.metric_name: other.summary for mp, other in kept}


def _check_not_empty(data: ReportData, client: Prometheus, p: Plan) -> None:
    """No series at all is a mistake (a metric or label typo, a wrong --end), not a report:
    publishing it would replace ``latest`` with empty payloads, and cron would say nothing.
    A metric that cannot give percentiles (a counter) raises the shape check's error."""
    if len(data.summary):
        return
    try:
        notes = shapes.explain_empty(client, p.target, p.end - p.span - 86400, p.end)
    except (PrometheusUnavailableError, PrometheusQueryError):
        notes = []
    meta = data.meta
    what = f"{meta['metric_name']} with a {meta['model_label']!r} label"
    if meta.get("selector"):
        what += f" matching {meta['selector']}"
    if meta.get("models"):
        what += " for the requested models"
    raise ReportError(
        f"no series of {what} between {to_rfc3339(meta['window_start'])} and "
        f"{to_rfc3339(meta['window_end'])}; "
        + (f"{notes[0]}; " if notes else "")
        + "check --metric-name, --model-label, --selector and --end, or run p95kit doctor",
        reason="no_data",
    )


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


def _run_record(
    client: Prometheus, settings: ReportSettings, validated: Plan, started: float
) -> dict[str, Any]:
    parameters = asdict(settings)
    parameters.update(step=validated.step, end=to_rfc3339(validated.end))
    return {
        "status": "running",
        "started_at": started,
        "window": {
            "start": to_rfc3339(validated.end - validated.span),
            "end": to_rfc3339(validated.end),
            "duration": validated.duration,
            "step": validated.step,
            "time_range": validated.time_range,
        },
        "parameters": {**parameters, "prometheus_url": client.safe_url},
        "timings": {},
    }


def _record_failure(run: dict[str, Any], exc: Exception, started: float) -> None:
    run["status"] = "failed"
    run["error"] = {"message": getattr(exc, "message", str(exc)), **error_payload(exc)["details"]}
    run["timings"]["total_s"] = round(time.time() - started, 3)


def _versions(client: Prometheus) -> dict[str, str]:
    import nbconvert
    import pandas
    import papermill

    versions = {
        "p95kit": __version__,
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "papermill": papermill.__version__,
        "nbconvert": nbconvert.__version__,
    }
    try:
        versions["prometheus"] = str(client.buildinfo().get("version", "unknown"))
    except P95kitError:
        versions["prometheus"] = "unknown"
    return versions


def _check_run_options(wait: float, cell_timeout: float | None) -> None:
    validation.positive(wait, "wait", "seconds", "60", zero=True)  # NaN would wait forever
    if cell_timeout is not None:  # papermill reads 0 as "no timeout", < 0 times out at once
        validation.positive(cell_timeout, "cell_timeout", "seconds", "600")


def _notebook(notebook: Path | str | None) -> Path:
    path = Path(notebook) if notebook else DEFAULT_NOTEBOOK
    if not path.is_file():
        raise ReportError(f"report notebook not found: {path} (pass --notebook PATH)")
    return path
