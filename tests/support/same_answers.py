"""The same answer from two servers (Prometheus and VictoriaMetrics, a limited Prometheus and
one without a limit): the same rows, columns and dtypes, and numbers equal within float
noise (NaN where the other has NaN). Attributes may differ (the URL, the query, warnings)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Relative float noise allowed between two servers' numbers (different arithmetic order,
#: counts added over sub-windows).
NOISE = 1e-12


def assert_same_frame(actual: pd.DataFrame, expected: pd.DataFrame, rtol: float = NOISE) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert [str(t) for t in actual.dtypes] == [str(t) for t in expected.dtypes]
    assert len(actual) == len(expected), (len(actual), len(expected))
    for column in actual.columns:
        left, right = actual[column].to_numpy(), expected[column].to_numpy()
        if pd.api.types.is_float_dtype(actual[column].dtype):
            assert np.array_equal(np.isnan(left), np.isnan(right)), column
            assert np.allclose(left, right, rtol=rtol, atol=0, equal_nan=True), column
        else:
            assert (left == right).all(), column
