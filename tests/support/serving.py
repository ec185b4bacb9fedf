"""A real ``p95kit serve`` process for the tests: started on a free port, its stderr collected.

``with ServeProcess("--prometheus-url", url) as server: server.url``. The port is known
from the server's own "listening on" line (``--port 0``); tests wait for log lines with
:meth:`ServeProcess.wait_for` (never a fixed sleep). On exit the process gets SIGTERM and
is waited for; ``server.returncode`` and ``server.lines`` remain.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

EXE = Path(sys.executable).with_name("p95kit")
STARTUP_SECONDS = 60  # a loaded 2-core machine imports FastAPI + pandas slowly


class ServeProcess:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("P95KIT_")}
        environment.update(env or {})
        self.proc = subprocess.Popen(
            [str(EXE), "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self.lines: list[str] = []
        self.stdout = ""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = ""
        self.returncode: int | None = None

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("<eof>")
            self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float = STARTUP_SECONDS) -> re.Match:
        """The first stderr line matching ``pattern``; fails when the process ends first."""
        regex = re.compile(pattern)
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(regex.search(x) for x in self.lines) or "<eof>" in self.lines,
                timeout,
            )
            match = next((m for x in self.lines if (m := regex.search(x))), None)
        if match is None:
            raise AssertionError(
                f"no line matching {pattern!r} ({'ended' if found else 'timed out'}):\n"
                + "\n".join(self.lines[-30:])
            )
        return match

    def start(self) -> ServeProcess:
        self.url = self.wait_for(r"listening on (http://\S+)").group(1)
        return self

    def __enter__(self) -> ServeProcess:
        try:
            return self.start()
        except BaseException:
            self.stop(signal.SIGKILL)
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, sig: int | None = signal.SIGTERM, timeout: float = 60) -> int:
        """Send ``sig`` (``None``: none, the process is ending by itself) and wait for the
        exit; returns the exit code. Once stopped, returns it again."""
        if self.returncode is not None:
            return self.returncode
        if sig is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:  # not communicate(): it would read stderr too, racing the reader thread
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stdout = self.proc.stdout.read() if self.proc.stdout else ""
        self._reader.join(10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        self.returncode = self.proc.returncode
        return self.returncode

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        return requests.get(self.url + path, **kwargs)

    def metric(self, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples on /metrics whose labels include ``labels``."""
        total = 0.0
        for line in self.get("/metrics").text.splitlines():
            if not line.startswith(name) or line.startswith("#"):
                continue
            head, value = line.rsplit(" ", 1)
            series, _, label_text = head.partition("{")
            if series != name:
                continue
            found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', label_text))
            if labels.items() <= found.items():
                total += float(value)
        return total


def require_serve() -> None:
    """Skip the module without the ``serve`` extra, except under CI (``CI`` set): fail there,
    where scripts/test installs it and a skip would hide a broken set-up."""
    import importlib.util

    import pytest

    modules = ("fastapi", "uvicorn", "prometheus_client")
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        message = f"no serve extra ({', '.join(missing)} missing): pip install -e '.[serve]'"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)
