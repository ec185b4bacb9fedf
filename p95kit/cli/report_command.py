"""``p95kit report``: run the report notebook for a window and publish a snapshot.

Its settings options derive from :class:`p95kit.report.parameters.ReportSettings`
(:func:`settings_options`); the options of where and how to run (``--out``,
``--keep``, ``--wait``, ``--notebook``, ``--cell-timeout``) are
:func:`p95kit.report.run_report`'s keyword arguments; who to tell (``--notify``,
``--email``, ...: :func:`delivery_options`) its :class:`~p95kit.report.delivery.Delivery`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import click

from p95kit.cli.options import (
    apply_options,
    client_from,
    connection_options,
    out_option,
    report_target_options,
)
from p95kit.report.parameters import SELECTION_DEFAULTS, ReportSettings, to_notebook

log = logging.getLogger("p95kit")

_RUN_OPTIONS = ("out", "keep", "wait", "notebook", "cell_timeout")
_DELIVERY_OPTIONS = ("notify", "email", "smtp_url", "email_from", "base_url", "notify_when")


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


def delivery_options(func: Callable) -> Callable:
    """``--notify``, ``--email``, ``--smtp-url``, ``--email-from``, ``--base-url``,
    ``--notify-when``: :class:`p95kit.report.delivery.Delivery`'s fields."""
    options = [
        click.option(
            "--notify",
            multiple=True,
            metavar="URL",
            help="After publishing, post the headline and a link to this Slack, Mattermost "
            "or Teams incoming webhook (repeatable; @FILE reads the URLs from a file, "
            "keeping them out of the crontab).",
        ),
        click.option(
            "--email",
            multiple=True,
            metavar="ADDRESS",
            help="After publishing, mail the headline, tables and charts (HTML) to ADDRESS "
            "(repeatable; needs --smtp-url).",
        ),
        click.option(
            "--smtp-url",
            envvar="P95KIT_SMTP_URL",
            metavar="smtp[s]://HOST[:PORT]",
            help="Mail server: smtps:// (TLS) or smtp:// (STARTTLS). User and password from "
            "P95KIT_SMTP_USER and P95KIT_SMTP_PASSWORD (or P95KIT_SMTP_PASSWORD_FILE).",
        ),
        click.option(
            "--email-from",
            envvar="P95KIT_EMAIL_FROM",
            metavar="ADDRESS",
            help="Sender of the mail (default p95kit@<host name>).",
        ),
        click.option(
            "--base-url",
            envvar="P95KIT_BASE_URL",
            metavar="URL",
            help="Where --out is served (https://reports.example/), for links in messages.",
        ),
        click.option(
            "--notify-when",
            type=click.Choice(["always", "alert", "failure"]),
            default="always",
            show_default=True,
            help="When to send: every run; alert: a failed run, an SLO breach (--slo-ms) or "
            "a model more than --max-regression % slower; failure: failed runs only.",
        ),
    ]
    return apply_options(func, options)


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
@delivery_options
@click.pass_context
def report(ctx: click.Context, **kwargs: Any) -> None:
    """Run the report notebook for a window and publish an HTML + JSON snapshot.

    Silent on success (cron mails any output); -v shows progress and the path.
    A run that finds another one holding --out exits 75 unless --wait allows it.
    --notify and --email tell people after publishing; a notification that fails is
    one stderr line and exit 6 (the snapshot is published; an alert's exit 5 wins).

    \b
    Examples:
      p95kit report --duration 24h
      p95kit report --duration 7d --step 1h --percentiles 50,90,95,99 --slo-ms 500
      p95kit report --duration 24h --end 2026-11-27T00:00:00Z --out /srv/reports --keep 30
      p95kit report --preset vllm --slo-ms 2000 --fail-on-breach --max-regression 20
      p95kit report --notify @/etc/p95kit/webhooks --base-url https://reports.example/
      p95kit report --email ml-team@example.com --smtp-url smtps://smtp.example:465
    """
    from p95kit.errors import NotificationError
    from p95kit.report.alerts import ALERT_EXIT, alert_lines
    from p95kit.report.delivery import Delivery
    from p95kit.report.pipeline import run_report

    run_options = {k: kwargs.pop(k) for k in _RUN_OPTIONS}
    alerts = {k: kwargs.pop(k) for k in ("fail_on_breach", "max_regression")}
    sending = {k: kwargs.pop(k) for k in _DELIVERY_OPTIONS}
    delivery = Delivery(
        webhooks=sending.pop("notify"),
        emails=sending.pop("email"),
        when=sending.pop("notify_when"),
        max_regression=alerts["max_regression"],
        **sending,
    )
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
        outcome = run_report(  # progress: -v on a tty
            client,
            settings,
            progress=None,
            delivery=delivery if delivery.wanted else None,
            **run_options,
        )
    log.info("report: %s", outcome.path / "report.html")
    lines = alert_lines(outcome.summaries, slo_ms=settings.slo_ms, **alerts)
    for line in lines:  # cron mails them; the snapshot is published all the same
        click.echo(line, err=True)
    if lines:
        ctx.exit(ALERT_EXIT)
    if outcome.undelivered:  # each one was a line on stderr already (logged as an error)
        ctx.exit(NotificationError.exit_code)
