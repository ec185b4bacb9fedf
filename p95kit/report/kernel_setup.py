"""Which kernel a report runs on, and the environment it starts in, made reliable under cron.

``JUPYTER_PREFER_ENV_PATH=1`` so the virtual environment's kernelspec wins over one in
the user's home; writable ``IPYTHONDIR`` / ``MPLCONFIGDIR`` / ``JUPYTER_RUNTIME_DIR``
when HOME is not; a check that the kernel runs this very Python; and a kernel
environment without p95kit's credentials. Used by :mod:`p95kit.report.kernel` and by
``p95kit doctor``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from p95kit.errors import ReportError
from p95kit.prometheus.config import SECRET_ENV
from p95kit.prometheus.urls import URL_ENV
from p95kit.report.mail import SECRET_ENV as MAIL_SECRET_ENV

KERNEL_NAME = "python3"


def kernel_environment() -> dict[str, str]:
    """This process's environment without :data:`SECRET_ENV`, the mail's credentials
    (:data:`p95kit.report.mail.SECRET_ENV`) nor a URL with user-info."""
    secrets = {*SECRET_ENV, *MAIL_SECRET_ENV}
    env = {k: v for k, v in os.environ.items() if k not in secrets}
    if "@" in env.get(URL_ENV, ""):
        del env[URL_ENV]
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
