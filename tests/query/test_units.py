"""Latency units (p95kit.query.units): from the metric name's suffix, given, or assumed seconds."""

from __future__ import annotations

import pytest

from p95kit import InvalidParameterError
from p95kit.query.units import resolve_unit


def test_units():
    assert resolve_unit("request_duration_seconds") == ("s", False)
    assert resolve_unit("inference_latency_ms") == ("ms", False)
    assert resolve_unit("rpc_latency_milliseconds") == ("ms", False)
    assert resolve_unit("latency") == ("s", True)
    assert resolve_unit("latency", "ms") == ("ms", False)
    with pytest.raises(InvalidParameterError):
        resolve_unit("latency", "minutes")
