"""``p95kit slo rules`` and ``p95kit slo backtest``: the alerting rules of a latency SLO, and
what they would have fired.

Two click commands (attached to the ``slo`` group, :mod:`p95kit.cli.main`), thin over
:func:`p95kit.slo.rules.slo_rules` and :func:`p95kit.slo.backtest.slo_backtest`; both take the
same SLO options, so a backtest replays exactly the rules ``rules`` prints.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import click

from p95kit.cli.options import (
    apply_options,
    apply_preset,
    client_from,
    connection_options,
    output_options,
    target_options,
)


def slo_rule_options(func: Callable) -> Callable:
    """The SLO and its policy: threshold, objective, window, tiers, guard, step."""
    options = [
        click.option(
            "--threshold-ms",
            type=click.FloatRange(min=0, min_open=True),
            required=True,
            help="Latency threshold (ms); must be a bucket bound (see --nearest-bucket).",
        ),
        click.option(
            "--objective",
            type=float,
            default=99.0,
            show_default=True,
            help="Percent of requests that must be at or under the threshold.",
        ),
        click.option("--window", default="30d", show_default=True, help="The SLO's window."),
        click.option(
            "--tiers",
            default="page,ticket",
            show_default=True,
            help="Which alerts: page, ticket or page,ticket.",
        ),
        click.option(
            "--min-bad-requests",
            type=click.FloatRange(min=0),
            default=3,
            show_default=True,
            help="Low-traffic guard: a tier fires only with this many slow requests in its "
            "long window (0: no guard).",
        ),
        click.option(
            "--nearest-bucket",
            is_flag=True,
            help="Move a threshold between bucket bounds to the nearest bound (and say so).",
        ),
        click.option(
            "--step",
            default="1m",
            show_default=True,
            help="How often Prometheus evaluates the rules (the rule group's interval).",
        ),
        click.option("--name", help="The rules' slo label. [default: <metric>-<ms>ms-<objective>]"),
    ]
    return target_options(connection_options(apply_options(func, options)))


def _library_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The options as the library's parameters (``--histogram``: classic histograms only)."""
    from p95kit.errors import InvalidParameterError

    apply_preset(kwargs)
    histogram = kwargs.pop("histogram", "auto")
    if histogram not in ("auto", "classic"):
        raise InvalidParameterError(
            "histogram", f"SLO rules need a classic histogram (_bucket, le); got {histogram}"
        )
    return kwargs


@click.command("rules")
@slo_rule_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["prometheus", "sloth", "pyrra", "openslo"]),
    default="prometheus",
    show_default=True,
    help="A Prometheus rule file, or the spec Sloth, Pyrra or OpenSLO takes.",
)
@click.option(
    "--bounds-ms",
    help="The metric's bucket bounds in ms, comma-separated: generate without asking "
    "Prometheus. [default: read from Prometheus over --window]",
)
def rules(**kwargs: Any) -> None:
    """Print the alerting rules of a latency SLO as YAML (per model: error ratio recording
    rules, P95kitLatencyBudgetBurn alerts with severity page/ticket).

    \b
    Examples:
      p95kit slo rules --threshold-ms 2000 --objective 99.5 > slo-rules.yml
      promtool check rules slo-rules.yml
      p95kit slo rules --threshold-ms 2000 --objective 99.5 --tiers page --format sloth
      p95kit slo rules --threshold-ms 1800 --nearest-bucket --bounds-ms 500,1000,2500
    """
    from p95kit.slo.rules import slo_rules

    kwargs = _library_kwargs(kwargs)
    kwargs["format"] = kwargs.pop("output_format")
    bounds = kwargs.pop("bounds_ms")
    if bounds:
        kwargs["bounds_ms"] = _numbers(bounds)
    with client_from(kwargs) as client:
        text = slo_rules(client=client, **kwargs)
    for line in text.splitlines():
        if line.startswith("# Note: "):
            click.echo("p95kit: note: " + line.removeprefix("# Note: "), err=True)
    click.echo(text, nl=False)


@click.command("backtest")
@slo_rule_options
@click.option("--duration", default="30d", show_default=True, help="How far back to replay.")
@click.option("--end", help="End of the replay (RFC 3339 or unix s). [default: now]")
@output_options("One row per alert episode.")
def backtest(**kwargs: Any) -> None:
    """Replay the SLO's alerting rules over the past: every alert episode per model
    (severity, windows, start, end, peak burn rate), as a Prometheus evaluating the rules
    every --step would have fired them.

    \b
    Examples:
      p95kit slo backtest --threshold-ms 2000 --objective 99.5 --duration 30d
      p95kit slo backtest --threshold-ms 2000 --tiers page --format csv > pages.csv
    """
    from p95kit.slo.backtest import slo_backtest

    kwargs = _library_kwargs(kwargs)
    output_format = kwargs.pop("output_format")
    with client_from(kwargs) as client:
        frame = slo_backtest(client=client, **kwargs)
    click.echo(render(frame, output_format), nl=False)


def render(frame, output_format: str) -> str:
    """The episodes as a table (model names made terminal-safe), JSON or CSV."""
    from p95kit.display.terminal import terminal_safe
    from p95kit.slo.episodes import to_records

    if output_format == "json":
        keep = ("metric_name", "threshold_ms", "threshold_bucket_ms", "objective", "window")
        meta = {k: frame.attrs.get(k) for k in (*keep, "duration", "step", "note", "slo")}
        body = {"status": "success", "data": to_records(frame), "count": len(frame), **meta}
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    shown = frame.copy()
    for column in ("started", "ended"):
        shown[column] = shown[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if output_format == "csv":
        buffer = io.StringIO()
        shown.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()
    attrs = frame.attrs
    footer = (
        f"{attrs.get('evaluations', 0):,} evaluations every {attrs.get('step')} over "
        f"{attrs.get('duration')}, {len(attrs.get('models') or [])} models"
    )
    if attrs.get("note"):
        footer += f"; {attrs['note']}"
    if frame.empty:
        return f"no alert would have fired ({footer})\n"
    shown["model"] = shown["model"].map(terminal_safe)
    shown["ended"] = shown["ended"].fillna("(firing)")
    shown["peak_burn_rate"] = shown["peak_burn_rate"].map(lambda v: f"{v:.3g}")
    return shown.to_string(index=False) + f"\n{footer}\n"


def _numbers(text: str) -> list[float]:
    from p95kit.errors import InvalidParameterError

    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidParameterError(
            "bounds_ms", f"--bounds-ms takes numbers, e.g. 500,1000,2500; got {text!r}"
        ) from None
