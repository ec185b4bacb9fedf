"""What a ``p95kit serve`` process is configured with (p95kit.serve.settings), from the
environment as ``uvicorn --factory`` workers build it."""

from __future__ import annotations

import pytest


def test_settings_from_the_environment():
    from p95kit.errors import InvalidParameterError
    from p95kit.serve.settings import ServeSettings

    settings = ServeSettings.from_env(
        {
            "P95KIT_PROMETHEUS_URL": "http://prom:9090",
            "P95KIT_SERVE_CORS_ORIGINS": "https://a.example, https://b.example",
            "P95KIT_SERVE_ALLOW_PROMETHEUS_URLS": "http://other:9090",
            "P95KIT_SERVE_CACHE_TTL": "0",
            "P95KIT_SERVE_MAX_CONCURRENT_QUERIES": "3",
            "P95KIT_TIMEOUT": "4",
            "P95KIT_INSECURE": "yes",
        }
    )
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.allow_prometheus_urls == ("http://other:9090",)
    assert (settings.cache_ttl, settings.max_concurrent_queries) == (0.0, 3)
    assert settings.insecure and settings.request_deadline == 4 + 5
    assert ServeSettings.from_env({}) == ServeSettings()
    with pytest.raises(InvalidParameterError, match="P95KIT_SERVE_CACHE_TTL"):
        ServeSettings.from_env({"P95KIT_SERVE_CACHE_TTL": "soon"})
    with pytest.raises(InvalidParameterError, match="cache_ttl"):
        ServeSettings.from_env({"P95KIT_SERVE_CACHE_TTL": "-1"})
    with pytest.raises(InvalidParameterError, match="max_concurrent_queries"):
        ServeSettings(max_concurrent_queries=0)
