"""``p95kit presets``: the serving-stack presets (:mod:`p95kit.query.presets`), listed."""

from __future__ import annotations

import click


@click.command("presets")
def presets() -> None:
    """List the serving-stack presets: name, model label, latency metrics.

    \b
    Example:
      p95kit report --preset vllm --duration 24h
    """
    from p95kit.query.presets import PRESETS

    for preset in PRESETS.values():
        click.echo(f"{preset.name} ({preset.description}): by {preset.model_label}")
        for metric in preset.metrics:
            extra = [metric.title]
            if metric.histogram == "summary":
                extra.append("summary: p95kit query only")
            if metric.model_label:
                extra.append(f"by {metric.model_label}")
            if metric.optional:
                extra.append("when present")
            click.echo(f"  {metric.name}  ({', '.join(extra)})")
        if preset.note:
            click.echo(f"  note: {preset.note}")
