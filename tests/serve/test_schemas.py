"""schemathesis against ``p95kit serve``'s own OpenAPI document (p95kit.serve.schemas), with the
real test Prometheus up: no generated request gets a 5xx, and every response matches the document
(status, content type, body schema). Examples are bounded so the suite stays quick.

Each operation's cases come from ``APIOperation.as_strategy`` under ``@given``:
schemathesis 4.32's ``pytest.from_fixture`` reads ``Function._nodeid``, which pytest 9 no
longer has.
"""

from __future__ import annotations

import pytest

from tests.support.serving import ServeProcess, require_serve

require_serve()
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PATHS = [
    "/api/metrics/p95/",
    "/api/metrics/p95/range/",
    "/api/metrics/percentiles/",
    "/api/metrics/models/",
    "/api/slo/",
    "/api/compare/",
    "/healthz",
    "/readyz",
]


@pytest.fixture(scope="module")
def api(prom):
    with ServeProcess("--prometheus-url", prom.url) as server:
        yield server


@pytest.fixture(scope="module")
def api_schema(api):
    return schemathesis.openapi.from_url(api.url + "/api/openapi.json")


def test_the_document_lists_every_operation(api_schema):
    assert sorted(api_schema) == sorted(PATHS)


CASES = [(path, GenerationMode.POSITIVE) for path in PATHS] + [
    (path, GenerationMode.NEGATIVE)
    for path in PATHS
    if path.startswith("/api/")  # with parameters
]


@pytest.mark.parametrize(("path", "mode"), CASES)
def test_every_response_matches_the_document(api, api_schema, path, mode):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(base_url=api.url, checks=CHECKS)

    check()
