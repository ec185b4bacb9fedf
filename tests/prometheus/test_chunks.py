"""Range requests within Prometheus's limits (p95kit.prometheus.chunks): chunks with no gap
and no duplicate point, and the guard against absurd ranges naming a step that works."""

from __future__ import annotations

import pytest

import p95kit
from p95kit import InvalidParameterError
from p95kit.prometheus.chunks import split_range
from tests.support.dataset import END


def test_split_range_has_no_gap_and_no_duplicate():
    start, step = 1_000_000.0, 5.0
    end = start + 17_280 * step
    chunks = split_range(start, end, step)
    points = [t for a, b in chunks for t in _points(a, b, step)]
    assert points == _points(start, end, step)
    assert len(points) == 17_281 and len(chunks) == 2


def test_absurd_ranges_name_a_step_that_works(prom):
    with pytest.raises(InvalidParameterError, match="use a step of at least 5s"):
        p95kit.p95_range(prometheus_url="http://127.0.0.1:9", duration="30d", step="1s")
    with pytest.raises(InvalidParameterError, match="use a step of at least 1s") as caught:
        p95kit.p95_range(prometheus_url=prom.url, duration="1h", step="1ms")
    step = str(caught.value).rsplit(" ", 1)[-1]
    frame = p95kit.p95_range(prometheus_url=prom.url, duration="1h", step=step, end=END)
    assert frame.groupby("model").size().max() == 3601  # the advice works


def _points(a: float, b: float, step: float) -> list[float]:
    count = round((b - a) / step) + 1
    return [a + k * step for k in range(count)]
