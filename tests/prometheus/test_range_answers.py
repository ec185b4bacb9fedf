"""Range answers in columns (p95kit.prometheus.range_answers): the samples read from the
bytes equal the generic path, bit for bit, and a body it cannot read falls back."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from p95kit.query.frames import parse_matrix


def test_fast_range_decoding_matches_the_generic_path():
    """range_answers.decode_body reads samples from the bytes; it must equal orjson + lists."""
    from p95kit.prometheus import range_answers

    hostile = 'a"values":[[1,"2"]]}\\'
    series = [
        {"metric": {"model": name}, "values": [[100 + 60 * k, v] for k, v in enumerate(values)]}
        for name, values in (
            ("b", ["0.37499999999999983", "NaN", "+Inf", "-Inf", "1e-05"]),
            (hostile, ["0.1", "0.2"]),
        )
    ]
    body = json.dumps(
        {"status": "success", "data": {"resultType": "matrix", "result": series}},
        separators=(",", ":"),
    ).encode()
    envelope, columns = range_answers.decode_body(body)
    assert [s["metric"]["model"] for s in envelope["data"]["result"]] == ["b", hostile]
    generic = range_answers.from_lists(series)
    assert columns.lengths.tolist() == generic.lengths.tolist() == [5, 2]
    np.testing.assert_array_equal(columns.stamps, generic.stamps)
    np.testing.assert_array_equal(columns.values, generic.values)  # bit-identical, NaN/Inf too
    fast = parse_matrix(envelope["data"]["result"], "model", "p95", 1000.0, columns=columns)
    slow = parse_matrix(series, "model", "p95", 1000.0)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["model"].tolist() == [hostile] * 2 + ["b"] * 5
    for broken in (body.replace(b'"0.1"', b'"abc"'), body[:-40], body.replace(b"]]}", b"]]")):
        assert range_answers.decode_body(broken) is None  # the caller falls back to orjson
