"""The FastAPI application: the original API's endpoints, health, metrics, and the reports folder.

    from p95kit.serve import create_app, ServeSettings
    app = create_app(ServeSettings(prometheus_url="http://prometheus:9090", reports="/srv/reports"))

Under a server of your choice, with several workers (each reads ``P95KIT_*`` variables,
see :mod:`p95kit.serve.settings`; each worker has its own cache, query limit and metrics)::

    P95KIT_PROMETHEUS_URL=http://prometheus:9090 \\
        uvicorn --factory p95kit.serve:create_app --host 127.0.0.1 --port 8000 --workers 4
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import StringConstraints
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from p95kit.errors import Busy, InvalidParameterError, P95kitError, PrometheusUnavailableError
from p95kit.serve import errors, schemas
from p95kit.serve.answers import AnswerCache
from p95kit.serve.clients import Clients
from p95kit.serve.endpoints import ENDPOINTS, MAX_MODELS, Endpoint, Param, check
from p95kit.serve.observe import AccessLog, Metrics, log_to_stderr
from p95kit.serve.settings import ServeSettings
from p95kit.serve.webhooks import with_metadata
from p95kit.version import __version__

log = logging.getLogger("p95kit.serve")

_ERRORS = {
    400: {"model": schemas.ErrorBody, "description": "Invalid parameter, or query rejected"},
    500: {"model": schemas.ErrorBody, "description": "Unexpected failure"},
    503: {"model": schemas.ErrorBody, "description": "Prometheus unreachable, timed out, busy"},
}


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """The ASGI application; ``settings`` default to :meth:`ServeSettings.from_env`.

    Credentials files are read and every URL is checked here, so a bad set-up fails
    before the server starts listening.
    """
    settings = settings if settings is not None else ServeSettings.from_env()
    cache = AnswerCache(
        settings.cache_ttl,
        settings.max_concurrent_queries,
        settings.request_deadline,
        settings.cache_max_bytes,
    )
    metrics = Metrics(lambda: cache.in_flight)
    clients = Clients(settings, metrics.prometheus_requests.inc)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import p95kit.query.latency  # noqa: F401  (before serving: check() runs it on the loop)

        yield
        cache.close()
        clients.close()

    app = FastAPI(
        title="p95kit",
        version=__version__,
        description="Per-model latency percentiles from Prometheus histograms: the original "
        "Django API's endpoints and bodies, live.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
        exception_handlers=errors.HANDLERS,
    )
    answer = _Answerer(cache, clients, metrics)
    for endpoint in ENDPOINTS.values():
        for method in endpoint.methods:  # one route each: one OpenAPI operation id each
            app.add_api_route(
                endpoint.path,
                _route(endpoint, answer, method),
                methods=[method],
                summary=endpoint.summary,
                response_model=None,
                responses={
                    200: {"model": schemas.BODIES[endpoint.name]},
                    **schemas.EXTRA_RESPONSES.get(endpoint.name, {}),
                    **_ERRORS,
                },
            )
    _add_operations(app, clients, metrics)
    if settings.reports is not None:
        directory = Path(settings.reports)
        if not directory.is_dir():
            raise InvalidParameterError("reports", f"reports folder {directory} does not exist")
        app.mount("/reports", StaticFiles(directory=directory, html=True), name="reports")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET"]
        )
    routes = [e.path for e in ENDPOINTS.values()] + ["/healthz", "/readyz", "/metrics"]
    app.add_middleware(AccessLog, metrics=metrics, routes=[*routes, "/api/openapi.json"])
    _without_422(app)
    log_to_stderr()  # under someone else's server too: one line per request
    return app


class _Answerer:
    """Turns one request's parameters into a cached library answer or an error body."""

    def __init__(self, cache: AnswerCache, clients: Clients, metrics: Metrics) -> None:
        self.cache, self.clients, self.metrics = cache, clients, metrics

    async def __call__(self, request: Request, endpoint: Endpoint, values: dict) -> Response:
        try:
            client = self.clients.choose(values.pop("prometheus_url", None))
            pinned = values.get(endpoint.time.name)
            if pinned is None or pinned.strip().lower() in ("", "now"):
                values[endpoint.time.name] = self.cache.now()
            values = {k: v for k, v in values.items() if v is not None}
            key = (endpoint.name, id(client), *sorted(_hashable(values).items()))
            outcome = await self.cache.get(
                key, lambda: endpoint.ask(client, values), lambda: check(endpoint, values)
            )
        except Busy as exc:
            self.metrics.busy.labels(endpoint.path).inc()
            return errors.error_response(exc)
        except P95kitError as exc:
            return errors.error_response(exc)
        except Exception as exc:
            log.error("unexpected %s on %s", type(exc).__name__, endpoint.path, exc_info=exc)
            return errors.error_response(exc)
        request.state.cache = outcome.cache
        self.metrics.cache.labels(endpoint.path, outcome.cache).inc()
        body, headers = outcome.body.raw, {"Vary": "Accept-Encoding"}
        status = endpoint.status(values, body) if endpoint.status else 200
        if outcome.body.gzipped and "gzip" in request.headers.get("accept-encoding", ""):
            body, headers["Content-Encoding"] = outcome.body.gzipped, "gzip"
        return Response(body, status, headers=headers, media_type=errors.JSON)


def _hashable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def _route(endpoint: Endpoint, answer: _Answerer, method: str = "GET"):
    """A handler whose signature FastAPI reads: one query parameter per table row."""

    async def handler(request: Request, **values: Any) -> Response:
        if method == "POST":  # a webhook (Flagger): its metadata may hold the parameters
            try:
                values = await with_metadata(request, endpoint, values)
            except P95kitError as exc:
                return errors.error_response(exc)
        return await answer(request, endpoint, values)

    parameters = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    parameters += [
        inspect.Parameter(
            p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default, annotation=_query(p)
        )
        for p in endpoint.params
    ]
    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__name__ = f"{method.lower()}_{endpoint.name}"
    return handler


def _query(param: Param) -> Any:
    text = Annotated[str, StringConstraints(max_length=param.max_length)]
    if param.repeatable:
        limits = Query(max_length=MAX_MODELS, description=param.description)
        return Annotated[list[text] | None, limits]  # type: ignore[valid-type]
    query = Query(description=param.description, examples=[param.example])
    return Annotated[text | None, query]  # type: ignore[valid-type]


def _add_operations(app: FastAPI, clients: Clients, metrics: Metrics) -> None:
    @app.get("/healthz", response_model=schemas.Health, summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        response_model=schemas.Health,
        summary="Prometheus answers",
        responses={503: _ERRORS[503]},
    )
    async def readyz() -> Any:
        if await run_in_threadpool(clients.own.ready):
            return {"status": "ready"}
        return errors.error_response(
            PrometheusUnavailableError(
                f"Prometheus at {clients.own.safe_url} does not answer /-/ready",
                url=clients.own.safe_url,
            )
        )

    @app.get("/metrics", include_in_schema=False)
    async def server_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _without_422(app: FastAPI) -> None:
    """Validation errors are answered 400 with the error body: say so in the document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            for path in document.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                document.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
