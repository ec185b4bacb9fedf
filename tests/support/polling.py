"""Waiting for an observable state (a scrape, a series, metadata), never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60) -> None:
    """Poll ``condition()`` (an observable state, e.g. of Prometheus) until it is true;
    AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)  # a poll interval, not a wait for an assumed state
