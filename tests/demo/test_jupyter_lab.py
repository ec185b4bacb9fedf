"""``p95kit demo --jupyter`` (p95kit.demo.jupyter_lab): JupyterLab serves the exploration
notebook through its API (the token needed), its kernels know the demo Prometheus's URL, and
everything is gone after SIGTERM."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.support.paths import ROOT

NOTEBOOKS = ROOT / "notebooks"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def require_jupyterlab() -> None:
    """Skip without the jupyter extra; fail under CI, where scripts/test installs it."""
    if importlib.util.find_spec("jupyterlab") is None:
        message = "JupyterLab is not installed: pip install -e '.[jupyter]'"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


@pytest.mark.kernel
@pytest.mark.slow
def test_demo_jupyter_serves_the_notebook_and_stops_on_sigterm(
    prometheus_binaries, tmp_path, cli_process
):
    require_jupyterlab()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "HOME": str(tmp_path)}
    demo = cli_process.start("demo", "--jupyter", env=env, cwd=tmp_path)
    try:
        url = demo.stdout.readline().strip()  # the first line on stdout, once Lab answers
        match = re.fullmatch(r"(http://127\.0\.0\.1:\d+)/lab/tree/explore\.ipynb\?token=(\S+)", url)
        if not match:
            demo.wait(60)
            pytest.fail(f"no Lab URL on stdout ({url!r}); stderr: {demo.stderr.read()}")
        base, token = match.groups()
        with NO_PROXY.open(f"{base}/api/contents/explore.ipynb?token={token}") as answer:
            served = json.load(answer)
        assert served["type"] == "notebook"
        source = nbformat.read(NOTEBOOKS / "explore.ipynb", as_version=4)
        assert [c["source"] for c in served["content"]["cells"]] == [c.source for c in source.cells]
        with pytest.raises(urllib.error.HTTPError):  # the token is needed
            NO_PROXY.open(f"{base}/api/contents/explore.ipynb")

        # A kernel started by JupyterLab has the demo Prometheus's URL in its environment.
        start = urllib.request.Request(
            f"{base}/api/kernels?token={token}", data=b"{}", method="POST"
        )
        with NO_PROXY.open(start) as answer:
            assert json.load(answer)["name"] == "python3"
        started = _children(demo.pid)  # the demo Prometheus and JupyterLab
        (lab,) = [pid for pid in started if b"jupyterlab" in _cmdline(pid)]
        kernels = [pid for pid in _children(lab) if b"ipykernel" in _cmdline(pid)]
        assert len(started) == 2 and len(kernels) == 1
        prometheus_url = _environ(kernels[0])["P95KIT_PROMETHEUS_URL"]
        with NO_PROXY.open(f"{prometheus_url}/-/ready") as answer:
            assert answer.status == 200
        children = [*started, *kernels]
    finally:
        demo.send_signal(signal.SIGTERM)
        _, stderr = demo.communicate(timeout=60)
    assert demo.returncode == 0, stderr
    assert "JupyterLab and the demo Prometheus stopped" in stderr
    assert not [pid for pid in children if _alive(pid)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
