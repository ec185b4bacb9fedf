"""run_all: results in order, and no call starts once one has failed."""

import threading

import pytest

from p95kit.fanout import run_all


def test_results_come_back_in_the_order_of_the_calls():
    assert run_all([lambda i=i: i * i for i in range(10)], workers=3) == [i * i for i in range(10)]


def test_no_call_starts_after_the_first_failure():
    started: list[int] = []

    def call(i: int):
        started.append(i)
        if i == 1:
            raise ValueError("first")
        return i

    with pytest.raises(ValueError, match="first"):
        run_all([lambda i=i: call(i) for i in range(6)], workers=1)
    assert started == [0, 1]


def test_a_running_call_is_waited_for_before_the_error_is_raised():
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def slow():
        started.set()
        release.wait(30)
        finished.append("slow")

    def fail():
        assert started.wait(30)  # fail only once slow is surely running
        release.set()
        raise RuntimeError("down")

    with pytest.raises(RuntimeError, match="down"):
        run_all([slow, fail], workers=2)
    assert finished == ["slow"]
