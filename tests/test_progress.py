"""Progress bars on long work: in a Jupyter kernel and on a terminal with -v, never under cron.

A range of 2 days at 15 s is 11,521 points per series: two chunks, so a bar over two steps.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import pty
import struct
import subprocess
import sys
import termios
import textwrap
from pathlib import Path

import nbformat
import papermill
import pytest

from p95kit.errors import InvalidParameterError
from p95kit.prometheus.fanout import run_all
from p95kit.report.kernel import prepare_environment
from p95kit.times import to_rfc3339
from tests.support import dataset
from tests.support.cli import scrubbed_env

END = to_rfc3339(dataset.END)
CHUNKED = {"duration": "2d", "step": "15s", "end": END, "models": ["gpt-4"]}
# rate() needs two samples: the first point with an answer is one dataset step after START.
POINTS = (dataset.END - dataset.START - dataset.STEP) // 15 + 1


def _fetch_script(url: str, progress: str) -> str:
    return textwrap.dedent(
        f"""
        import p95kit
        frame = p95kit.p95_range(prometheus_url={url!r}, progress={progress}, **{CHUNKED!r})
        assert len(frame) == {POINTS}, len(frame)  # both chunks, joined
        """
    )


@pytest.mark.kernel
def test_a_chunked_fetch_in_a_kernel_shows_progress(prom, tmp_path):
    prepare_environment()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(_fetch_script(prom.url, "None"))]
    source = tmp_path / "fetch.ipynb"
    nbformat.write(notebook, source)
    executed = papermill.execute_notebook(
        str(source),
        str(tmp_path / "out.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    outputs = executed.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    widgets = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    # A widget with ipywidgets (the jupyter extra); tqdm's text bar on stderr without it.
    assert widgets or ("range chunks" in text and "2/2" in text), outputs
    if importlib.util.find_spec("ipywidgets"):
        assert widgets, outputs
    if widgets:
        assert "range chunks" in widgets[0]["data"]["text/plain"]


def _fetch_like_cron(url: str, progress: str, home) -> subprocess.CompletedProcess:
    """The fetch script in a fresh process with cron's environment and no terminal."""
    return subprocess.run(
        [sys.executable, "-c", _fetch_script(url, progress)],
        env=scrubbed_env(home=home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_same_fetch_under_cron_prints_nothing(prom, tmp_path):
    done = _fetch_like_cron(prom.url, "None", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_progress_true_forces_a_bar_without_a_terminal(prom, tmp_path):
    done = _fetch_like_cron(prom.url, "True", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "range chunks" in done.stderr and "2/2" in done.stderr


def test_cli_shows_a_bar_on_a_terminal_with_v_only(prom, tmp_path, cli_process):
    args = ["query", "range", "--prometheus-url", prom.url, "--format", "csv"]
    args += ["--duration", "2d", "--step", "15s", "--end", END, "--model", "gpt-4"]
    with_v = _stderr_on_a_terminal(cli_process, ["-v", *args], tmp_path)
    without = _stderr_on_a_terminal(cli_process, args, tmp_path)
    assert "range chunks" in with_v and "2/2" in with_v
    assert "range chunks" not in without


def _stderr_on_a_terminal(cli_process, args: list[str], tmp_path: Path) -> str:
    """Run ``p95kit ARGS...`` with stderr on a pseudo-terminal; return what it wrote there."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    with open(tmp_path / "stdout", "wb") as stdout:
        env = scrubbed_env(home=tmp_path)
        process = cli_process.start(*args, env=env, stdout=stdout, stderr=terminal)
    os.close(terminal)
    written = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        written += chunk
    os.close(controller)
    assert process.wait(timeout=120) == 0, written.decode(errors="replace")
    lines = (tmp_path / "stdout").read_text().splitlines()
    assert len(lines) == POINTS + 1  # the CSV header, then every point
    return written.decode(errors="replace")


def test_run_all_counts_calls_when_asked(capsys):
    assert run_all([lambda i=i: i for i in range(3)], 2, progress=True, description="x") == [
        0,
        1,
        2,
    ]
    shown = capsys.readouterr().err
    assert "x: 100%" in shown and "3/3" in shown
    run_all([lambda: 1], 1)  # the default: no bar
    assert capsys.readouterr().err == ""


def test_progress_must_be_true_false_or_none(prom):
    import p95kit

    with pytest.raises(InvalidParameterError, match="progress must be True, False or None"):
        p95kit.p95_range(prometheus_url="http://127.0.0.1:9", progress="yes")


def test_import_and_help_do_not_load_tqdm():
    code = textwrap.dedent(
        """
        import sys
        import p95kit
        from p95kit.query.latency import p95_range
        from p95kit.cli.main import main
        try:
            main(["--help"])
        except SystemExit:
            pass
        assert "tqdm" not in sys.modules, "tqdm imported"
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.kernel
def test_a_report_run_counts_its_stages_when_asked(prom, tmp_path, capsys):
    from p95kit.prometheus.client import Prometheus
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.pipeline import run_report

    settings = ReportSettings(duration="1h", end=END)
    with Prometheus(prom.url) as client:
        run_report(client, settings, tmp_path / "forced", progress=True)
        shown = capsys.readouterr().err
        run_report(client, settings, tmp_path / "auto")  # no terminal, no kernel: nothing
        assert capsys.readouterr().err == ""
    assert "report: 100%" in shown and "4/4" in shown
