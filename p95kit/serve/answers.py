"""Answers shared between viewers: a TTL cache, single-flight, a query limit and a deadline.

:class:`AnswerCache` runs the blocking library calls on its own threads, at most
``max_queries`` at once. A request finds its answer in the cache (``hit``), joins an
identical question already on its way to Prometheus (``shared``), or starts one
(``miss``); past the limit it fails at once with :class:`Busy` (HTTP 503 with
``Retry-After``) instead of queueing. Every request waits at most ``deadline`` seconds
(:class:`DeadlineExceeded`, 503); the question it joined keeps running and its answer is
still cached. Only successful answers are cached, for ``ttl`` seconds, up to
``max_bytes`` of bodies (oldest dropped first). A body is gzipped once, on the thread
that built it, so clients that accept gzip get the compressed bytes at no further cost.
All methods run on the event loop.
"""

from __future__ import annotations

import asyncio
import gzip
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from p95kit.errors import Busy, DeadlineExceeded

RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True)
class Body:
    """An answer's JSON bytes, and the same gzipped (``None`` when too small to gain)."""

    raw: bytes
    gzipped: bytes | None

    @classmethod
    def of(cls, raw: bytes) -> Body:
        return cls(raw, gzip.compress(raw, compresslevel=6, mtime=0) if len(raw) > 1024 else None)

    @property
    def size(self) -> int:
        return len(self.raw) + len(self.gzipped or b"")


@dataclass(frozen=True)
class Outcome:
    """An answer and how it was found: ``hit``, ``shared`` or ``miss``."""

    body: Body
    cache: str


class AnswerCache:
    def __init__(
        self, ttl: float, max_queries: int, deadline: float, max_bytes: int = 256 << 20
    ) -> None:
        self.ttl, self.max_queries, self.deadline = ttl, max_queries, deadline
        self.max_bytes = max_bytes
        self.in_flight = 0  # questions running on the threads
        self._entries: OrderedDict[Hashable, tuple[float, Body]] = OrderedDict()
        self._bytes = 0
        self._flights: dict[Hashable, asyncio.Future[Body]] = {}
        self._threads = ThreadPoolExecutor(max_queries, thread_name_prefix="p95kit-serve")

    def now(self) -> float:
        """The time "now" answers are for: unix seconds rounded down to the cache period."""
        if self.ttl <= 0:
            return time.time()
        return math.floor(time.time() / self.ttl) * self.ttl

    async def get(
        self,
        key: Hashable,
        compute: Callable[[], bytes],
        check: Callable[[], None] | None = None,
    ) -> Outcome:
        """The answer for ``key``; ``compute`` (blocking) runs only when nobody has it.

        ``check`` (quick, on the event loop) runs before a new question would take a place
        under the limit: an invalid request is refused for what it is, not as ``Busy``."""
        cached = self._lookup(key)
        if cached is not None:
            return Outcome(cached, "hit")
        flight, how = self._flights.get(key), "shared"
        if flight is None:
            if check is not None:
                check()
            if self.in_flight >= self.max_queries:
                raise Busy(
                    f"{self.in_flight} questions are already on their way to Prometheus "
                    f"(the limit); retry in {RETRY_AFTER_SECONDS} s",
                    retry_after=RETRY_AFTER_SECONDS,
                )
            flight, how = self._start(key, compute), "miss"
        try:
            body = await asyncio.wait_for(asyncio.shield(flight), self.deadline)
        except asyncio.TimeoutError:
            raise DeadlineExceeded(
                f"no answer from Prometheus within the {self.deadline:g} s request deadline",
                deadline_s=self.deadline,
            ) from None
        return Outcome(body, how)

    def close(self) -> None:
        """Stop the threads once their questions end (answers nobody waits for are dropped)."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _start(self, key: Hashable, compute: Callable[[], bytes]) -> asyncio.Future[Body]:
        loop = asyncio.get_running_loop()
        flight = loop.run_in_executor(self._threads, lambda: Body.of(compute()))
        self.in_flight += 1
        self._flights[key] = flight

        def landed(done: asyncio.Future[Body]) -> None:
            self.in_flight -= 1
            self._flights.pop(key, None)
            if not done.cancelled() and done.exception() is None:
                self._store(key, done.result())

        flight.add_done_callback(landed)
        return flight

    def _lookup(self, key: Hashable) -> Body | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._drop(key)
            return None
        return entry[1]

    def _store(self, key: Hashable, body: Body) -> None:
        if self.ttl <= 0 or body.size > self.max_bytes:
            return
        self._drop(key)
        now = time.monotonic()
        self._entries[key] = (now + self.ttl, body)
        self._bytes += body.size
        # Entries expire in insertion order (one ttl for all): drop from the oldest.
        while self._entries:
            oldest, (expires, _) = next(iter(self._entries.items()))
            if expires > now and self._bytes <= self.max_bytes:
                break
            self._drop(oldest)

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1].size
