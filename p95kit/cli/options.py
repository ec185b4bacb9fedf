"""Options shared by the ``p95kit`` commands, bundled as decorators (sqlite-utils style)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from p95kit.query import estimators


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
    return apply_options(func, options)


#: ``--out``: where ``report`` and ``demo`` publish snapshots.
out_option = click.option(
    "--out",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder that receives the snapshots (latest, index.html).",
)


#: ``--preset``: a serving stack's metrics and model label (``p95kit presets`` lists them).
preset_option = click.option(
    "--preset",
    metavar="NAME",
    help="Serving stack (vllm, sglang, tgi, triton, ray-serve, ...; see p95kit presets): its "
    "latency metric(s) and model label; explicit options win.",
)


def metric_options(func: Callable) -> Callable:
    """Options that say which metric and which of its series (``p95kit models``)."""
    return apply_options(func, [preset_option, *_metric_options()])


def apply_preset(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Pop ``--preset`` from ``kwargs`` and fill in what the command line did not say: the
    preset's first metric (or the one named by ``--metric-name``), its model label, kind and
    unit. Options given explicitly (or by environment) win."""
    from click.core import ParameterSource

    from p95kit.query.presets import resolve

    name = kwargs.pop("preset", None)
    if not name:
        return kwargs
    ctx = click.get_current_context()

    def given(key: str) -> Any:
        source = ctx.get_parameter_source(key)
        return kwargs.get(key) if source not in (None, ParameterSource.DEFAULT) else None

    chosen = resolve(
        name,
        [given("metric_name")] if given("metric_name") else None,
        model_label=given("model_label"),
        histogram=given("histogram"),
        unit=given("unit"),
    )[0]
    kwargs.update(
        metric_name=chosen.metric_name, model_label=chosen.model_label, histogram=chosen.histogram
    )
    if "unit" in kwargs:
        kwargs["unit"] = chosen.unit
    return kwargs


def report_target_options(func: Callable) -> Callable:
    """:func:`target_options` for ``p95kit report``, where ``--metric-name`` may be repeated."""
    return target_options(func, several_metrics=True)


def target_options(
    func: Callable, several_metrics: bool = False, histogram_kind: bool = True
) -> Callable:
    """Options that say which metric and which models to measure, and its unit
    (``histogram_kind=False``: no ``--histogram``, for questions that read classic buckets)."""
    metric_name, model_label, selector, histogram = _metric_options(several_metrics)
    model = click.option(
        "--model", "models", multiple=True, help="Only this model (exact name), repeatable."
    )
    unit = click.option(
        "--unit",
        type=click.Choice(["auto", "s", "ms", "us", "ns"]),
        default="auto",
        show_default=True,
        help="Unit of the metric's values; auto reads the name (_seconds, _milliseconds/_ms, "
        "_microseconds/_us, _nanoseconds/_ns; none: seconds, said in the output).",
    )
    kind = [histogram] if histogram_kind else []
    options = [preset_option, metric_name, model_label, model, selector, *kind, unit]
    return apply_options(func, options)


def classic_target_options(func: Callable) -> Callable:
    """:func:`target_options` without ``--histogram``, for the SLO questions (they count
    requests from classic buckets)."""
    return target_options(func, histogram_kind=False)


def output_options(help: str) -> Callable[[Callable], Callable]:
    """``--format table|json|csv`` (case-insensitive; ``output_format`` in the command's
    keywords); ``help`` says what json prints."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json", "csv"], case_sensitive=False),
        default="table",
        show_default=True,
        help=help,
    )


def estimator_option(func: Callable) -> Callable:
    """``--estimator NAME``: which percentile (the registry, :mod:`p95kit.query.estimators`;
    README "Which percentile?")."""
    return click.option(
        "--estimator",
        type=click.Choice(estimators.names()),
        default=estimators.DEFAULT,
        show_default=True,
        help=estimators.help_text() + ".",
    )(func)


def _metric_options(several: bool = False) -> list[Callable]:
    name_help = "Histogram metric name (without _bucket)."
    if several:
        name_help += " Repeat it for several metrics in one report."
    return [
        click.option(
            "--metric-name",
            default=("request_duration_seconds",) if several else "request_duration_seconds",
            multiple=several,
            show_default=True,
            help=name_help,
            # Repeated: a tuple of names; once (or not at all): the name, as for one metric.
            callback=(lambda ctx, param, value: value[0] if len(value) == 1 else value)
            if several
            else None,
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


def apply_options(func: Callable, options: list[Callable]) -> Callable:
    """``func`` decorated with ``options``, the first one first in ``--help``."""
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
