"""``p95kit demo --jupyter``: JupyterLab on the exploration notebook, next to the demo Prometheus.

:func:`jupyter_lab` starts JupyterLab (the ``jupyter`` extra) as a child process that
cannot outlive p95kit (:func:`p95kit.processes.die_with_parent`; its own session, so a
Ctrl-C on the terminal reaches p95kit, which stops it, and not JupyterLab's "shut down?"
prompt). Its kernels get ``P95KIT_PROMETHEUS_URL`` from its environment (and none of
p95kit's credential variables). It listens on a free loopback port with a fresh token,
passed in the environment (``JUPYTER_TOKEN``) rather than on the command line, where
other users could read it; no browser is opened; as root it needs ``--allow-root``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from p95kit.demo.local_prometheus import free_port
from p95kit.errors import InvalidParameterError, JupyterLabError
from p95kit.processes import die_with_parent
from p95kit.prometheus.config import SECRET_ENV
from p95kit.prometheus.urls import URL_ENV

#: The notebook JupyterLab opens.
NOTEBOOK = "explore.ipynb"
#: The repository's notebooks/ (p95kit/report/notebooks links to it, so wheels carry it).
NOTEBOOKS = (Path(__file__).resolve().parent.parent / "report" / "notebooks").resolve()
INSTALL_HINT = "pip install -e '.[jupyter]' (or: P95KIT_EXTRAS=jupyter scripts/setup)"


@dataclass
class Lab:
    """A running JupyterLab: ``url`` opens the notebook (it carries the token)."""

    url: str
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid


def require_jupyterlab() -> None:
    """Raise InvalidParameterError (exit 2) naming the install line when JupyterLab is missing."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise InvalidParameterError("jupyter", f"JupyterLab is not installed: {INSTALL_HINT}")


@contextlib.contextmanager
def jupyter_lab(
    prometheus_url: str, notebooks: Path = NOTEBOOKS, *, timeout: float = 120
) -> Iterator[Lab]:
    """A started JupyterLab on ``notebooks``/:data:`NOTEBOOK`; stopped on exit (SIGTERM,
    then SIGKILL after 10 s). Start it from the main thread (see ``die_with_parent``)."""
    require_jupyterlab()
    if not (Path(notebooks) / NOTEBOOK).is_file():
        raise JupyterLabError(f"no {NOTEBOOK} in {notebooks}")
    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="p95kit-lab-") as runtime:
        # A free port now; if another process takes it first, JupyterLab tries others,
        # and the server-info file it writes in ``runtime`` says which one it got.
        process = _launch(prometheus_url, Path(notebooks), free_port(), token, Path(runtime))
        try:
            info = Path(runtime) / f"jpserver-{process.pid}.json"
            base = _wait_ready(process, info, token, time.monotonic() + timeout)
            yield Lab(f"{base}/lab/tree/{NOTEBOOK}?token={token}", process)
        finally:
            stop(process)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM (JupyterLab then shuts its kernels down), SIGKILL to its session after
    ``timeout`` seconds; a no-op when it has exited."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _launch(
    prometheus_url: str, notebooks: Path, port: int, token: str, runtime: Path
) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update(
        {
            URL_ENV: prometheus_url,
            "JUPYTER_TOKEN": token,
            "JUPYTER_RUNTIME_DIR": str(runtime),
            "JUPYTER_PREFER_ENV_PATH": "1",  # this environment's python3 kernel, not ~'s
        }
    )
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.default_url=/lab/tree/{NOTEBOOK}",
        "--ServerApp.log_level=WARN",  # its startup chatter; the URL is ours to print
        "--LabApp.log_level=WARN",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    main_thread = threading.current_thread() is threading.main_thread()
    return subprocess.Popen(
        argv,
        env=env,
        cwd=notebooks,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent() if main_thread else None,
    )


def _wait_ready(process: subprocess.Popen, info: Path, token: str, deadline: float) -> str:
    """The server's base URL once ``info`` names its port and ``/api/status`` answers
    with the token; raise if JupyterLab exits or ``deadline`` (monotonic) passes."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = ""
    while process.poll() is None:
        with contextlib.suppress(OSError, ValueError):  # not written yet, or half-written
            base = base or f"http://127.0.0.1:{int(json.loads(info.read_text())['port'])}"
        if base:
            status = urllib.request.Request(
                f"{base}/api/status", headers={"Authorization": f"token {token}"}
            )
            with contextlib.suppress(OSError, ValueError), opener.open(status, timeout=2) as r:
                if r.status == 200 and "started" in json.load(r):
                    return base
        if time.monotonic() >= deadline:
            raise JupyterLabError(f"JupyterLab did not answer in time (pid {process.pid})")
        time.sleep(0.1)
    raise JupyterLabError(
        f"JupyterLab exited with status {process.returncode} before it answered "
        "(its messages are above)"
    )
