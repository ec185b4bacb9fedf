"""A loopback HTTP server that answers every Prometheus API path with one canned body.

Run as ``python -m benchmarks.cannedserver BODY_FILE [--delay S] [--no-gzip]``; prints its
URL on stdout and serves until terminated. Like Prometheus it gzips the answer when the
client accepts gzip (compressed once, at start, at Go's default level 6), speaks HTTP/1.1
keep-alive, and ignores the query text. ``--delay`` sleeps before each answer, standing
in for the time a real server spends evaluating the query.
"""

from __future__ import annotations

import argparse
import gzip
import time
from pathlib import Path

from benchmarks import common


def make_handler(body: bytes, packed: bytes | None, delay: float) -> type:
    """A request handler class bound to one answer."""

    class Handler(common.AnswerHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/-/ready"):
                self.send_body(200, "text/plain", b"Prometheus Server is Ready.\n", None)
                return
            if delay:
                time.sleep(delay)
            self.send_body(200, "application/json", body, packed)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.do_GET()

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("body", type=Path)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--no-gzip", action="store_true")
    options = parser.parse_args(argv)
    body = options.body.read_bytes()
    packed = None if options.no_gzip else gzip.compress(body, compresslevel=6)
    common.serve_loopback(make_handler(body, packed, options.delay))


if __name__ == "__main__":
    main()
