"""``p95kit serve``: the original API, live (thin over :mod:`p95kit.serve`)."""

from __future__ import annotations

from typing import Any

import click

from p95kit.cli.options import connection_options


@click.command()
@connection_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--reports",
    type=click.Path(file_okay=False, exists=True),
    envvar="P95KIT_SERVE_REPORTS",
    help="A `report --out` folder to serve read-only under /reports/.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Origin allowed by CORS, repeatable ('*' for any). [default: CORS off]",
)
@click.option(
    "--allow-prometheus-url",
    "allow_prometheus_urls",
    multiple=True,
    metavar="URL",
    help="Another Prometheus callers may name with ?prometheus_url=, repeatable (no credentials).",
)
@click.option(
    "--cache-ttl",
    type=click.FloatRange(min=0),
    default=15.0,
    show_default=True,
    envvar="P95KIT_SERVE_CACHE_TTL",
    help="Seconds an answer is reused; 'now' is rounded down to it. 0: no cache.",
)
@click.option(
    "--max-concurrent-queries",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    envvar="P95KIT_SERVE_MAX_CONCURRENT_QUERIES",
    help="Questions to Prometheus at once; past it: 503 with Retry-After.",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    envvar="P95KIT_SERVE_DEADLINE",
    help="Seconds one request may take. [default: --timeout + 5]",
)
def serve(host: str, port: int, **kwargs: Any) -> None:
    """Serve the original API live: /api/metrics/p95/, /p95/range/, /percentiles/, /models/.

    Same parameters, defaults and JSON bodies as the Django API it replaces (and the
    report's JSON files), plus /api/openapi.json, /healthz, /readyz, /metrics. Needs the
    serve extra: pip install 'p95kit[serve]'. SIGTERM lets requests in flight finish.

    \b
    Examples:
      p95kit serve --prometheus-url http://localhost:9090 --reports reports
      p95kit serve --host 0.0.0.0 --cors-origin https://dash.example.com --cache-ttl 30
      curl 'http://127.0.0.1:8000/api/metrics/p95/range/?duration=24h&step=1h'
    """
    try:
        from p95kit.serve.runner import serve as run
        from p95kit.serve.settings import ServeSettings
    except ImportError as exc:
        raise click.ClickException(
            f"p95kit serve needs the serve extra ({exc.name} is missing): "
            "pip install 'p95kit[serve]'"
        ) from None
    kwargs["headers"] = tuple(kwargs["headers"])
    kwargs["params"] = tuple(kwargs["params"])
    run(ServeSettings(**kwargs), host, port)
