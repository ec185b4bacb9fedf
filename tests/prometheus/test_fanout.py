"""run_all: results in order, and no call starts once one has failed or the run is interrupted."""

import json
import subprocess
import sys
import threading
import time

import pytest

from p95kit.prometheus.fanout import run_all


def test_results_come_back_in_the_order_of_the_calls():
    def call(i: int) -> int:
        time.sleep((9 - i) * 0.01)  # the later calls finish first
        return i * i

    squares = run_all([lambda i=i: call(i) for i in range(10)], workers=3)
    assert squares == [i * i for i in range(10)]


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
    started = threading.Event()
    finished: list[str] = []

    def slow():
        started.set()
        time.sleep(0.3)  # still running well after fail() has raised
        finished.append("slow")

    def fail():
        assert started.wait(30)  # fail only once slow is surely running
        raise RuntimeError("down")

    with pytest.raises(RuntimeError, match="down"):
        run_all([slow, fail], workers=2)
    assert finished == ["slow"]


INTERRUPTED = r"""
import json, signal, threading
from p95kit.prometheus.fanout import run_all
started, finished = [], []
three_running, release = threading.Event(), threading.Event()
def call(i):
    started.append(i)
    if len(started) == 3:
        three_running.set()
    release.wait(60)
    finished.append(i)
def interrupt():  # Ctrl-C once the 3 workers are busy and 6 calls are queued
    three_running.wait(60)
    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
threading.Thread(target=interrupt).start()
try:
    run_all([lambda i=i: call(i) for i in range(9)], workers=3)
except KeyboardInterrupt:
    finished_when_raised = len(finished)
release.set()
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join()
print(json.dumps({"finished_when_raised": finished_when_raised, "started": sorted(started)}))
"""


def test_an_interrupt_is_raised_at_once_and_starts_nothing_more():
    """Ctrl-C (or SIGTERM, which p95kit's CLI turns into an interrupt) during the wait."""
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["started"] == [0, 1, 2]  # the 3 running ones end; the 6 queued never start
    assert result["finished_when_raised"] == 0  # raised at once, not after the running calls
