"""Where a report run's time goes, for the report benchmark (:mod:`benchmarks.bench_report`):
papermill's phases from its timestamps, the kernel's start, and the imports each side needs in
a fresh process.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks import common

KERNEL = "python3"
QUIET = ["--IPKernelApp.log_level=ERROR"]  # as p95kit's runner passes; keeps stderr clean


def papermill_phases(executed: Any) -> dict[str, float]:
    """Seconds from papermill's timestamps: kernel start (papermill start to the first
    cell), cells (first start to last end), kernel shutdown (last cell end to papermill
    end: nbclient's kernel_info request, then the kernel's shutdown), and papermill's total."""
    from datetime import datetime

    def stamp(text: str) -> float:
        return datetime.fromisoformat(text).timestamp()

    meta = executed.metadata.papermill
    starts = [stamp(c.metadata.papermill["start_time"]) for c in executed.cells]
    ends = [stamp(c.metadata.papermill["end_time"]) for c in executed.cells]
    begin, finish = stamp(meta["start_time"]), stamp(meta["end_time"])
    return {
        "kernel_start": min(starts) - begin,
        "cells": max(ends) - min(starts),
        "shutdown": finish - max(ends),
        "papermill": finish - begin,
    }


def first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip() and not line.startswith("#")]
    text = lines[0] if lines else source[:40]
    return text if len(text) <= 48 else text[:47] + "…"


def kernel_start(repeat: int = 3) -> float:
    """Median seconds to start the python3 kernel and get its first reply."""
    from jupyter_client.manager import start_new_kernel

    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        manager, client = start_new_kernel(kernel_name=KERNEL, extra_arguments=QUIET)
        samples.append(time.perf_counter() - began)
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return statistics.median(samples)


def notebook_imports(path: Path) -> str:
    """The import statements of a notebook's code cells, as one script."""
    import ast

    import nbformat

    statements = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        statements += [
            ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)
        ]
    return "\n".join(statements) or "pass"


def import_times(repeat: int = 3) -> list[tuple[str, float]]:
    """Fresh-process wall time of the imports each side needs, minus ``python -c pass``."""
    scripts = {
        "python -c pass": "pass",
        "report process: p95kit.cli/report/kernel/html_export + papermill + nbconvert": (
            "import p95kit.cli.main, p95kit.report.pipeline, p95kit.report.kernel,"
            " p95kit.report.html_export, papermill, nbconvert"
        ),
        "floor process: papermill + nbconvert": "import papermill, nbconvert",
        "report kernel: the notebook's own imports (the floor's kernel has none)": notebook_imports(
            common.ROOT / "notebooks" / "report.ipynb"
        ),
    }
    run = lambda code: subprocess.run([common.PYTHON, "-c", code], cwd=common.ROOT, check=True)  # noqa: E731
    timings = common.alternate({k: (lambda c=c: run(c)) for k, c in scripts.items()}, repeat)
    floor = timings.median("python -c pass")
    return [(name, timings.median(name) - floor) for name in list(scripts)[1:]]
