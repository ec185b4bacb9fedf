"""Benchmark ``startup``: start-up time of ``import p95kit`` and ``p95kit --help``.

Each command runs as a fresh subprocess (wall time, ``.pyc`` files already compiled),
alternating with ``python -c pass`` (the floor), ``import click`` (what ``--help`` needs
at least) and ``import pandas``. ``p95kit/__init__.py`` loads its names on first use
(PEP 562), so ``from p95kit import p95_range`` shows where the cost of pandas and
requests went. ``python -X importtime`` then says which heavy packages each command
loads and what they cost.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from benchmarks import common

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "Start-up"

SCRIPT = str(Path(common.PYTHON).with_name("p95kit"))
FLOOR, IMPORT, FIRST_USE, HELP = (
    "python -c pass (floor)",
    "python -c 'import p95kit'",
    "python -c 'from p95kit import p95_range' (first use)",
    "p95kit --help",
)
COMMANDS = {
    FLOOR: [common.PYTHON, "-c", "pass"],
    "python -c 'import click'": [common.PYTHON, "-c", "import click"],
    "python -c 'import pandas'": [common.PYTHON, "-c", "import pandas"],
    IMPORT: [common.PYTHON, "-c", "import p95kit"],
    FIRST_USE: [common.PYTHON, "-c", "from p95kit import p95_range"],
    HELP: [SCRIPT, "--help"],
}
HEAVY = (
    "p95kit",
    "pandas",
    "numpy",
    "requests",
    "urllib3",
    "orjson",
    "matplotlib",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "jupyter_client",
    "IPython",
    "zmq",
    "click",
    "jinja2",
    "pyarrow",
    "dateutil",
)
# What neither ``import p95kit`` nor ``--help`` needs (numpy comes with pandas).
UNNEEDED = ("pandas", "numpy", "requests", "orjson", "matplotlib", "papermill", "nbconvert")


def _run(args: list[str]) -> None:
    subprocess.run(args, cwd=common.ROOT, stdout=subprocess.DEVNULL, check=True)


def import_profile(args: list[str]) -> dict[str, float]:
    """Cumulative import seconds of each package, where it is first imported (``-X
    importtime``); nested packages are included in their parent's figure too."""
    python, *rest = args
    if python == SCRIPT:  # run the console script's code under -X importtime
        rest = [
            "-c",
            "import sys; from p95kit.cli.main import main; sys.argv[0] = 'p95kit'; main()",
            *rest,
        ]
    done = subprocess.run(
        [common.PYTHON, "-X", "importtime", *rest],
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    first: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        first.setdefault(name, int(cumulative) / 1e6)
    return first


def run(rounds: int = 7) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    began = time.perf_counter()
    calls = {name: (lambda args=args: _run(args)) for name, args in COMMANDS.items()}
    timings = common.alternate(calls, rounds)
    floor = timings.median(FLOOR)
    rows = [
        [
            name,
            common.ms(timings.median(name)),
            common.ms(timings.median(name) - floor),
            f"{timings.ratio(name, FLOOR):.1f}",
        ]
        for name in COMMANDS
    ]
    profiles = {name: import_profile(COMMANDS[name]) for name in (IMPORT, HELP, FIRST_USE)}
    heavy_rows = []
    for package in HEAVY:
        cells = [profiles[name].get(package) for name in profiles]
        if any(c and c >= 0.001 for c in cells):
            heavy_rows.append([package, *(common.ms(c) if c else "-" for c in cells)])
    loaded = {name: [p for p in UNNEEDED if p in profiles[name]] for name in (IMPORT, HELP)}
    lazy = not any(loaded.values())
    click = timings.median("python -c 'import click'") - floor
    found = (
        f"neither loads {', '.join(UNNEEDED)}"
        if lazy
        else "; ".join(
            f"{name} loads {', '.join(packages)}" for name, packages in loaded.items() if packages
        )
    )
    lines = [
        f"## {TITLE}",
        "",
        f"**Goal: import heavy libraries lazily where it helps: {'met' if lazy else 'NOT met'} "
        f"(`p95kit --help` {common.ms(timings.median(HELP))}, `import p95kit` "
        f"{common.ms(timings.median(IMPORT))}, `python -c pass` {common.ms(floor)}; "
        f"{found}).**",
        "",
        f"Fresh subprocesses, {rounds} alternating rounds after one warm-up, medians.",
        "",
        common.table(["command", "median wall", "above the floor", "x floor"], rows),
        "",
        "Heavy packages loaded (`-X importtime`, cumulative time where each is first "
        "imported; one run; importtime's own overhead inflates these a little):",
        "",
        common.table(["package", "import p95kit", "p95kit --help", "first use"], heavy_rows),
        "",
        "Figures overlap: a package's figure includes what it imports (pandas includes numpy). "
        f"`p95kit --help` takes {common.ms(timings.median(HELP) - floor)} above the floor; "
        f"`import click` alone takes {common.ms(click)}. The lazy package moves the "
        "cost of pandas and requests to the first use of a query function (the 'first use' "
        "row), where a query needs them anyway.",
        "",
        f"_Section took {time.perf_counter() - began:.0f} s._",
    ]
    return "\n".join(lines)
