"""Run a few independent calls on a small thread pool, stopping at the first failure.

One failed query decides a report (and one failed chunk a long range): the
calls not yet started are skipped rather than each spending its own retry
budget against a server that is down. The flag is set in the worker thread
that failed, before it can pick another call, so no call starts after the
first failure is known. An interrupt in the waiting thread counts as a failure.
With ``progress`` a bar counts the calls that ended (see :mod:`p95kit.progress`).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from p95kit.progress import Advance, bar, no_progress

T = TypeVar("T")

_SIGNAL_CHECK_S = 0.2  # longest a pending Ctrl-C/SIGTERM waits to be raised


class _Skipped(Exception):
    """A call not started because another one had already failed."""


def run_all(
    calls: Sequence[Callable[[], T]],
    workers: int,
    *,
    progress: bool | None = False,
    description: str = "queries",
) -> list[T]:
    """Results of ``calls`` in order, run ``workers`` at a time.

    ``progress``: a bar named ``description`` counting the calls done (None: only in
    Jupyter or on a terminal with ``-v``; the default False: never), the hook for
    any batch of fetches (chunks of a range, several metrics, a report's queries).

    Raises the first failure (in the order of ``calls``) once the calls already
    running have ended; calls that had not started by then are never started. An
    interrupt while waiting (Ctrl-C, SIGTERM) is raised at once and starts nothing more;
    the calls already running end in the background.
    """
    with bar(len(calls), description, progress) as advance:
        return list(_stream(calls, workers, advance))


def stream(calls: Sequence[Callable[[], T]], workers: int) -> Iterator[T]:
    """:func:`run_all`, but each result is yielded as soon as it and the ones before it
    are in: the caller works on the first results while the pool runs the next calls.
    Failures and interrupts as for :func:`run_all`; leaving the loop early (``break``, an
    exception in the caller) starts nothing more."""
    return _stream(calls, workers, no_progress)


def _stream(calls: Sequence[Callable[[], T]], workers: int, advance: Advance) -> Iterator[T]:
    failed = threading.Event()
    # Each call puts its index when it ends, and this thread waits for them in short
    # slices: a signal that lands just before a blocking wait starts does not interrupt
    # that wait (CPython runs handlers between bytecodes), so a wait without a timeout
    # could sleep through Ctrl-C or SIGTERM until every running call had ended.
    ended: queue.SimpleQueue[int] = queue.SimpleQueue()

    def guarded(index: int, call: Callable[[], T]) -> T:
        try:
            if failed.is_set():
                raise _Skipped
            try:
                result = call()
            except BaseException:
                failed.set()
                raise
            advance(1)
            return result
        finally:
            ended.put(index)

    pool = ThreadPoolExecutor(max(1, min(workers, len(calls))))
    finished = False
    try:
        futures = [pool.submit(guarded, index, call) for index, call in enumerate(calls)]
        done: set[int] = set()
        for position, future in enumerate(futures):
            while position not in done and not failed.is_set():
                with contextlib.suppress(queue.Empty):
                    done.add(ended.get(timeout=_SIGNAL_CHECK_S))
            if failed.is_set():
                while len(done) < len(futures):  # the running calls end, the others skip
                    with contextlib.suppress(queue.Empty):
                        done.add(ended.get(timeout=_SIGNAL_CHECK_S))
                errors = [f.exception() for f in futures]
                raise next(e for e in errors if e is not None and not isinstance(e, _Skipped))
            yield future.result()
        finished = True
    finally:
        if not finished:  # a failure, an interrupt or a caller that stopped: start no more
            failed.set()
            pool.shutdown(wait=False, cancel_futures=True)
        else:
            pool.shutdown()
