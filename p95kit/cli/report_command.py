"""``p95kit report``: run the report notebook for a window and publish a snapshot.

Its settings options derive from :class:`p95kit.report.parameters.ReportSettings`
(:func:`settings_options`); the options of where and how to run (``--out``,
``--keep``, ``--wait``, ``--notebook``, ``--cell-timeout``) are
:func:`p95kit.report.run_report`'s keyword arguments.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import click

from p95kit.cli.options import client_from, connection_options, out_option, report_target_options
from p95kit.report.parameters import SELECTION_DEFAULTS, ReportSettings, to_notebook

log = logging.getLogger("p95kit")

_RUN_OPTIONS = ("out", "keep", "wait", "notebook", "cell_timeout")


def settings_options(func: Callable) -> Callable:
    """One option for each :class:`ReportSettings` field that declares its own
    (the fields shared with ``p95kit query`` come from :func:`target_options`)."""
    for field in reversed(dataclasses.fields(ReportSettings)):
        option = field.metadata["option"]
        if option is None:
            continue
        if option.choices:
            kind = click.Choice(option.choices)
        elif option.number is None:
            kind = click.STRING
        else:
            ranged = click.IntRange if option.number is int else click.FloatRange
            kind = ranged(min=option.minimum, min_open=option.above_minimum)
        default = field.default
        if isinstance(default, tuple):  # the command line spells a tuple as "50,95,99"
            default = to_notebook(default, str)
        func = click.option(
            "--" + field.name.replace("_", "-"),
            default=default,
            show_default=default is not None,
            type=kind,
            help=option.help,
        )(func)
    return func


@click.command()
@connection_options
@report_target_options
@settings_options
@out_option
@click.option("--keep", type=click.IntRange(min=1), help="Keep only the N newest snapshots.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another run on --out; then exit 75.",
)
@click.option("--notebook", type=click.Path(dir_okay=False), help="Report notebook to run.")
@click.option(
    "--cell-timeout",
    default=600.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds one notebook cell may run.",
)
@click.option(
    "--fail-on-breach",
    is_flag=True,
    help="After publishing, exit 5 with one stderr line per model whose window P95 is over "
    "--slo-ms.",
)
@click.option(
    "--max-regression",
    type=click.FloatRange(min=0),
    metavar="PCT",
    help="After publishing, exit 5 with one stderr line per model whose window P95 grew by "
    "more than PCT % against the previous window.",
)
@click.pass_context
def report(ctx: click.Context, **kwargs: Any) -> None:
    """Run the report notebook for a window and publish an HTML + JSON snapshot.

    Silent on success (cron mails any output); -v shows progress and the path.
    A run that finds another one holding --out exits 75 unless --wait allows it.

    \b
    Examples:
      p95kit report --duration 24h
      p95kit report --duration 7d --step 1h --percentiles 50,90,95,99 --slo-ms 500
      p95kit report --duration 24h --end 2026-11-27T00:00:00Z --out /srv/reports --keep 30
      p95kit report --preset vllm --slo-ms 2000 --fail-on-breach --max-regression 20
    """
    from p95kit.report.alerts import ALERT_EXIT, alert_lines
    from p95kit.report.pipeline import run_report

    run_options = {k: kwargs.pop(k) for k in _RUN_OPTIONS}
    alerts = {k: kwargs.pop(k) for k in ("fail_on_breach", "max_regression")}
    if alerts["fail_on_breach"] and not kwargs.get("slo_ms"):
        raise click.UsageError("--fail-on-breach needs --slo-ms (the SLO to compare with)")
    verbose = ctx.find_root().params.get("verbose", 0)
    if not verbose and not ctx.find_root().params.get("debug"):
        # Silent on success under cron: Prometheus warnings go to the report and run.json.
        log.setLevel(logging.ERROR)
    from click.core import ParameterSource

    for name in SELECTION_DEFAULTS:  # not given: None, the preset's (else the default)
        if ctx.get_parameter_source(name) in (None, ParameterSource.DEFAULT):
            kwargs[name] = None
    names = [field.name for field in dataclasses.fields(ReportSettings)]
    settings = ReportSettings(**{name: kwargs.pop(name) for name in names})
    with client_from(kwargs) as client:
        outcome = run_report(client, settings, progress=None, **run_options)  # -v on a tty
    log.info("report: %s", outcome.path / "report.html")
    lines = alert_lines(outcome.summaries, slo_ms=settings.slo_ms, **alerts)
    for line in lines:  # cron mails them; the snapshot is published all the same
        click.echo(line, err=True)
    if lines:
        ctx.exit(ALERT_EXIT)
