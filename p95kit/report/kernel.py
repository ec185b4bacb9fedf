"""Execute a report notebook with papermill, in-process, on one explicitly chosen kernel.

Robust under cron: the environment and the kernel check of
:mod:`p95kit.report.kernel_setup`, no progress bar unless asked, and no kernel chatter
on stderr. papermill's and nbclient's exceptions become
:class:`~p95kit.errors.ReportError` here and nowhere else.

:func:`report_kernel` starts the kernel before the data is fetched, so it boots and
imports the notebook's libraries (``KERNEL_PRELOAD``) while this process fetches and
draws; :func:`execute` then runs the notebook on it (what that saves:
``benchmarks/RESULTS.md``).

The kernel starts without p95kit's credentials in its environment (it reads the
data files and needs none, and a notebook cell could print ``os.environ``), and
its own stderr is discarded unless the ``p95kit`` logger is at DEBUG: a kernel
interrupted after a cell timeout prints a traceback there, which cron would mail.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
from jupyter_client import AsyncKernelClient, AsyncKernelManager, protocol_version_info
from jupyter_core.utils import run_sync

from p95kit.errors import ReportError
from p95kit.processes import die_with_parent
from p95kit.report.kernel_setup import (
    KERNEL_NAME,
    check_kernel,
    kernel_environment,
    prepare_environment,
)

# The report notebook's imports (pandas, numpy, p95kit), run by the kernel as it boots:
# the report process is fetching and drawing meanwhile, so they leave the critical path.
# The notebook still imports them itself; a name missing here only costs time.
KERNEL_PRELOAD = (
    "import p95kit.report.data, p95kit.report.sections, p95kit.report.chart, "
    "p95kit.report.notebook_data, p95kit.report.metric_sections, p95kit.report.slo_section, "
    "p95kit.report.compare_section, p95kit.report.paging_section"
)
# The kernel's own log at ERROR only; no IPython history database on disk.
KERNEL_ARGUMENTS = [
    "--IPKernelApp.log_level=ERROR",
    "--HistoryManager.hist_file=:memory:",
    f"--IPKernelApp.exec_lines={KERNEL_PRELOAD}",
]

log = logging.getLogger("p95kit")
# nbclient logs "Kernel died ..." / "Timeout waiting ..." through papermill's logger;
# without a handler Python's last-resort handler would print them next to our one line.
logging.getLogger("papermill").addHandler(logging.NullHandler())


class ReportKernelClient(AsyncKernelClient):
    """An AsyncKernelClient that knows exactly when the kernel is ready.

    jupyter_client's ``wait_for_ready`` ends by waiting for a quiet spell on IOPub, on
    every report. Here the kernel is ready when a ``kernel_info`` request is answered
    and its ``idle`` status has arrived on IOPub: the subscription works and every
    message before it has been read. ``start_channels`` does nothing once they run, so
    the client connected at launch can be handed to nbclient, which starts it again.

    Only jupyter_client's public API is used (``kernel_info``, the channels'
    ``get_msg``, ``is_alive``, ``session``). Should a release change it anyway, the
    quick check fails with an AttributeError, TypeError or KeyError, and the stock
    ``wait_for_ready`` answers instead: slower, never broken.
    """

    def start_channels(self, *args: Any, **kw: Any) -> None:
        if not self.channels_running:
            super().start_channels(*args, **kw)

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        try:
            await self.wait_for_kernel_info(timeout)
        except (AttributeError, TypeError, KeyError) as exc:
            log.debug("quick kernel ready check failed (%r); using jupyter_client's", exc)
            await super().wait_for_ready(timeout=timeout)

    async def wait_for_kernel_info(self, timeout: float | None = None) -> None:
        """Return once a ``kernel_info`` reply and its ``idle`` status have arrived."""
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while True:
            msg_id = self.kernel_info()

            def answers(msg: dict[str, Any], msg_id: str = msg_id) -> bool:
                return msg["parent_header"].get("msg_id") == msg_id

            def idle(msg: dict[str, Any]) -> bool:
                state = msg["content"].get("execution_state")
                return msg["msg_type"] == "status" and answers(msg) and state == "idle"

            reply = await self._next(self.shell_channel, answers, deadline)
            if reply is not None and await self._next(self.iopub_channel, idle, deadline):
                self._adapt_protocol(reply)
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    def _adapt_protocol(self, reply: dict[str, Any]) -> None:
        """What jupyter_client does with a kernel_info reply: speak an older kernel's
        protocol version."""
        kernel_major = int(reply["content"]["protocol_version"].split(".")[0])
        if kernel_major != protocol_version_info[0]:
            self.session.adapt_version = kernel_major

    @staticmethod
    async def _next(
        channel: Any, match: Callable[[dict[str, Any]], bool], deadline: float
    ) -> dict[str, Any] | None:
        """The next message on ``channel`` that ``match`` accepts (others are skipped, e.g.
        replies to an earlier, unanswered kernel_info); ``None`` when 1 s passes quietly."""
        with contextlib.suppress(Empty):
            while True:
                wait = min(1.0, max(0.0, deadline - time.monotonic()))
                msg = await channel.get_msg(timeout=wait)
                if match(msg):
                    return msg
        return None


class ReportKernelManager(AsyncKernelManager):
    """Starts the kernel with :func:`kernel_environment` and a quiet stderr, and hands
    out one client, connected as soon as the kernel is launched.

    Connecting early matters: a client whose IOPub subscription is younger than the
    kernel's first reply misses its idle status, and the ready check asks again after 1 s.
    nbclient leaves a kernel it did not start, and its client, running;
    :func:`report_kernel` closes both.
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__(client_factory=ReportKernelClient, **kw)
        self.the_client: ReportKernelClient | None = None

    def client(self, **kw: Any) -> ReportKernelClient:
        if self.the_client is None:
            self.the_client = super().client(**kw)
        return self.the_client

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        kw.setdefault("env", kernel_environment())
        if not log.isEnabledFor(logging.DEBUG):
            kw.setdefault("stderr", subprocess.DEVNULL)
        # Killed with this run, even during its boot (ipykernel only polls for its parent,
        # and misses a parent that died before it looked when a subreaper adopts it).
        # The report_kernel block, and so the launching thread, outlives the kernel.
        preexec = die_with_parent()
        if preexec is not None:
            kw.setdefault("preexec_fn", preexec)
        await super().start_kernel(**kw)


@contextlib.contextmanager
def report_kernel(cwd: Path) -> Iterator[ReportKernelManager]:
    """Start the report kernel in ``cwd`` now and kill it on leaving the block.

    The kernel process boots on its own while the caller goes on (start returns once it
    is launched, not once it is ready); :func:`execute` waits for it. Killed, not asked
    to exit: the outputs are saved by then, and a graceful exit only costs time.
    Runs on this thread's jupyter event loop, the one papermill uses after it.
    """
    prepare_environment()
    check_kernel()
    import zmq

    manager = ReportKernelManager(kernel_name=KERNEL_NAME)
    try:  # one finally: a start that fails after the launch must not leave the kernel
        try:
            run_sync(manager.start_kernel)(cwd=str(cwd), extra_arguments=list(KERNEL_ARGUMENTS))
            manager.client().start_channels()  # subscribes to IOPub while the kernel boots
        except (RuntimeError, OSError, zmq.ZMQError) as exc:
            raise ReportError(
                f"cannot start the report kernel: {type(exc).__name__}: {exc}", reason="kernel"
            ) from exc
        yield manager
    finally:
        _stop(manager)


def _stop(manager: ReportKernelManager) -> None:
    """Close the client, kill and reap the kernel's process group, remove its files.
    Copes with a kernel that never started, or that is already dead."""
    if manager.the_client is not None:
        with contextlib.suppress(RuntimeError, OSError):
            manager.the_client.stop_channels()
    # Kill and reap the kernel's process group here, at once (jupyter_client's kill polls
    # for the exit); it then finds nothing to stop. Without a process (another
    # provisioner), jupyter_client's own shutdown below does it all.
    process = getattr(manager.provisioner, "process", None)
    if process is not None and process.poll() is None:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)  # launched in a session of its own
        with contextlib.suppress(OSError):
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
    with contextlib.suppress(RuntimeError, OSError):  # already dead, or gone meanwhile
        if run_sync(manager.is_alive)():
            run_sync(manager.shutdown_kernel)(now=True)
    with contextlib.suppress(RuntimeError, OSError):
        run_sync(manager.cleanup_resources)()


def execute(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    kernel: ReportKernelManager | None = None,
    cwd: Path | None = None,
    cell_timeout: float | None = 600,
    progress: bool = False,
) -> nbformat.NotebookNode:
    """Run ``notebook`` with ``parameters`` (JSON-native values only, never secrets)
    and write the executed copy to ``output``. Raises ReportError naming the cell.

    ``kernel``: a kernel from :func:`report_kernel` (the caller stops it); without one,
    a kernel is started in ``cwd`` for this notebook and stopped after it."""
    if kernel is None:
        with report_kernel(cwd or Path.cwd()) as started:
            return execute(
                notebook,
                output,
                parameters,
                kernel=started,
                cell_timeout=cell_timeout,
                progress=progress,
            )
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    try:
        return papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=progress,
            execution_timeout=cell_timeout,
            km=kernel,  # passed on to nbclient, which leaves a kernel it did not start running
        )
    except papermill.PapermillExecutionError as exc:
        evalue = " ".join(str(exc.evalue).split())  # one line on stderr; run.json keeps it all
        raise ReportError(
            f"report notebook failed in cell {exc.cell_index}: {exc.ename}: {evalue}",
            cell_index=exc.cell_index,
            ename=exc.ename,
            evalue=exc.evalue,
            reason="cell_error",
        ) from exc
    except CellTimeoutError as exc:
        raise ReportError(
            f"a report notebook cell ran longer than {cell_timeout} s", reason="cell_timeout"
        ) from exc
    except DeadKernelError as exc:
        raise ReportError(
            "the notebook kernel died during the report", reason="kernel_died"
        ) from exc
    except (RuntimeError, OSError, ValueError) as exc:  # ValueError: papermill's inspection
        raise ReportError(
            f"cannot run the report notebook: {type(exc).__name__}: {exc}", reason="kernel"
        ) from exc
