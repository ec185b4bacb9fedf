"""Prometheus answers into results (p95kit.prometheus.answers): the chunks of a range
joined series by series."""

from __future__ import annotations

from p95kit.prometheus.answers import Result, merge_matrices


def test_merge_matrices_joins_series_in_order():
    a = Result("matrix", [{"metric": {"model": "x"}, "values": [[1, "1"]]}])
    later = [
        {"metric": {"model": "x"}, "values": [[2, "2"]]},
        {"metric": {"model": "y"}, "values": [[2, "3"]]},
    ]
    b = Result("matrix", later)
    merged = merge_matrices([a, b])
    assert [item["metric"]["model"] for item in merged.result] == ["x", "y"]
    assert merged.columns.lengths.tolist() == [2, 1]
    assert merged.columns.stamps.tolist() == [1.0, 2.0, 2.0]
    assert merged.columns.values.tolist() == [1.0, 2.0, 3.0]
