"""The floor of the ``serve`` benchmark: uvicorn with a bare ASGI app that answers one body from
memory.

Run as ``python -m benchmarks.asgifloor BODY_FILE``; prints its URL on stderr
(``listening on http://127.0.0.1:PORT``) and serves until terminated. Same server, event
loop and HTTP parser as ``p95kit serve`` (uvicorn picks uvloop and httptools when
installed), no access log: what any answer from memory costs on this stack.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import uvicorn


def make_app(body: bytes):
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    body = Path(sys.argv[1]).read_bytes()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", file=sys.stderr, flush=True)
    config = uvicorn.Config(make_app(body), access_log=False, lifespan="off", log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
