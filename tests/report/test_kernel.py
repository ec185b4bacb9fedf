"""The kernel a report runs on (p95kit.report.kernel): started before the data is fetched and
gone after the block, even killed while it boots; the notebook's imports preloaded; its quick
ready check uses jupyter_client's public API only, and should a release break it anyway,
jupyter_client's own ready check takes over and reports still run."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client import AsyncKernelClient, protocol_version_info
from jupyter_core.utils import run_sync

from p95kit import ReportError
from p95kit.report import ReportSettings, kernel, run_report
from p95kit.report.kernel import execute, report_kernel
from tests.support import dataset
from tests.support.paths import ROOT


def _pid_gone(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.kernel
def test_report_kernel_runs_a_notebook_and_is_gone_after_the_block(tmp_path):
    """The kernel starts at once (before the data is fetched), the notebook runs on it
    in its folder, and leaving the block kills it and closes the client's sockets."""
    spec = {"name": "python3", "language": "python", "display_name": "Python 3"}
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    notebook.cells = [
        nbformat.v4.new_code_cell("n = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import os\nprint(os.getcwd(), n)"),
        nbformat.v4.new_code_cell("print('second', n + 1)"),
    ]
    nbformat.write(notebook, tmp_path / "in.ipynb")
    with report_kernel(tmp_path) as kernel:
        pid = kernel.provisioner.process.pid
        executed = execute(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {"n": 41}, kernel=kernel)
        assert not _pid_gone(pid)  # papermill left our kernel running
        client = kernel.the_client
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in executed.cells[-2:]]
    assert texts == [f"{tmp_path} 41\n", "second 42\n"]
    assert _pid_gone(pid) and not client.channels_running


@pytest.mark.kernel
def test_ready_check_waits_for_a_booting_kernel_and_drains_iopub(tmp_path):
    """Asked at once, the ready check waits for the kernel to boot. It ends when its own
    kernel_info's idle status has been read (not after a quiet period), so the next
    IOPub message belongs to the next request: nothing stale is left behind."""

    async def first_iopub_parent(client) -> str:
        msg = await client.iopub_channel.get_msg(timeout=30)
        return msg["parent_header"].get("msg_id")

    with report_kernel(tmp_path) as kernel:
        client = kernel.client()
        for _ in range(2):  # booting, then already up
            run_sync(client.wait_for_ready)(timeout=60)
            msg_id = client.execute("1", silent=True)
            assert run_sync(first_iopub_parent)(client) == msg_id
            run_sync(client.wait_for_ready)(timeout=60)  # reads that request's idle too


@pytest.mark.kernel
def test_a_kernel_that_dies_at_start_is_a_report_error(tmp_path):
    nbformat_path = tmp_path / "in.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), nbformat_path)
    with report_kernel(tmp_path) as kernel:
        kernel.provisioner.process.send_signal(signal.SIGKILL)
        kernel.provisioner.process.wait()
        with pytest.raises(ReportError) as caught:
            execute(nbformat_path, tmp_path / "out.ipynb", {}, kernel=kernel)
    assert caught.value.details.get("reason") in ("kernel", "kernel_died")


# Becomes a subreaper (orphans come to it, not to PID 1: what systemd --user or a
# container's init does), starts RUN_KERNEL, SIGKILLs it as soon as its kernel is
# launched (still booting), then watches the kernel for up to 30 s.
ORPHAN_WATCH = r"""
import ctypes, os, signal, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, text=True)
kernel = int(child.stdout.readline())
child.kill()
child.wait()

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False

deadline = time.monotonic() + 30
while alive(kernel) and time.monotonic() < deadline:
    time.sleep(0.05)
print("orphaned" if alive(kernel) else "gone")
if alive(kernel):
    os.kill(kernel, signal.SIGKILL)
while True:  # reap what we adopted
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
"""
RUN_KERNEL = r"""
import tempfile, time
from pathlib import Path
from p95kit.report.kernel import report_kernel
with report_kernel(Path(tempfile.mkdtemp())) as kernel:
    print(kernel.provisioner.process.pid, flush=True)
    time.sleep(60)
"""


@pytest.mark.kernel
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_a_kernel_dies_with_the_run_even_while_it_boots():
    """A run SIGKILLed right after launching its kernel must not leave the kernel behind."""
    watch = subprocess.run(
        [sys.executable, "-c", ORPHAN_WATCH, RUN_KERNEL],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert watch.stdout.strip() == "gone", watch.stderr[-2000:]


@pytest.mark.kernel
def test_a_start_that_fails_after_the_launch_leaves_no_kernel(tmp_path, monkeypatch):
    import zmq

    from p95kit.report import kernel

    launched = []

    def failing_client(self, **kw):
        launched.append(self.provisioner.process.pid)
        raise zmq.ZMQError(zmq.EADDRINUSE)

    monkeypatch.setattr(kernel.ReportKernelManager, "client", failing_client)
    refused = pytest.raises(ReportError, match="cannot start the report kernel: ZMQError")
    with refused, report_kernel(tmp_path):
        pass
    assert launched and _pid_gone(launched[0])


def test_the_kernel_preload_covers_the_report_notebooks_imports():
    """A typo in KERNEL_PRELOAD would fail silently in the kernel (and only cost time).
    Covered: the p95kit modules the report imports at top level (not the live-only ones)."""
    import ast
    import importlib

    from p95kit.report.kernel import KERNEL_PRELOAD

    notebook = nbformat.read(ROOT / "notebooks" / "report.ipynb", 4)
    statements = [
        node
        for cell in notebook.cells
        if cell.cell_type == "code"
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("p95kit")
    ]
    wanted = {
        f"{node.module}.{alias.name}"
        if hasattr(importlib.import_module(node.module), "__path__")  # a package
        else node.module
        for node in statements
        for alias in node.names
    }
    preloaded = {a.name for node in ast.parse(KERNEL_PRELOAD).body for a in node.names}
    assert wanted and wanted <= preloaded, wanted - preloaded
    done = subprocess.run([sys.executable, "-c", KERNEL_PRELOAD], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.kernel
def test_the_report_kernel_has_the_preload_imported_before_any_cell(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(
        nbformat.v4.new_code_cell("import sys\nprint('p95kit.report.data' in sys.modules)")
    )
    source = tmp_path / "probe.ipynb"
    nbformat.write(notebook, source)
    executed = execute(source, tmp_path / "out.ipynb", {}, cwd=tmp_path)
    assert executed.cells[-1].outputs[0]["text"] == "True\n"


def _count_stock_ready_checks(monkeypatch) -> list:
    stock = AsyncKernelClient.wait_for_ready
    calls = []

    async def counted(self, timeout=None):
        calls.append(timeout)
        return await stock(self, timeout=timeout)

    monkeypatch.setattr(AsyncKernelClient, "wait_for_ready", counted)
    return calls


@pytest.mark.kernel
def test_reports_use_the_quick_ready_check(prom, tmp_path, monkeypatch):
    stock_calls = _count_stock_ready_checks(monkeypatch)
    outcome = run_report(prom.url, ReportSettings(duration="6h", end=dataset.END), tmp_path)
    assert outcome.run["status"] == "success" and stock_calls == []


@pytest.mark.kernel
def test_a_report_still_runs_on_the_stock_ready_check(prom, tmp_path, monkeypatch):
    async def changed(self, timeout=None):
        raise AttributeError("simulated: a jupyter_client release changed its API")

    monkeypatch.setattr(kernel.ReportKernelClient, "wait_for_kernel_info", changed)
    stock_calls = _count_stock_ready_checks(monkeypatch)
    outcome = run_report(prom.url, ReportSettings(duration="6h", end=dataset.END), tmp_path)
    assert stock_calls, "the stock ready check was not used"
    assert outcome.run["status"] == "success" and outcome.path == (tmp_path / "latest").resolve()
    html = (outcome.path / "report.html").read_text(encoding="utf-8")
    assert "gpt-4" in html and "Latency per model" in html


def test_a_kernel_of_an_older_protocol_is_spoken_to_in_its_version():
    client = kernel.ReportKernelClient()
    client._adapt_protocol({"content": {"protocol_version": "4.1"}})
    assert client.session.adapt_version == 4
    current = kernel.ReportKernelClient()
    before = current.session.adapt_version
    current._adapt_protocol({"content": {"protocol_version": f"{protocol_version_info[0]}.9"}})
    assert current.session.adapt_version == before
