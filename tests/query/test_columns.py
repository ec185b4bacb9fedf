"""Latency column names (p95kit.query.columns)."""

from __future__ import annotations


def test_percentile_columns_never_use_an_exponent():
    from p95kit.query.columns import percentile_column

    assert [percentile_column(p) for p in (95, 99.9, 0.0001, 1e-05)] == [
        "p95",
        "p99.9",
        "p0.0001",
        "p0.00001",
    ]
