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
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from benchmarks import common


def make_handler(body: bytes, packed: bytes | None, delay: float) -> type:
    """A request handler class bound to one answer."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.startswith("/-/ready"):
                self._send(b"Prometheus Server is Ready.\n", None, "text/plain")
                return
            if delay:
                time.sleep(delay)
            accepts = "gzip" in self.headers.get("Accept-Encoding", "")
            if packed is not None and accepts:
                self._send(packed, "gzip", "application/json")
            else:
                self._send(body, None, "application/json")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.do_GET()

        def _send(self, payload: bytes, encoding: str | None, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:  # quiet
            pass

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
