"""Benchmark ``report``: a full ``p95kit report --duration 24h`` against the notebook floor.

Data: 50 models, classic histograms with 8 bucket bounds, 48 h (the report compares the
last 24 h with the 24 h before) at a 2 m scrape interval, written by
``OpenMetricsWriter`` and served by a real LocalPrometheus (``prometheus`` + ``promtool``).

In-process, alternating: ``run_report(client, ReportSettings(duration="24h"), out)``
against the floor, ``papermill.execute_notebook`` of a one-cell notebook plus
nbconvert's ``HTMLExporter`` (default template), in the same environment and kernel.
The floor keeps papermill's defaults (its kernel is asked to exit and waited for);
p95kit's runner kills its kernel once the outputs are saved (``shutdown_kernel``).
Also as subprocesses (the CLI against a floor script, so imports count), plus a profile:
``run.json`` timings, papermill's per-cell durations, kernel start and import times.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.report_profile import (
    KERNEL,
    QUIET,
    first_line,
    import_times,
    kernel_start,
    papermill_phases,
)

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "Full report against the notebook floor"

MODELS = 50
BOUNDS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SCRAPE = 120
FLOOR_SOURCE = 'print("hello")'


def unavailable() -> str | None:
    """Why the report cannot be benchmarked yet, or None when it can."""
    try:
        from p95kit.report.parameters import ReportSettings  # noqa: F401
        from p95kit.report.pipeline import run_report  # noqa: F401
    except ImportError as exc:
        return f"p95kit.report.pipeline is not importable ({exc})"
    notebook = common.ROOT / "notebooks" / "report.ipynb"
    if not notebook.is_file():
        return f"{notebook} does not exist"
    return None


def build_prometheus(workdir: Path) -> Any:
    """50 models over 48 h; a fifth of them drift to slower buckets in the last 12 h."""
    from p95kit.demo.local_prometheus import LocalPrometheus, OpenMetricsWriter

    start = common.END - 48 * 3600
    drift_at = common.END - 12 * 3600
    writer = OpenMetricsWriter()
    for index in range(MODELS):
        shift = index % 4
        before = [0] * shift + [10, 30, 40, 15, 5] + [0] * (4 - shift)
        after = [0, *before[:-1]] if index % 5 == 0 else before

        def increments(t: int, before: list[int] = before, after: list[int] = after) -> list[int]:
            return after if t > drift_at else before

        labels = {"model": f"model-{index:02d}", "env": "prod"}
        writer.add_histogram(
            "request_duration_seconds", labels, BOUNDS, increments, start, common.END, SCRAPE
        )
    path = writer.write(workdir / "report.om")
    return LocalPrometheus(path, workdir / "prometheus", ready_timeout=60)


def floor_notebook(folder: Path) -> Path:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    notebook.metadata["kernelspec"] = {
        "name": KERNEL,
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "floor.ipynb"
    nbformat.write(notebook, path)
    return path


def run_floor(notebook: Path, folder: Path) -> dict[str, Any]:
    """papermill + HTMLExporter, in-process; returns seconds per step and papermill phase."""
    import papermill
    from nbconvert import HTMLExporter

    began = time.perf_counter()
    executed = papermill.execute_notebook(
        str(notebook),
        str(folder / "floor-out.ipynb"),
        kernel_name=KERNEL,
        progress_bar=False,
        extra_arguments=QUIET,
    )
    middle = time.perf_counter()
    html, _ = HTMLExporter().from_notebook_node(executed)
    (folder / "floor.html").write_text(html, encoding="utf-8")
    end = time.perf_counter()
    steps = {"execute_s": middle - began, "export_s": end - middle, "total_s": end - began}
    return {**steps, "phases": papermill_phases(executed)}


def run_report_once(url: str, out: Path) -> dict[str, Any]:
    """One ``run_report`` into a fresh folder; returns run.json plus per-cell durations."""
    import nbformat

    from p95kit import Prometheus
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.pipeline import run_report

    with Prometheus(url) as client:
        outcome = run_report(client, ReportSettings(duration="24h", end=common.END), out)
    executed = nbformat.read(outcome.path / "report.ipynb", as_version=4)
    cells = [
        (first_line(cell.source), float(cell.metadata.get("papermill", {}).get("duration") or 0))
        for cell in executed.cells
        if cell.cell_type == "code"
    ]
    return {
        **outcome.run,
        "cells": cells,
        "phases": papermill_phases(executed),
        "html_bytes": (outcome.path / "report.html").stat().st_size,
    }


FLOOR_SCRIPT = """
import sys, papermill
from nbconvert import HTMLExporter
nb = papermill.execute_notebook(sys.argv[1], sys.argv[2], kernel_name="python3",
                                progress_bar=False,
                                extra_arguments=["--IPKernelApp.log_level=ERROR"])
open(sys.argv[3], "w").write(HTMLExporter().from_notebook_node(nb)[0])
"""


def cli_calls(url: str, notebook: Path, folder: Path) -> dict[str, Callable[[], object]]:
    """The CLI and the floor script, each as a fresh process."""
    script = str(Path(common.PYTHON).with_name("p95kit"))
    counter = iter(range(1000))

    def report() -> None:
        out = folder / f"cli-{next(counter)}"
        args = [
            script,
            "report",
            "--prometheus-url",
            url,
            "--duration",
            "24h",
            "--end",
            str(common.END),
            "--out",
            str(out),
        ]
        subprocess.run(args, check=True, cwd=folder)

    def floor() -> None:
        args = [
            common.PYTHON,
            "-c",
            FLOOR_SCRIPT,
            str(notebook),
            str(folder / "f.ipynb"),
            str(folder / "f.html"),
        ]
        subprocess.run(args, check=True, cwd=folder)

    return {"floor script": floor, "p95kit report (CLI)": report}


def run(rounds: int = 5, cli_rounds: int = 5) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    header = [f"## {TITLE}", ""]
    why = unavailable()
    if why:
        print(f"benchmark report skipped: report not available yet: {why}")
        return "\n".join(
            [
                *header,
                f"**Goal: report <= 2x the floor: skipped: report not available yet** ({why}).",
            ]
        )
    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")  # both sides: the venv's kernel
    os.environ.setdefault("MPLBACKEND", "Agg")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="p95kit-bench-report-") as name:
        folder = Path(name)
        prom = build_prometheus(folder)
        with prom:
            built = time.perf_counter() - began
            notebook = floor_notebook(folder)
            runs: list[dict[str, Any]] = []
            floors: list[dict[str, Any]] = []
            counter = iter(range(1000))
            calls = {
                "floor": lambda: floors.append(run_floor(notebook, folder)),
                "report": lambda: runs.append(
                    run_report_once(prom.url, folder / f"out-{next(counter)}")
                ),
            }
            timings = common.alternate(calls, rounds)
            cli = common.alternate(cli_calls(prom.url, notebook, folder), cli_rounds, warmup=0)
            kernel = kernel_start()
            imports = import_times()
        setup = dict(prom.timings)
    took = time.perf_counter() - began
    footer = (
        f"Setup: data written, backfilled and served in {built:.0f} s (backfill "
        f"{setup.get('backfill', 0):.0f} s). _Section took {took:.0f} s._"
    )
    body = _section(timings, cli, runs[-rounds:], floors[-rounds:], kernel, imports)
    return "\n".join([*header, *body, "", footer])


def _section(timings, cli, runs, floors, kernel, imports) -> list[str]:
    med = statistics.median
    steps = ("fetch_s", "chart_s", "execute_s", "export_s", "total_s")
    report_steps = {k: med([r["timings"].get(k, float("nan")) for r in runs]) for k in steps}
    floor_steps = {k: med([f[k] for f in floors]) for k in ("execute_s", "export_s", "total_s")}
    ratio = timings.ratio("report", "floor")
    cli_ratio = cli.ratio("p95kit report (CLI)", "floor script")
    cell_rows = []
    for index, (label, _) in enumerate(runs[-1]["cells"]):
        seconds = med([r["cells"][index][1] for r in runs if len(r["cells"]) > index])
        cell_rows.append([index + 1, f"`{label}`", common.ms(seconds)])
    phases = {k: med([r["phases"][k] for r in runs]) for k in runs[-1]["phases"]}
    floor_phases = {k: med([f["phases"][k] for f in floors]) for k in phases}
    outside = report_steps["execute_s"] - phases["papermill"]
    floor_outside = floor_steps["execute_s"] - floor_phases["papermill"]
    return [
        f"{MODELS} models, 24 h window (step 5 m chosen by the report), 48 h of data in a real "
        f"Prometheus. {len(runs)} alternating in-process rounds after one warm-up, medians; "
        f"HTML page: {runs[-1]['html_bytes'] / 1e3:.0f} kB. The floor runs papermill with its "
        "defaults (graceful kernel shutdown); p95kit's runner launches the kernel before "
        "the fetch, so it boots, and imports what the notebook needs (`KERNEL_PRELOAD`), "
        "while the data is fetched and the chart drawn; it kills the kernel after the notebook.",
        "",
        common.table(
            ["", "median total", "x floor"],
            [
                [
                    "floor: papermill one-cell + HTMLExporter (in-process)",
                    common.ms(timings.median("floor")),
                    "1.00",
                ],
                [
                    "p95kit run_report (in-process)",
                    common.ms(timings.median("report")),
                    f"{ratio:.2f}",
                ],
                [
                    f"floor script (fresh process; rounds: {len(cli.seconds['floor script'])})",
                    common.ms(cli.median("floor script")),
                    "1.00",
                ],
                [
                    "`p95kit report --duration 24h` (fresh process)",
                    common.ms(cli.median("p95kit report (CLI)")),
                    f"{cli_ratio:.2f}",
                ],
            ],
        ),
        "",
        f"**Goal: the report costs at most 2x the floor: {'met' if ratio <= 2 else 'NOT met'} "
        f"in-process ({ratio:.2f}x), {'met' if cli_ratio <= 2 else 'NOT met'} as a CLI "
        f"process ({cli_ratio:.2f}x).**",
        "",
        "Profile (medians; `run.json` timings of the in-process runs):",
        "",
        common.table(
            ["step", "p95kit report", "floor"],
            [
                [
                    "fetch (6 queries, 3 at a time) + save payloads",
                    common.ms(report_steps["fetch_s"]),
                    "-",
                ],
                [
                    "chart (drawn in the report process, the kernel booting meanwhile)",
                    common.ms(report_steps["chart_s"]),
                    "-",
                ],
                [
                    "execute (papermill and what p95kit.report.kernel does around it)",
                    common.ms(report_steps["execute_s"]),
                    common.ms(floor_steps["execute_s"]),
                ],
                [
                    "  of which kernel start (papermill start -> first cell; p95kit: what is "
                    "left of the boot)",
                    common.ms(phases["kernel_start"]),
                    common.ms(floor_phases["kernel_start"]),
                ],
                [
                    "  of which cells (first cell start -> last cell end)",
                    common.ms(phases["cells"]),
                    common.ms(floor_phases["cells"]),
                ],
                [
                    "  of which kernel shutdown (last cell end -> papermill end)",
                    common.ms(phases["shutdown"]),
                    common.ms(floor_phases["shutdown"]),
                ],
                [
                    "  of which before papermill starts (reading, parameters, kernel checks)",
                    common.ms(outside),
                    common.ms(floor_outside),
                ],
                [
                    "export (nbconvert HTML)",
                    common.ms(report_steps["export_s"]),
                    common.ms(floor_steps["export_s"]),
                ],
                [
                    "other (kernel launch and kill, run.json; p95kit only)",
                    common.ms(
                        report_steps["total_s"]
                        - sum(
                            report_steps[k] for k in ("fetch_s", "chart_s", "execute_s", "export_s")
                        )
                    ),
                    "-",
                ],
                [
                    "total (run.json total_s incl. snapshot publish)",
                    common.ms(report_steps["total_s"]),
                    common.ms(floor_steps["total_s"]),
                ],
            ],
        ),
        "",
        f"Kernel start alone (`jupyter_client.start_new_kernel`, median of 3): "
        f"{common.ms(kernel)}.",
        "",
        "Per notebook cell (papermill `duration`, median):",
        "",
        common.table(["cell", "first line", "duration"], cell_rows),
        "",
        "Import time (fresh process, minus `python -c pass`, median of 3; the report "
        "kernel's imports run during its boot, so they overlap the fetch):",
        "",
        common.table(["imports", "time"], [[name, common.ms(s)] for name, s in imports]),
    ]
