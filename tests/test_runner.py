"""The kernel a report runs on: explicitly this Python, even when another kernelspec lurks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_core.utils import run_sync

from p95kit import ReportError
from p95kit.report.kernel import check_kernel, execute, prepare_environment, report_kernel


def _kernelspec(root: Path, python: str) -> None:
    folder = root / "kernels" / "python3"
    folder.mkdir(parents=True)
    argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (other)", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def test_a_kernelspec_in_home_loses_to_the_environments(tmp_path, monkeypatch):
    """Under cron a python3 kernelspec in HOME pointing at another Python must not win."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for variable in ("JUPYTER_PATH", "JUPYTER_DATA_DIR", "JUPYTER_PREFER_ENV_PATH"):
        monkeypatch.delenv(variable, raising=False)
    _kernelspec(tmp_path / ".local" / "share" / "jupyter", "/usr/bin/python3")
    prepare_environment()
    assert os.environ["JUPYTER_PREFER_ENV_PATH"] == "1"
    argv = check_kernel()
    assert Path(argv[0]).resolve() == Path(sys.executable).resolve()
    # Had the home kernelspec won, the run would stop with a clear message, not start it:
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")
    with pytest.raises(ReportError, match="runs /usr/bin/python3, not"):
        check_kernel()


def test_a_kernel_for_another_python_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # searched before everything else
    _kernelspec(tmp_path, "/usr/bin/python3")
    with pytest.raises(ReportError, match=r"runs /usr/bin/python3, not .*JUPYTER_PREFER_ENV_PATH"):
        check_kernel()


def test_a_missing_kernel_says_how_to_install_it():
    from p95kit.report.kernel import KERNEL_NAME

    with pytest.raises(ReportError, match="pip install ipykernel"):
        check_kernel("no-such-kernel")
    assert KERNEL_NAME == "python3"


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

    notebook = nbformat.read(Path(__file__).parents[1] / "notebooks" / "report.ipynb", 4)
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
