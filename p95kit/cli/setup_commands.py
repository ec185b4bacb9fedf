"""``p95kit demo`` and ``p95kit doctor``: try p95kit out, and check a set-up.

Registered on the ``p95kit`` group in :mod:`p95kit.cli.main`; thin over
:mod:`p95kit.demo.synthetic` and :mod:`p95kit.report.doctor`.
"""

from __future__ import annotations

import os
from typing import Any

import click

from p95kit.cli.options import client_from, connection_options, metric_options, out_option


@click.command()
@out_option
@click.option("--duration", default="24h", show_default=True, help="Report window.")
@click.option(
    "--keep-running", is_flag=True, help="Keep the demo Prometheus for Jupyter until Ctrl-C."
)
@click.option("--serve", is_flag=True, help="Then serve the live API and the reports until Ctrl-C.")
@click.option("--port", default=8000, show_default=True, help="Port for --serve (0: any free one).")
def demo(out: str, duration: str, keep_running: bool, serve: bool, port: int) -> None:
    """Start a throwaway Prometheus with synthetic LLM latency and publish a real report.

    Needs the prometheus and promtool binaries (Debian/Ubuntu: apt-get install prometheus).
    The Prometheus runs on a free loopback port and is stopped at the end.

    \b
    Examples:
      p95kit demo
      p95kit demo --keep-running      # then explore notebooks/explore.ipynb in Jupyter
      p95kit demo --serve             # prints a curl line and the reports URL
    """
    from p95kit.demo.synthetic import demo_prometheus
    from p95kit.prometheus.client import Prometheus
    from p95kit.report.data import ReportSettings, plan
    from p95kit.report.pipeline import run_report

    settings = ReportSettings(duration=duration, slo_ms=2000.0)
    plan(settings)  # a bad --duration fails now, not after starting Prometheus
    click.echo("starting a demo Prometheus with 3 days of synthetic data ...", err=True)
    with demo_prometheus() as server, Prometheus(server.url) as client:
        outcome = run_report(client, settings, out)
        click.echo(outcome.path.resolve() / "report.html")
        if serve:
            from p95kit.serve.demo_api import serve_demo

            serve_demo(server.url, out, port)
        elif keep_running:
            _wait_for_interrupt(
                f"demo Prometheus at {server.url} (pid {server.pid}); in another shell:\n"
                f"  export P95KIT_PROMETHEUS_URL={server.url}\n"
                "  jupyter lab notebooks/explore.ipynb\n"
                f"press Ctrl-C (or kill {os.getpid()}) to stop it"
            )
    click.echo("demo Prometheus stopped", err=True)


def _wait_for_interrupt(message: str) -> None:
    """Say ``message``, then wait for Ctrl-C or SIGTERM (either one is a normal stop)."""
    import time

    try:
        click.echo(message, err=True)  # inside the try: a signal right after it is caught too
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


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
