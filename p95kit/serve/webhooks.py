"""Parameters from a webhook's body: Flagger POSTs its own JSON to an endpoint.

Flagger calls a webhook with ``POST`` and the body ``{"name", "namespace", "phase",
"checksum", "metadata": {...}}``, ``metadata`` being the webhook's own string map. For an
endpoint that answers ``POST`` (``/api/compare/``), :func:`with_metadata` takes the
endpoint's parameters from that map where the query string does not give them, so a
Canary's webhook can say ``metadata: {baseline: ..., candidate: ...}`` instead of an
URL-encoded query. The same size limits as the query string apply; a body that is not JSON,
or has no ``metadata`` map, adds nothing.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from p95kit.errors import InvalidParameterError
from p95kit.serve.endpoints import Endpoint

MAX_BODY = 64 * 1024


async def with_metadata(request: Request, endpoint: Endpoint, values: dict[str, Any]) -> dict:
    """``values`` with the parameters of the body's ``metadata`` the query string lacks."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InvalidParameterError("metadata", f"the request body is over {MAX_BODY} bytes")
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        return values
    metadata = payload.get("metadata") if isinstance(payload, dict) else None
    if not isinstance(metadata, dict):
        return values
    given, merged = set(request.query_params), dict(values)
    for param in endpoint.params:
        if param.name in given or param.name not in metadata:
            continue
        value = metadata[param.name]
        if not isinstance(value, str) or len(value) > param.max_length:
            raise InvalidParameterError(
                param.name,
                f"{param.name} in the webhook's metadata must be text of at most "
                f"{param.max_length} characters, e.g. {param.name}: '{param.example}'",
            )
        merged[param.name] = (
            [part.strip() for part in value.split(",") if part.strip()]
            if param.repeatable
            else value
        )
    return merged
