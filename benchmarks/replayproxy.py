"""A loopback proxy that replays a real Prometheus's answers as if it ran on another machine.

Run as ``python -m benchmarks.replayproxy UPSTREAM_URL``; prints its URL on stdout and
serves until terminated. The first time a request (method, path, query string and form
body) is seen it is forwarded to ``UPSTREAM_URL`` and the answer is kept with the time
the upstream took; every later identical request gets the same bytes after sleeping that
long. So a client sees the same answers and the same latencies as from the real server,
while the server's evaluation no longer takes CPU from the machine being measured: the
deployment where Prometheus has its own machine. ``--cores N`` replays at most N answers'
times at once (one query's evaluation runs on one core): a Prometheus machine with N cores,
where concurrent queries beyond N wait. Answers are gzipped when the client accepts it
(compressed once, at Go's default level 6), as Prometheus does.
"""

from __future__ import annotations

import argparse
import gzip
import threading
import time
import urllib.error
import urllib.request

from benchmarks import common


def make_handler(upstream: str, cores: int) -> type:
    """A request handler class bound to one upstream, one answer store and ``cores``
    evaluation slots."""
    kept: dict[tuple[str, str, bytes], tuple[int, str, bytes, bytes, float]] = {}
    lock = threading.Lock()
    evaluating = threading.BoundedSemaphore(cores)

    class Handler(common.AnswerHandler):
        def do_GET(self) -> None:
            self._answer(b"")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/-/calibrate":
                self._calibrate()
            else:
                self._answer(body)

        def _calibrate(self) -> None:
            """Ask upstream every kept request again, one at a time, and keep the faster
            time: what a Prometheus with the machine to itself takes."""
            with lock:
                keys = list(kept)
            for key in keys:
                method, path, body = key
                form = "application/x-www-form-urlencoded" if body else None
                again = _forward(upstream, method, path, body, form)
                with lock:
                    status, kind, plain, packed, took = kept[key]
                    kept[key] = (status, kind, plain, packed, min(took, again[4]))
            self.send_body(200, "text/plain", b"", None)

        def _answer(self, body: bytes) -> None:
            key = (self.command, self.path, body)
            with lock:
                found = kept.get(key)
            if found is None:
                found = _forward(
                    upstream, self.command, self.path, body, self.headers.get("Content-Type")
                )
                if found[0] == 200:
                    with lock:
                        kept[key] = found
            else:
                with evaluating:
                    time.sleep(found[4])
            status, kind, plain, packed, _ = found
            self.send_body(status, kind, plain, packed)

    return Handler


def _forward(
    upstream: str, method: str, path: str, body: bytes, kind: str | None
) -> tuple[int, str, bytes, bytes, float]:
    """``(status, content type, body, gzipped body, seconds the upstream took)``."""
    request = urllib.request.Request(upstream + path, data=body or None, method=method)
    if kind:
        request.add_header("Content-Type", kind)
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, plain = response.status, response.read()
            answer_kind = response.headers.get("Content-Type", "application/json")
    except urllib.error.HTTPError as error:
        status, plain = error.code, error.read()
        answer_kind = error.headers.get("Content-Type", "application/json")
    took = time.perf_counter() - began
    return status, answer_kind, plain, gzip.compress(plain, compresslevel=6), took


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("upstream")
    parser.add_argument("--cores", type=int, default=2, help="answers replayed at once")
    options = parser.parse_args(argv)
    common.serve_loopback(make_handler(options.upstream.rstrip("/"), max(1, options.cores)))


if __name__ == "__main__":
    main()
