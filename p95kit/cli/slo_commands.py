"""``p95kit slo``: is each model keeping its latency SLO, and how much budget is left?

A click group: ``p95kit slo --threshold-ms 2000 --objective 99.5`` answers on its own
(``invoke_without_command``); subcommands (alerting rules, backtests) hang from the same
group. Thin over :func:`p95kit.slo` / :func:`p95kit.slo_metrics`, rendered by
:mod:`p95kit.display.slo_text`; ``--fail-on-burn`` / ``--fail-on-exhausted`` exit 5 after
printing, one stderr line per model.
"""

from __future__ import annotations

from typing import Any

import click

from p95kit.cli.options import (
    apply_preset,
    classic_target_options,
    client_from,
    connection_options,
    output_options,
)
from p95kit.cli.slo_rule_commands import backtest, rules
from p95kit.query import estimators

#: The exit code when a ``--fail-on-*`` condition holds (as ``report``'s alerting exits).
ALERT_EXIT = 5


def _thresholds(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):
    """``2000`` or ``METRIC=2000`` -> ``[(metric or "", ms)]``."""
    out = []
    for value in values:
        name, _, number = value.rpartition("=") if "=" in value else ("", "", value)
        try:
            out.append((name.strip(), float(number)))
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is not a number of ms (2000) or METRIC=MS (time_to_first_token=500)",
                ctx,
                param,
            ) from None
    return out


@click.group(invoke_without_command=True)
@connection_options
@classic_target_options
@click.option(
    "--threshold-ms",
    "thresholds",
    multiple=True,
    callback=_thresholds,
    metavar="[METRIC=]MS",
    help="The SLO's threshold in ms; repeat as METRIC=MS for one SLO per metric (with "
    "--preset: a unique part of the metric's name, e.g. time_to_first_token=500).",
)
@click.option(
    "--objective",
    type=click.FloatRange(0, 100, min_open=True, max_open=True),
    default=99.0,
    show_default=True,
    help="Percent of requests that must be at or under the threshold.",
)
@click.option("--window", default="30d", show_default=True, help="The SLO's rolling window.")
@click.option("--at", "--end", "at", help="Evaluation time (RFC 3339 or unix s). [default: now]")
@click.option(
    "--estimator",
    type=click.Choice(estimators.names()),
    default=estimators.ACCURATE,
    show_default=True,
    help="How a share is read when the threshold lies between bucket bounds: "
    + estimators.help_text()
    + ".",
)
@output_options("json prints the body of GET /api/slo/.")
@click.option(
    "--explain",
    is_flag=True,
    help="Per model: is the threshold a bucket bound, the nearest bounds, how wide the "
    "uncertainty is (table and json).",
)
@click.option(
    "--fail-on-burn",
    is_flag=True,
    help="Exit 5 after printing, one stderr line per model whose budget burns too fast now "
    "(a burn-rate tier fires).",
)
@click.option(
    "--fail-on-exhausted",
    is_flag=True,
    help="Exit 5 after printing, one stderr line per model whose budget is spent.",
)
@click.pass_context
def slo(ctx: click.Context, **kwargs: Any) -> None:
    """Latency SLOs per model: good share, error budget left, burn rates, status.

    The SLO: --objective % of requests at or under --threshold-ms over --window, counted
    from the histogram's buckets. Status: ok, burning (the SRE workbook's multiwindow
    burn-rate alerts fire now), exhausted (no budget left), no traffic.

    \b
    Examples:
      p95kit slo --threshold-ms 2000 --objective 99.5
      p95kit slo --threshold-ms 500 --window 7d --explain
      p95kit slo --threshold-ms 2000 --fail-on-burn --fail-on-exhausted   # cron: exit 5
      p95kit slo --preset vllm --threshold-ms time_to_first_token=500 \\
          --threshold-ms inter_token=50 --threshold-ms e2e=10000 --format json
      p95kit slo rules --threshold-ms 2000 --objective 99.5 > slo-rules.yml
      p95kit slo backtest --threshold-ms 2000 --objective 99.5 --duration 30d
    """
    if ctx.invoked_subcommand is not None:
        return
    _answer(ctx, kwargs)


def _answer(ctx: click.Context, kwargs: dict[str, Any]) -> None:
    from p95kit.display.slo_text import burning_lines, exhausted_lines

    output_format = kwargs.pop("output_format").lower()
    explain = kwargs.pop("explain")
    if explain and output_format == "csv":
        raise click.UsageError("--explain goes with --format table or json")
    fail_on = {k: kwargs.pop(k) for k in ("fail_on_burn", "fail_on_exhausted")}
    thresholds = kwargs.pop("thresholds")
    if not thresholds:
        raise click.UsageError("--threshold-ms is required, e.g. --threshold-ms 2000")
    with client_from(kwargs) as client:
        frame = _frame(ctx, client, thresholds, kwargs)
    click.echo(_render(frame, output_format, explain), nl=False)
    lines = (burning_lines(frame) if fail_on["fail_on_burn"] else []) + (
        exhausted_lines(frame) if fail_on["fail_on_exhausted"] else []
    )
    for line in lines:
        click.echo(line, err=True)
    if lines:
        ctx.exit(ALERT_EXIT)


def _frame(ctx: click.Context, client, thresholds: list, kwargs: dict[str, Any]):
    from click.core import ParameterSource

    several = len(thresholds) > 1 or any(name for name, _ in thresholds)
    if not several:
        apply_preset(kwargs)
        kwargs.pop("histogram", None)
        from p95kit.slo.latency_slo import slo as ask

        return ask(client=client, threshold_ms=thresholds[0][1], **kwargs)
    from p95kit.slo.several_metrics import slo_metrics

    if ctx.get_parameter_source("metric_name") not in (None, ParameterSource.DEFAULT):
        raise click.UsageError("name the metrics in --threshold-ms METRIC=MS, not --metric-name")
    kwargs.pop("metric_name")
    for key in ("model_label", "unit"):  # not given: the preset's
        if ctx.get_parameter_source(key) in (None, ParameterSource.DEFAULT):
            kwargs[key] = None
    return slo_metrics(thresholds, client=client, **kwargs)


def _render(frame, output_format: str, explain: bool) -> str:
    from p95kit.display.slo_text import explain_lines, goodput_table, render_slo

    if output_format == "json" and explain:
        from p95kit.query.payloads import dumps
        from p95kit.slo.payload import rows, to_slo_payload
        from p95kit.slo.thresholds import slo_advice

        body = to_slo_payload(frame)
        body["advice"] = rows(slo_advice(frame))
        return dumps(body, indent=True).decode() + "\n"
    text = render_slo(frame, output_format)
    if output_format != "table":
        return text
    if "metric_name" in frame.columns and frame["metric_name"].nunique() > 1:
        from p95kit.slo.several_metrics import goodput

        text += "\n" + goodput_table(goodput(frame))
    if explain and len(frame):
        text += "\n" + "\n".join(explain_lines(frame)) + "\n"
    return text


slo.add_command(rules)
slo.add_command(backtest)
