"""Jupyter first: explore.ipynb top to bottom against the test Prometheus, and
``p95kit demo --jupyter`` serving it through JupyterLab's API."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import urllib.request
from pathlib import Path

import nbformat
import papermill
import pytest

from p95kit.report.kernel import prepare_environment
from p95kit.times import to_rfc3339
from tests.support import dataset

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def require_jupyterlab() -> None:
    """Skip without the jupyter extra; fail under CI, where scripts/test installs it."""
    if importlib.util.find_spec("jupyterlab") is None:
        message = "JupyterLab is not installed: pip install -e '.[jupyter]'"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _outputs(executed) -> list:
    return [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]


@pytest.mark.kernel
def test_explore_notebook_runs_against_the_test_prometheus(prom, tmp_path):
    prepare_environment()
    executed = papermill.execute_notebook(
        str(NOTEBOOKS / "explore.ipynb"),
        str(tmp_path / "explore.ipynb"),
        parameters={"prometheus_url": prom.url, "at": to_rfc3339(dataset.END)},
        kernel_name="python3",
        progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    outputs = _outputs(executed)
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 4  # the distribution, two versions compared, P95 over time, budget
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert dataset.HOSTILE_MODEL not in html and "&lt;img src=x" in html  # escaped
    text = "".join(o.get("text", "") for o in outputs)
    # Only drifting-model changed between the two 24 h windows (dataset.DRIFT_AT).
    assert "1 model(s) 10 % or more slower: drifting-model" in text, text
    # Before/after (12 h apart): only drifting-model changed, and its buckets show it.
    assert "slower: drifting-model\n" in text, text
    source = nbformat.read(NOTEBOOKS / "explore.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in source.cells if c.cell_type == "code")


def test_explore_notebook_calls_take_keyword_arguments():
    """No positional strings: every p95kit call in the notebook names its arguments."""
    source = nbformat.read(NOTEBOOKS / "explore.ipynb", as_version=4)
    code = "\n".join(c.source for c in source.cells if c.cell_type == "code")
    calls = re.findall(r"p95kit\.(\w+)\(\s*([^)]*)", code)
    assert {name for name, _ in calls} >= {"buckets", "plot_distribution", "percentiles"}
    for name, arguments in calls:
        first = arguments.split(",")[0].strip()
        assert not first.startswith(('"', "'")), f"p95kit.{name}({first} ...)"


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
