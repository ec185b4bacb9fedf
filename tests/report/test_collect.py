"""How a several-metric report fetches: metrics at once through one pool (fanout.stream),
results in order, and the first failure stops what has not started (collect._fetched,
with stand-in query tasks)."""

from __future__ import annotations

import threading

import pytest

from p95kit.report import collect
from p95kit.report.collect import METRICS_AT_ONCE
from p95kit.report.plan import MetricPlan

WAIT_S = 30  # a guard against a hang, never reached when the code is right


def _plans(count: int) -> list[MetricPlan]:
    return [MetricPlan(plan=index) for index in range(count)]  # type: ignore[arg-type]


def test_metrics_are_fetched_at_once_and_come_back_in_order(monkeypatch):
    """Metric 0's query waits until metric 1's has run: that can only end if both run at
    once, and metric 0 still comes first."""
    second_ran = threading.Event()

    def tasks(_client, index):
        def first() -> str:
            assert second_ran.wait(WAIT_S), "metric 1 did not run while metric 0 waited"
            return "m0"

        def second() -> str:
            second_ran.set()
            return "m1"

        return {"q": (first, second)[index]}

    monkeypatch.setattr(collect, "query_tasks", tasks)
    got = [(mp.plan, results["q"]) for mp, results in collect._fetched(None, _plans(2))]
    assert got == [(0, "m0"), (1, "m1")]


def test_a_failure_is_raised_and_no_further_metric_starts(monkeypatch):
    """The first three metrics' queries (three each) start together and all fail once
    every one of them is running; no query of a later metric may start."""
    started = []
    lock = threading.Lock()
    together = threading.Barrier(3 * METRICS_AT_ONCE, timeout=WAIT_S)

    def tasks(_client, index):
        def call() -> int:
            with lock:
                started.append(index)
            together.wait()
            raise RuntimeError(f"metric {index} failed")

        return {"a": call, "b": call, "c": call}

    monkeypatch.setattr(collect, "query_tasks", tasks)
    with pytest.raises(RuntimeError, match="metric 0 failed"):
        next(collect._fetched(None, _plans(METRICS_AT_ONCE + 3)))
    # Those already started when it failed, and no other.
    assert 0 in started and set(started) <= set(range(METRICS_AT_ONCE))
