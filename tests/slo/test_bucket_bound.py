"""The bucket bound an SLO threshold stands on (p95kit.slo.bucket_bound): every way an
exporter spells it."""

from __future__ import annotations

import pytest

from p95kit.slo.bucket_bound import spellings


@pytest.mark.parametrize(
    "bound, expected",
    [
        (2.0, ("2", "2.0", "2e+00")),
        (1.0, ("1", "1.0", "1e+00")),
        (0.25, ("0.25", "2.5e-01")),
        (1e6, ("1e+06", "1000000.0")),
        (100000.0, ("100000", "100000.0", "1e+05")),
    ],
)
def test_a_bound_has_the_spellings_of_go_openmetrics_python_and_prometheus_3(bound, expected):
    assert spellings(bound) == expected
    assert spellings(bound, ("2.000",))[0] == "2.000"  # the server's spelling comes first
