"""The live API: the original Django API's endpoints over :mod:`p95kit.query`, and reports.

``p95kit serve`` (and :func:`create_app` under a server of your choice) answers
``GET /api/metrics/p95/``, ``/p95/range/``, ``/percentiles/`` and ``/models/`` with the
bodies :func:`p95kit.to_payload` writes into a report's JSON files, ``/api/slo/`` (the body
of :func:`p95kit.to_slo_payload`), ``GET`` (and Flagger's ``POST``) ``/api/compare/`` with
:func:`p95kit.compare`'s verdicts, plus ``/healthz``,
``/readyz``, ``/metrics``, ``/api/openapi.json`` and ``--reports DIR`` under ``/reports/``.

Holds the settings and their environment variables (:mod:`.settings`), the accepted
query parameters per endpoint (:mod:`.endpoints`), which Prometheus a request may use
(:mod:`.clients`), the cache with single-flight and the query limit (:mod:`.answers`),
error bodies (:mod:`.errors`), parameters from a webhook's body (:mod:`.webhooks`), the
OpenAPI response schemas (:mod:`.schemas`), metrics and the access log (:mod:`.observe`),
the application (:mod:`.app`), the uvicorn runner
(:mod:`.runner`) and ``p95kit demo --serve`` (:mod:`.demo_api`). Needs the ``serve`` extra
(FastAPI, uvicorn, prometheus-client).

May import: :mod:`p95kit.report`, :mod:`p95kit.display`, :mod:`p95kit.compare`, :mod:`p95kit.slo`,
:mod:`p95kit.query`, :mod:`p95kit.prometheus` and the base modules. Never cli or demo.

    uvicorn --factory p95kit.serve:create_app --workers 4    # settings from P95KIT_* variables
"""

from __future__ import annotations

from p95kit.lazy_exports import lazy_getattr

_EXPORTS = {
    "create_app": "p95kit.serve.app",
    "ServeSettings": "p95kit.serve.settings",
    "serve": "p95kit.serve.runner",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())
