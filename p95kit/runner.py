"""Execute a report notebook with papermill, in-process, on one explicitly chosen kernel.

Robust under cron: ``JUPYTER_PREFER_ENV_PATH=1`` so the virtual environment's
kernelspec wins over one in the user's home, writable ``IPYTHONDIR`` /
``MPLCONFIGDIR`` / ``JUPYTER_RUNTIME_DIR`` when HOME is not, a check that the
kernel runs this very Python, no progress bar unless asked, and no kernel chatter
on stderr. papermill's and nbclient's exceptions become
:class:`~p95kit.errors.ReportError` here and nowhere else.

The kernel starts without p95kit's credentials in its environment (it reads the
data files and needs none, and a notebook cell could print ``os.environ``), and
its own stderr is discarded unless the ``p95kit`` logger is at DEBUG: a kernel
interrupted after a cell timeout prints a traceback there, which cron would mail.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client import AsyncKernelManager

from p95kit.clientconfig import SECRET_ENV
from p95kit.errors import ReportError

KERNEL_NAME = "python3"

log = logging.getLogger("p95kit")
# nbclient logs "Kernel died ..." / "Timeout waiting ..." through papermill's logger;
# without a handler Python's last-resort handler would print them next to our one line.
logging.getLogger("papermill").addHandler(logging.NullHandler())


class ReportKernelManager(AsyncKernelManager):
    """Starts the kernel with :func:`kernel_environment` and a quiet stderr."""

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        kw.setdefault("env", kernel_environment())
        if not log.isEnabledFor(logging.DEBUG):
            kw.setdefault("stderr", subprocess.DEVNULL)
        await super().start_kernel(**kw)


def kernel_environment() -> dict[str, str]:
    """This process's environment without :data:`SECRET_ENV` (nor a URL with user-info)."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    if "@" in env.get("P95KIT_PROMETHEUS_URL", ""):
        del env["P95KIT_PROMETHEUS_URL"]
    return env


def prepare_environment() -> None:
    """Set the environment variables that make kernels start reliably under cron."""
    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    home = Path(os.environ.get("HOME") or tempfile.gettempdir())
    if not (home.is_dir() and os.access(home, os.W_OK)):
        scratch = Path(tempfile.gettempdir()) / f"p95kit-{os.getuid()}"
        for variable in ("IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_RUNTIME_DIR"):
            folder = scratch / variable.lower()
            folder.mkdir(parents=True, exist_ok=True)
            os.environ.setdefault(variable, str(folder))


def check_kernel(kernel_name: str = KERNEL_NAME) -> list[str]:
    """Return the kernel's command line, or raise ReportError when it would start
    another Python than the one p95kit runs in."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise ReportError(
            f"no Jupyter kernel named {kernel_name!r}; install ipykernel in this environment "
            f"({sys.executable} -m pip install ipykernel)"
        ) from None
    program = spec.argv[0] if spec.argv else ""
    generic = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info)}
    if program in generic:  # jupyter_client substitutes sys.executable for these
        return [sys.executable, *spec.argv[1:]]
    resolved = shutil.which(program) or program
    if Path(resolved).resolve() != Path(sys.executable).resolve():
        raise ReportError(
            f"the {kernel_name!r} kernel in {spec.resource_dir} runs {resolved}, not "
            f"{sys.executable}; remove that kernelspec or set JUPYTER_PREFER_ENV_PATH=1"
        )
    return list(spec.argv)


def execute(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    cwd: Path | None = None,
    cell_timeout: float | None = 600,
    progress: bool = False,
) -> nbformat.NotebookNode:
    """Run ``notebook`` with ``parameters`` (JSON-native values only, never secrets)
    and write the executed copy to ``output``. Raises ReportError naming the cell."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    prepare_environment()
    check_kernel()
    try:
        return papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=progress,
            cwd=str(cwd) if cwd else None,
            execution_timeout=cell_timeout,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            kernel_manager_class=ReportKernelManager,
            # The outputs are saved by then; a graceful kernel exit costs ~0.5 s per report.
            shutdown_kernel="immediate",
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
    except (RuntimeError, OSError) as exc:
        raise ReportError(
            f"cannot run the report notebook: {type(exc).__name__}: {exc}", reason="kernel"
        ) from exc
