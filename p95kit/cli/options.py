"""Options shared by the ``p95kit`` commands, bundled as decorators (sqlite-utils style)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def connection_options(func: Callable) -> Callable:
    """Options that say where Prometheus is and how to authenticate."""
    options = [
        click.option(
            "--prometheus-url",
            envvar="P95KIT_PROMETHEUS_URL",
            help="Base URL, may include a path prefix. [env P95KIT_PROMETHEUS_URL; "
            "default http://localhost:9090]",
        ),
        click.option(
            "--bearer-token-file",
            type=click.Path(dir_okay=False),
            help="File with a bearer token, re-read each run. [env P95KIT_BEARER_TOKEN(_FILE)]",
        ),
        click.option(
            "--basic-auth-file",
            type=click.Path(dir_okay=False),
            help="File with one line 'user:password'. [env P95KIT_BASIC_AUTH_FILE]",
        ),
        click.option(
            "--header",
            "headers",
            multiple=True,
            metavar="'NAME: VALUE'",
            help="Extra HTTP header, repeatable: 'X-Scope-OrgID: team-a'. [env P95KIT_HEADERS]",
        ),
        click.option("--ca-bundle", type=click.Path(dir_okay=False), help="CA bundle (TLS)."),
        click.option("--insecure", is_flag=True, help="Do not verify TLS certificates."),
        click.option(
            "--param",
            "params",
            multiple=True,
            metavar="KEY=VALUE",
            help="Extra query parameter for the backend, repeatable, e.g. partial_response=true.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=30.0,
            show_default=True,
            envvar="P95KIT_TIMEOUT",
            help="Seconds to wait for each HTTP answer.",
        ),
    ]
    return _apply(func, options)


#: ``--out``: where ``report`` and ``demo`` publish snapshots.
out_option = click.option(
    "--out",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder that receives the snapshots (latest, index.html).",
)


def metric_options(func: Callable) -> Callable:
    """Options that say which metric and which of its series (``p95kit models``)."""
    return _apply(func, _metric_options())


def target_options(func: Callable) -> Callable:
    """Options that say which metric and which models to measure, and its unit."""
    metric_name, model_label, selector, histogram = _metric_options()
    model = click.option(
        "--model", "models", multiple=True, help="Only this model (exact name), repeatable."
    )
    unit = click.option(
        "--unit",
        type=click.Choice(["auto", "s", "ms"]),
        default="auto",
        show_default=True,
        help="Unit of the metric; auto reads the name (_seconds, _milliseconds, _ms).",
    )
    return _apply(func, [metric_name, model_label, model, selector, histogram, unit])


def estimator_option(func: Callable) -> Callable:
    """``--estimator prometheus|smooth`` (which percentile; see README "Which percentile?")."""
    return click.option(
        "--estimator",
        type=click.Choice(["prometheus", "smooth"]),
        default="prometheus",
        show_default=True,
        help="prometheus: histogram_quantile (as Grafana); smooth: p95kit's estimate from the "
        "same buckets, closer to the true percentile.",
    )(func)


def _metric_options() -> list[Callable]:
    return [
        click.option(
            "--metric-name",
            default="request_duration_seconds",
            show_default=True,
            help="Histogram metric name (without _bucket).",
        ),
        click.option(
            "--model-label", default="model", show_default=True, help="Label naming the model."
        ),
        click.option("--selector", help="Extra label matchers, e.g. 'env=\"prod\"'."),
        click.option(
            "--histogram",
            type=click.Choice(["auto", "classic", "native", "summary"]),
            default="auto",
            show_default=True,
            help="Metric kind; auto answers from classic or native histograms.",
        ),
    ]


def _apply(func: Callable, options: list[Callable]) -> Callable:
    for option in reversed(options):
        func = option(func)
    return func


def client_from(kwargs: dict[str, Any]):
    """Pop the connection options from ``kwargs`` and build a client."""
    from p95kit.prometheus.config import build_client

    return build_client(
        kwargs.pop("prometheus_url"),
        bearer_token_file=kwargs.pop("bearer_token_file"),
        basic_auth_file=kwargs.pop("basic_auth_file"),
        headers=kwargs.pop("headers"),
        ca_bundle=kwargs.pop("ca_bundle"),
        insecure=kwargs.pop("insecure"),
        params=kwargs.pop("params"),
        timeout=kwargs.pop("timeout"),
    )
