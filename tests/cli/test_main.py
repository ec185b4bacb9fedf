"""What the ``p95kit`` group gives every command (p95kit.cli.main, its ErrorHandlingGroup):
parameters checked before anything starts, a bad value from the environment named, and
SIGTERM cleaning up with exit 143."""

from __future__ import annotations

import signal
import time

import pytest

from tests.support.cli import report_argv


@pytest.mark.parametrize(
    "args",
    [["demo", "--duration", "5x"], ["doctor", "--lookback", "0"], ["doctor", "--metric-name", "9"]],
)
def test_setup_commands_check_parameters_before_starting_anything(args, cli):
    url = ["--prometheus-url", "http://127.0.0.1:9"] if args[0] == "doctor" else []
    result = cli(*args, *url)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1  # no "starting ..."


def test_a_bad_value_from_the_environment_names_the_variable(cli):
    result = cli("query", "p95", env={"P95KIT_TIMEOUT": "abc"})
    assert result.exit_code == 2
    assert "(from $P95KIT_TIMEOUT)" in result.stderr and len(result.stderr.splitlines()) == 1
    assert "$P95KIT" not in cli("query", "p95", "--timeout", "abc").stderr


@pytest.mark.kernel
def test_sigterm_cleans_up_and_exits_143(prom, tmp_path, cli_process):
    """`timeout` or systemd stop a report with SIGTERM: one line, exit 128 + 15."""
    proc = cli_process.start(*report_argv(prom.url, tmp_path))
    deadline = time.monotonic() + 60
    # A payload in the staging folder: the run is well inside the part that cleans up.
    while not list(tmp_path.glob(".staging-*/*.json")) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert (proc.returncode, stderr) == (143, "p95kit: SIGTERM: stopped\n")
    assert not list(tmp_path.glob(".staging-*"))  # cleaned up on the way out
    assert not (tmp_path / "latest").exists()
