"""``p95kit doctor``: check the kernel, Prometheus, the metric and the model label.

Registered on the ``p95kit`` group in :mod:`p95kit.cli.main`; thin over
:mod:`p95kit.report.doctor`.
"""

from __future__ import annotations

from typing import Any

import click

from p95kit.cli.options import client_from, connection_options, metric_options


@click.command()
@connection_options
@metric_options
@click.option("--lookback", default="1d", show_default=True, help="Look this far back.")
def doctor(
    metric_name: str,
    model_label: str,
    selector: str | None,
    histogram: str,
    lookback: str,
    **kwargs: Any,
) -> None:
    """Check the kernel, Prometheus, the metric and the model label; print what to fix.

    \b
    Example:
      p95kit doctor --prometheus-url http://localhost:9090 --metric-name request_duration_seconds
    """
    from p95kit.display.terminal import terminal_safe
    from p95kit.report.doctor import run_checks

    with client_from(kwargs) as client:
        checks = run_checks(
            client, metric_name, model_label, lookback, selector=selector, histogram=histogram
        )
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"{mark} {check.name}: {terminal_safe(check.detail)}")
        if not check.ok:
            click.echo(f"     fix: {check.fix}")
    failed = [c for c in checks if not c.ok]
    if failed:
        raise SystemExit(failed[0].exit_code or 1)
