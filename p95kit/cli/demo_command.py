"""``p95kit demo``: try p95kit out on a throwaway Prometheus with synthetic data.

Registered on the ``p95kit`` group in :mod:`p95kit.cli.main`; thin over
:mod:`p95kit.demo.synthetic` and :func:`p95kit.demo.daily_reports.publish_daily`.
"""

from __future__ import annotations

import contextlib
import os

import click

from p95kit.cli.options import out_option


@click.command()
@out_option
@click.option("--duration", default="24h", show_default=True, help="Report window.")
@click.option(
    "--keep-running", is_flag=True, help="Keep the demo Prometheus for Jupyter until Ctrl-C."
)
@click.option(
    "--jupyter",
    is_flag=True,
    help="Instead of a report: JupyterLab on notebooks/explore.ipynb until Ctrl-C "
    "(the jupyter extra); prints its URL.",
)
@click.option(
    "--preset",
    type=click.Choice(["vllm"]),
    help="Synthetic data shaped like this serving stack (vllm: TTFT, inter-token and "
    "end-to-end histograms by model_name, two engines per model) and a report of its metrics.",
)
@click.option("--serve", is_flag=True, help="Then serve the live API and the reports until Ctrl-C.")
@click.option("--port", default=8000, show_default=True, help="Port for --serve (0: any free one).")
def demo(
    out: str,
    duration: str,
    keep_running: bool,
    jupyter: bool,
    preset: str | None,
    serve: bool,
    port: int,
) -> None:
    """Start a throwaway Prometheus with synthetic LLM latency and publish real reports.

    Needs the prometheus and promtool binaries (Debian/Ubuntu: apt-get install prometheus).
    The Prometheus runs on a free loopback port and is stopped at the end. Into an empty
    --out it publishes a report for each of the last 3 days (the data drifts from day to
    day), so index.html shows each model's trend; it prints the newest report's path.

    \b
    Examples:
      p95kit demo
      p95kit demo --keep-running      # then explore notebooks/explore.ipynb in Jupyter
      p95kit demo --preset vllm       # a vLLM-shaped report: TTFT, inter-token, end-to-end
      p95kit demo --jupyter           # JupyterLab on it, P95KIT_PROMETHEUS_URL set
      p95kit demo --serve             # the live API too; prints a curl line and the reports URL
    """
    if jupyter:
        _demo_jupyter()
        return
    from p95kit.demo.daily_reports import publish_daily
    from p95kit.demo.synthetic import demo_prometheus
    from p95kit.prometheus.client import Prometheus
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.plan import plan

    # The vLLM demo has no SLO: one threshold would not fit TTFT, inter-token and e2e alike.
    settings = ReportSettings(duration=duration, slo_ms=None if preset else 2000.0, preset=preset)
    plan(settings)  # a bad --duration fails now, not after starting Prometheus
    days = "4 days of vLLM-shaped" if preset else "4 days of"
    click.echo(f"starting a demo Prometheus with {days} synthetic data ...", err=True)
    with demo_prometheus(preset=preset) as server, Prometheus(server.url) as client:
        outcome = publish_daily(client, settings, out)
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


def _demo_jupyter() -> None:
    """The demo Prometheus and JupyterLab on explore.ipynb; the Lab URL on stdout."""
    from p95kit.demo.jupyter_lab import jupyter_lab, require_jupyterlab
    from p95kit.demo.synthetic import demo_prometheus

    require_jupyterlab()  # before starting anything
    click.echo("starting a demo Prometheus with 4 days of synthetic data ...", err=True)
    with demo_prometheus() as server, jupyter_lab(server.url) as lab:
        click.echo(lab.url)
        click.echo(
            f"JupyterLab (pid {lab.pid}) on explore.ipynb, demo Prometheus at {server.url}; "
            f"press Ctrl-C (or kill {os.getpid()}) to stop both",
            err=True,
        )
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C or SIGTERM: a normal stop
            lab.process.wait()  # or until JupyterLab is shut down from its File menu
    click.echo("JupyterLab and the demo Prometheus stopped", err=True)


def _wait_for_interrupt(message: str) -> None:
    """Say ``message``, then wait for Ctrl-C or SIGTERM (either one is a normal stop)."""
    import time

    try:
        click.echo(message, err=True)  # inside the try: a signal right after it is caught too
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
