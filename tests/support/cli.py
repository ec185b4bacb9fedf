"""The ``p95kit`` command in tests: in this process (click's CliRunner) and as a process.

Tests get them as the ``cli`` and ``cli_process`` fixtures (tests/conftest.py)::

    result = cli("query", "p95", "--prometheus-url", prom.url)      # click's Result
    assert result.exit_code == 0 and result.stderr == ""            # stdout, stderr apart
    done = cli_process.run(*report_argv(prom.url, tmp_path))        # cron-like, scrubbed env
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from click.testing import CliRunner, Result

from p95kit.cli.main import main
from tests.support import dataset

#: This virtualenv's ``p95kit`` console script (what cron or systemd would run).
EXECUTABLE = Path(sys.executable).with_name("p95kit")


def report_argv(
    prometheus_url: str,
    out: Path | str,
    *args: str,
    duration: str | None = None,
    end: int | str | None = dataset.END,
) -> list[str]:
    """``report --prometheus-url URL [--end END] [--duration D] --out OUT ARGS...``.

    ``end`` defaults to the known-answer dataset's last sample (None: now);
    ``duration`` None leaves the command's default (24h)."""
    argv = ["report", "--prometheus-url", prometheus_url]
    if end is not None:
        argv += ["--end", str(end)]
    if duration is not None:
        argv += ["--duration", duration]
    return [*argv, "--out", str(out), *args]


class Cli:
    """``p95kit`` run in this process by click's CliRunner; returns click's ``Result``
    with ``stdout`` and ``stderr`` apart (``output`` has both, interleaved)."""

    def __call__(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        catch_exceptions: bool = False,
    ) -> Result:
        """Run ``p95kit ARGS...``.

        ``env``: variables set for the call on top of this process's (None removes one).
        ``catch_exceptions``: an exception that escapes the command (``--debug`` re-raises
        p95kit errors) is kept in ``result.exception`` instead of failing the test here.
        """
        runner = CliRunner()
        return runner.invoke(
            main, list(args), env=dict(env or {}), catch_exceptions=catch_exceptions
        )

    def report(
        self,
        prometheus_url: str,
        out: Path | str,
        *args: str,
        duration: str | None = None,
        end: int | str | None = dataset.END,
        flags: tuple[str, ...] = (),
        env: Mapping[str, str | None] | None = None,
        catch_exceptions: bool = False,
    ) -> Result:
        """``p95kit FLAGS... report ...`` (see :func:`report_argv`); ``flags`` go before
        the command (``-v``, ``--debug``)."""
        argv = report_argv(prometheus_url, out, *args, duration=duration, end=end)
        return self(*flags, *argv, env=env, catch_exceptions=catch_exceptions)


def scrubbed_env(home: Path | str | None = None, **extra: str) -> dict[str, str]:
    """What cron gives a job: ``PATH=/usr/bin:/bin``, ``HOME`` (this user's unless given),
    ``LANG=C`` and ``extra``; nothing else of this process's environment (no ``P95KIT_*``,
    no virtualenv, no ``CI``)."""
    home = home if home is not None else os.environ.get("HOME", "/")
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C", **extra}


class CliProcess:
    """``p95kit`` as a separate process: this virtualenv's console script, in
    :func:`scrubbed_env` unless ``env`` is given, text mode."""

    executable = EXECUTABLE

    def start(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | str | None = None,
        stdout: int | IO | None = subprocess.PIPE,
        stderr: int | IO | None = subprocess.PIPE,
    ) -> subprocess.Popen:
        """Start ``p95kit ARGS...`` and return at once: stdin empty (as under cron),
        stdout and stderr piped apart unless given (a file, a pseudo-terminal)."""
        return subprocess.Popen(
            [str(EXECUTABLE), *args],
            env=dict(scrubbed_env() if env is None else env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )

    @staticmethod
    def finish(proc: subprocess.Popen, timeout: float = 900) -> tuple[int, str, str]:
        """Wait for a started process: ``(exit code, stdout, stderr)``."""
        stdout, stderr = proc.communicate(timeout=timeout)
        return proc.returncode, stdout, stderr

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | str | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess:
        """Run ``p95kit ARGS...`` to the end: ``returncode``, ``stdout``, ``stderr``."""
        proc = self.start(*args, env=env, cwd=cwd)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
