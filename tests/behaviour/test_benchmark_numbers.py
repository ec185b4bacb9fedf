"""A benchmark's number comes from one place, ``ORDER`` in benchmarks/__main__.py.

The modules write their headings without a number (``## <TITLE>``) and ``python -m benchmarks``
numbers them; what was written before (benchmarks/RESULTS.md: its sections and "What limits the
results") and every reference elsewhere (README.md, docs/, benchmarks/README.md: "benchmark 7
(`serve`)", "RESULTS.md, section 10 (`compare`)", the table of modules) must agree with it.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import benchmarks.__main__ as run
from tests.support.paths import ROOT

BENCHMARKS = ROOT / "benchmarks"
RESULTS = BENCHMARKS / "RESULTS.md"
PROSE = [ROOT / "README.md", BENCHMARKS / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: "benchmark 7 (`serve`)", "RESULTS.md, section 10 (`compare`)", "RESULTS.md](...) section 8"
REFERENCE = re.compile(
    r"(?:\bbenchmarks?|RESULTS\.md\S*\s+section)\s+(\d+)[A-Z]?\b(?:\s+\(`([\w-]+)`\))?",
    re.IGNORECASE,
)
#: A number written by hand where ORDER should give it.
HARD_CODED = re.compile(r"""["']## \d|\bbenchmarks? \d""", re.IGNORECASE)


def title(name: str) -> str:
    """The heading a benchmark's module writes, without its number."""
    return importlib.import_module(f"benchmarks.bench_{name}").TITLE


def references(text: str) -> list[str]:
    """What is wrong with the benchmark numbers ``text`` gives (see :data:`REFERENCE`)."""
    wrong = []
    for match in REFERENCE.finditer(text):
        number, name = int(match.group(1)), match.group(2)
        said = " ".join(match.group(0).split())
        if name is None:
            wrong.append(f"{said!r}: say which benchmark, e.g. 'benchmark 7 (`serve`)'")
        elif name not in run.ORDER:
            wrong.append(f"{said!r}: no benchmark {name!r} in ORDER {run.ORDER}")
        elif number != run.number(name):
            wrong.append(f"{said!r}: {name} is benchmark {run.number(name)}")
    return wrong


def test_every_benchmark_in_order_has_a_module_with_a_title():
    assert len(set(run.ORDER)) == len(run.ORDER)
    modules = {p.stem.removeprefix("bench_") for p in BENCHMARKS.glob("bench_*.py")}
    assert modules == set(run.ORDER)
    assert all(title(name) and not title(name)[0].isdigit() for name in run.ORDER)
    assert run.numbered("serve", "## x\n\ny") == f"## {run.number('serve')}. x\n\ny"


def test_no_benchmark_module_writes_a_number_of_its_own():
    written = [
        f"{path.name}:{line_number}: {line.strip()}"
        for path in sorted(BENCHMARKS.glob("*.py"))
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HARD_CODED.search(line)
    ]
    assert written == []


def test_the_results_sections_are_numbered_by_order():
    headings = re.findall(r"^## (\d+)\. (.+)$", RESULTS.read_text(encoding="utf-8"), re.M)
    assert len(headings) >= len(run.ORDER) - len(run.LONG)
    wrong = []
    for number, heading in headings:
        (name,) = [n for n in run.ORDER if heading.startswith(title(n))] or [None]
        if name is None or int(number) != run.number(name):
            wrong.append(f"## {number}. {heading}: {name} is {name and run.number(name)}")
    assert wrong == []


def test_what_limits_the_results_gives_the_numbers_of_order():
    numbers = {name: run.number(name) for name in run.ORDER}
    assert "{" not in run.LIMITS.format(**numbers)
    bullets = re.findall(r"^- \*\*(.+?) \(\{(\w+)\}([A-Z]?)\)", run.LIMITS, re.M)
    assert len(bullets) >= 5 and {name for _, name, _ in bullets} <= set(run.ORDER)
    results = RESULTS.read_text(encoding="utf-8")
    for label, name, part in bullets:
        written = re.findall(rf"^- \*\*{re.escape(label)} \((\d+)([A-Z]?)\)", results, re.M)
        assert written == [(str(numbers[name]), part)], (label, name)


def test_the_benchmarks_readme_numbers_its_table_by_order():
    text = (BENCHMARKS / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `bench_(\w+)\.py` \| (\d+): ", text, re.M)
    assert rows == [(name, str(run.number(name))) for name in run.ORDER]


@pytest.mark.parametrize("path", PROSE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_reference_names_its_benchmark_with_the_number_of_order(path: Path):
    assert references(path.read_text(encoding="utf-8")) == []


def test_the_reference_check_sees_a_wrong_or_unnamed_number():
    assert references("see benchmark 7 (`serve`) and RESULTS.md, section\n10 (`compare`)") == []
    assert references("[RESULTS.md](x) section 8 (`compare`); benchmark 6; Benchmarks 2") == [
        "'RESULTS.md](x) section 8 (`compare`)': compare is benchmark 10",
        "'benchmark 6': say which benchmark, e.g. 'benchmark 7 (`serve`)'",
        "'Benchmarks 2': say which benchmark, e.g. 'benchmark 7 (`serve`)'",
    ]
    assert references("benchmark 3B (`scal`)") == [
        f"'benchmark 3B (`scal`)': no benchmark 'scal' in ORDER {run.ORDER}"
    ]
