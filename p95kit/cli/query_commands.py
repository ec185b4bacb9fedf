"""``p95kit query p95|range|percentiles`` and ``p95kit models``: one answer on the terminal.

Registered on the ``p95kit`` group in :mod:`p95kit.cli.main`; thin over
:mod:`p95kit.query.latency`, rendered by :mod:`p95kit.display.terminal`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from p95kit.cli.options import (
    apply_preset,
    client_from,
    connection_options,
    estimator_option,
    metric_options,
    output_options,
    target_options,
)


def query_command(func: Callable) -> Callable:
    """Shared options and output for the ``query`` subcommands."""

    @connection_options
    @target_options
    @estimator_option
    @output_options("json prints exactly the original API's payload.")
    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> None:
        from p95kit.display.terminal import render

        output_format = kwargs.pop("output_format")
        apply_preset(kwargs)
        with client_from(kwargs) as client:
            frame = func(client=client, **kwargs)
        click.echo(render(frame, output_format), nl=False)

    return wrapper


@click.group()
def query() -> None:
    """Answer one question on the terminal.

    \b
    Examples:
      p95kit query p95 --time-range 10m
      p95kit query range --duration 6h --step 5m --format json
      p95kit query percentiles --percentiles 50,90,99.9 --format csv
    """


@query.command("p95")
@click.option("--time-range", default="5m", show_default=True, help="Window of each P95.")
@click.option("--at", "--end", "at", help="Evaluation time (RFC 3339 or unix s). [default: now]")
@query_command
def query_p95(**kwargs: Any):
    """Current P95 latency per model (ms).

    \b
    Example:
      p95kit query p95 --time-range 10m --metric-name api_response_time_seconds
    """
    from p95kit.query.latency import p95

    return p95(**kwargs)


@query.command("range")
@click.option("--duration", default="1h", show_default=True, help="How far back.")
@click.option("--step", default="1m", show_default=True, help="Distance between points.")
@click.option("--time-range", default="5m", show_default=True, help="Window of each P95.")
@click.option("--end", help="End of the range (RFC 3339 or unix s). [default: now]")
@query_command
def query_range(**kwargs: Any):
    """P95 latency per model over time (ms).

    \b
    Example:
      p95kit query range --duration 24h --step 1h --format csv > p95.csv
    """
    from p95kit.query.latency import p95_range

    return p95_range(**kwargs)


@query.command("percentiles")
@click.option("--percentiles", default="50,95,99", show_default=True, help="Comma-separated.")
@click.option("--time-range", default="5m", show_default=True, help="Window of the percentiles.")
@click.option("--at", "--end", "at", help="Evaluation time (RFC 3339 or unix s). [default: now]")
@query_command
def query_percentiles(**kwargs: Any):
    """Several percentiles per model in one request (ms).

    \b
    Example:
      p95kit query percentiles --percentiles 50,90,95,99 --time-range 1h
    """
    from p95kit.query.latency import percentiles

    return percentiles(**kwargs)


@click.command()
@connection_options
@metric_options
@click.option("--lookback", default="1d", show_default=True, help="Look this far back.")
@click.option("--end", help="End of the lookback (RFC 3339 or unix s). [default: now]")
def models(**kwargs: Any) -> None:
    """List the models that have the metric, one per line.

    \b
    Example:
      p95kit models --metric-name request_duration_seconds --lookback 7d
    """
    from p95kit.display.terminal import terminal_safe
    from p95kit.query.latency import list_models

    apply_preset(kwargs)
    with client_from(kwargs) as client:
        names = list_models(client=client, **kwargs)
    for name in names:
        click.echo(terminal_safe(name))
