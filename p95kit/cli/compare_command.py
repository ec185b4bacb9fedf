"""``p95kit compare``: is the candidate slower than the baseline? For deploy pipelines.

Thin over :func:`p95kit.compare` (:mod:`p95kit.compare.versions`), rendered by
:mod:`p95kit.display.compare_text`. Exit 5 after printing when a model's verdict is
``slower`` (one stderr line per such model), 0 otherwise; errors as every command.
"""

from __future__ import annotations

from typing import Any

import click

from p95kit.cli.options import (
    apply_preset,
    client_from,
    connection_options,
    output_options,
    target_options,
)

#: ``--alternative`` (kept in step with p95kit.compare.verdicts.ALTERNATIVES by a test).
ALTERNATIVES = ("two-sided", "slower")


@click.command()
@connection_options
@target_options
@click.option(
    "--baseline", metavar="SEL", help="Label matchers of the baseline, e.g. 'version=\"v1\"'."
)
@click.option(
    "--candidate", metavar="SEL", help="Label matchers of the candidate, e.g. 'version=\"v2\"'."
)
@click.option(
    "--baseline-at",
    metavar="TIME",
    help="Compare the same selector earlier: a time (RFC 3339, unix s) or a duration before "
    "--at (1d). Then --baseline may be left out.",
)
@click.option("--time-range", default="1h", show_default=True, help="Window of each side.")
@click.option("--at", help="End of the candidate's window (RFC 3339 or unix s). [default: now]")
@click.option(
    "--max-slowdown",
    "max_slowdown_pct",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    metavar="PCT",
    help="A P95 change beyond this many % is a verdict (slower/faster); no_change needs the "
    "power to see it.",
)
@click.option(
    "--confidence",
    type=click.FloatRange(min=50, max=100, max_open=True),
    default=95.0,
    show_default=True,
    help="Confidence (%) the bucket counts must show a difference at.",
)
@click.option(
    "--alternative",
    type=click.Choice(ALTERNATIVES),
    default="two-sided",
    show_default=True,
    help="slower: only ask whether the candidate is slower (one-sided).",
)
@click.option(
    "--looks",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many times a growing window will be checked (the level is divided by it).",
)
@click.option(
    "--scrape-interval",
    metavar="DURATION",
    help="Undo increase()'s extrapolation in the request counts (e.g. 15s).",
)
@output_options("json prints the body of GET /api/compare/.")
@click.pass_context
def compare(ctx: click.Context, **kwargs: Any) -> None:
    """Is the candidate (a new model version) slower than the baseline, per model?

    Verdicts: slower, faster, no_change (enough requests to have seen a --max-slowdown
    change, none seen) or inconclusive (too few requests or buckets too coarse; the reason
    says how many each side needs). Exit 5 when a model is slower, for deploy pipelines.

    \b
    Examples:
      p95kit compare --baseline 'version="v1"' --candidate 'version="v2"'
      p95kit compare --candidate 'version="v2"' --baseline-at 1d --time-range 2h
      p95kit compare --preset vllm --baseline 'pod=~"stable-.*"' --candidate 'pod=~"canary-.*"' \\
          --max-slowdown 5 --format json
    """
    from p95kit.compare.versions import compare as compare_versions
    from p95kit.display.compare_text import render
    from p95kit.display.terminal import terminal_safe
    from p95kit.report.alerts import ALERT_EXIT

    output_format = kwargs.pop("output_format")
    apply_preset(kwargs)
    with client_from(kwargs) as client:
        frame = compare_versions(client=client, **kwargs)
    click.echo(render(frame, output_format), nl=False)
    slower = frame[frame["verdict"] == "slower"]
    for row in slower.itertuples(index=False):
        change = f"{row.p95_change_pct:+.1f} %"
        click.echo(f"p95kit: slower: model {terminal_safe(str(row.model))}: P95 {change}", err=True)
    if len(slower):
        ctx.exit(ALERT_EXIT)
