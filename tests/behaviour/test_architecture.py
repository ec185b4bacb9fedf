"""docs/ARCHITECTURE.md is true of the code, and the test suite keeps its own layout.

The doc's layer table is the one declaration: every subpackage it names exists (unless it
is still coming), every subpackage is in it and its ``__init__`` docstring says what it may
import, and no module imports a layer its row does not list, lazy imports, ``TYPE_CHECKING``
blocks and names taken through a package's lazy ``_EXPORTS`` included. The table itself
only ever points down, so imports only go downward.

The tests mirror the package: ``tests/<layer>/test_<module>.py`` tests
``p95kit/<layer>/<module>.py``, ``tests/test_<module>.py`` a base module ``p95kit/<module>.py``,
and only ``tests/behaviour/`` (behaviours that cross modules) names its files freely.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGE = ROOT / "p95kit"
DOC = ROOT / "docs" / "ARCHITECTURE.md"
TESTS = ROOT / "tests"
#: The facade (p95kit/__init__.py) is the library's API: never the applications on top.
NOT_FROM_THE_FACADE = {"cli", "demo"}


@dataclass(frozen=True)
class Layer:
    name: str  # "base" or a subpackage
    may_import: frozenset[str]
    coming: bool  # named in the doc, not written yet


@cache
def layers() -> dict[str, Layer]:
    """The doc's layer table, lowest first: ``| layer | holds | may import |``."""
    found: dict[str, Layer] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("layer", "") or set(cells[0]) <= {"-", " "}:
            continue
        name = re.match(r"`?(\w+)/?`?", cells[0]).group(1)
        allowed = frozenset(n.strip() for n in cells[2].split(","))
        found[name] = Layer(name, allowed, "coming" in cells[0])
    return found


def subpackages() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def layer_of(module: str) -> str:
    """``p95kit.query.latency`` -> ``query``; a module directly in p95kit/ -> ``base``."""
    parts = module.split(".")
    is_package = len(parts) > 1 and (PACKAGE / parts[1] / "__init__.py").is_file()
    return parts[1] if is_package else "base"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).with_suffix(".py").is_file() or (ROOT / relative).is_dir()


@cache
def lazy_exports(package: str) -> dict[str, str]:
    """A package's ``_EXPORTS = {"name": "module", ...}`` (imported on first use)."""
    init = ROOT / Path(*package.split(".")) / "__init__.py"
    if not init.is_file():
        return {}
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in targets):
            return ast.literal_eval(node.value)
    return {}


def resolve(dotted: str) -> str:
    """The module that ``dotted`` (a module, or a name in one) comes from: the longest
    prefix that is a module, through the package's ``_EXPORTS`` for a lazy name."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if is_module(prefix):
            if end < len(parts) and parts[end] in lazy_exports(prefix):
                return lazy_exports(prefix)[parts[end]]
            return prefix
    return dotted


def imports(path: Path, source: str | None = None) -> set[str]:
    """Every p95kit module ``path`` (or ``source``, as if it were there) imports, resolved
    (:func:`resolve`)."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    found, roots = set(), set()  # roots: local names bound to the p95kit package itself
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
                if alias.name.split(".")[0] == "p95kit" and alias.asname in (None, "p95kit"):
                    roots.add("p95kit")
                elif alias.name == "p95kit":
                    roots.add(alias.asname)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.update(f"{base}.{alias.name}" for alias in node.names)
    for node in ast.walk(tree):  # import p95kit; p95kit.p95(...)
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) in roots:
            found.add(f"p95kit.{node.attr}")
    if path.name == "__init__.py":  # what its lazy names are imported from
        found.update(lazy_exports(package).values())
    return {resolve(name) for name in found if name.split(".")[0] == "p95kit"}


def violations() -> dict[tuple[str, str], str]:
    """``{(module path, imported module): why}`` for every import the table forbids."""
    table, bad = layers(), {}
    for path in modules():
        relative = str(path.relative_to(ROOT))
        if relative == "p95kit/__init__.py":
            continue  # the facade: test_the_facade_never_imports_the_applications
        own = layer_of(module_name(path))
        if own not in table:
            continue  # test_every_subpackage_is_in_the_doc
        allowed = {own, *table[own].may_import}
        for module in sorted(imports(path)):
            if layer_of(module) not in allowed:
                bad[relative, module] = f"{own} may import {sorted(table[own].may_import)}"
    return bad


def test_every_layer_the_doc_names_exists():
    table = layers()
    assert next(iter(table)) == "base"
    assert {"prometheus", "query", "display", "report", "cli"} <= set(table)
    missing = [n for n, layer in table.items() if n != "base" and not layer.coming]
    missing = [n for n in missing if not (PACKAGE / n / "__init__.py").is_file()]
    assert missing == [], f"docs/ARCHITECTURE.md names subpackages that do not exist: {missing}"


def test_every_subpackage_is_in_the_doc():
    assert set(subpackages()) <= set(layers()), "add the subpackage to docs/ARCHITECTURE.md"


def test_the_table_only_points_down():
    table = list(layers().values())
    assert table[0].may_import == {"base"}
    for index, layer in enumerate(table):
        below = {lower.name for lower in table[:index]} | {"base"}
        assert layer.may_import <= below, f"{layer.name} may only import layers below it"


@pytest.mark.parametrize("name", subpackages())
def test_every_subpackage_says_what_it_may_import(name):
    init = PACKAGE / name / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    stated = re.search(r"May import\b(.*?)(?:\.\s|$)", docstring, re.DOTALL)
    assert stated, f"{init}: say which layers it may import ('May import: ...')"
    # Every layer that sentence names must be one the table allows.
    named = re.findall(r"p95kit\.(\w+)", stated.group(1))
    allowed = {name, *layers()[name].may_import}
    assert {layer_of(f"p95kit.{n}") for n in named} <= allowed, (init, named)


def test_imports_only_go_downward():
    assert violations() == {}


def test_the_check_sees_every_kind_of_import():
    """Plain, from, relative, lazy (in a function), TYPE_CHECKING and through a facade."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import fonts\n"
        "from .. import errors\n"
        "import p95kit\n"
        "if TYPE_CHECKING:\n"
        "    from p95kit.report.data import ReportData\n"
        "def f():\n"
        "    import p95kit.cli.main\n"
        "    return p95kit.p95\n"
    )
    found = imports(PACKAGE / "display" / "probe.py", source)
    assert found == {
        "p95kit",  # the package itself: base (only its own names, such as __version__)
        "p95kit.display.fonts",
        "p95kit.errors",
        "p95kit.report.data",
        "p95kit.cli.main",
        "p95kit.query.latency",  # p95kit.p95, through the facade's _EXPORTS
    }, found


def test_the_facade_never_imports_the_applications():
    found = imports(PACKAGE / "__init__.py")
    assert {layer_of(m) for m in found} & NOT_FROM_THE_FACADE == set(), found


def test_paths_in_the_doc_exist():
    text = DOC.read_text(encoding="utf-8")
    paths = [p for p in re.findall(r"`([\w./-]+(?:\.py|\.ipynb|/))`", text) if "/" in p]
    coming = {name for name, layer in layers().items() if layer.coming}
    paths = [p for p in paths if p.split("/")[0] not in coming]
    assert len(paths) > 10
    missing = [p for p in paths if not ((PACKAGE / p).exists() or (ROOT / p).exists())]
    assert missing == [], f"docs/ARCHITECTURE.md names paths that do not exist: {missing}"


def test_the_readme_links_the_architecture():
    assert "docs/ARCHITECTURE.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- the test suite's own layout -------------------------------------------------------------

SUPPORT = sorted(p.stem for p in (TESTS / "support").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize(
    "path", sorted(TESTS.glob("**/*.py")), ids=lambda p: p.relative_to(TESTS).as_posix()
)
def test_helpers_come_from_tests_support_and_no_test_imports_another(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [
        f"{n.module}.{a.name}"
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module in ("tests", "tests.support")
        for a in n.names
    ]
    for name in names:
        parts = name.split(".")
        assert not any(p.startswith("test_") or p == "conftest" for p in parts), name
        if parts[0] in SUPPORT:
            pytest.fail(f"{path.name}: import {name} as tests.support.{name}")
        if parts[0] == "tests" and len(parts) > 1:
            assert parts[1] == "support", f"{path.name}: {name} is not in tests.support"


#: The one folder of tests/ whose files are named after a behaviour, not after a module.
BEHAVIOUR = "behaviour"


def layout_problems(tests: Path, package: Path) -> list[str]:
    """What is wrong with the names under ``tests``: ``<layer>/test_X.py`` needs
    ``<package>/<layer>/X.py`` and a top-level ``test_X.py`` needs ``<package>/X.py`` (only
    ``behaviour/`` is free-form), one folder deep at most, every folder a package, and no two
    test files of one name."""
    problems, seen = [], {}
    for path in sorted(tests.rglob("test_*.py")):
        relative = path.relative_to(tests)
        shown, folders = f"{tests.name}/{relative.as_posix()}", relative.parts[:-1]
        if len(folders) > 1:
            problems.append(f"{shown}: one folder deep at most ({tests.name}/<layer>/)")
            continue
        tested = package.joinpath(*folders, path.stem.removeprefix("test_") + ".py")
        if folders != (BEHAVIOUR,) and not tested.is_file():
            problems.append(
                f"{shown}: there is no {tested.relative_to(package.parent).as_posix()}; name"
                f" it after the module it tests, or move it to {tests.name}/{BEHAVIOUR}/"
            )
        if path.name in seen:
            problems.append(f"{shown}: {seen[path.name]} has the same name")
        seen.setdefault(path.name, shown)
    for folder in sorted({p.parent for p in tests.rglob("*.py")}):
        if not (folder / "__init__.py").is_file():
            shown = Path(tests.name, folder.relative_to(tests)).as_posix()
            problems.append(f"{shown}/: not a package (add __init__.py)")
    return problems


def test_every_test_file_is_named_after_the_module_it_tests_or_is_a_behaviour():
    problems = layout_problems(TESTS, PACKAGE)
    assert problems == [], "\n".join(["the tests' layout (docs/ARCHITECTURE.md):", *problems])


def test_the_layout_check_sees_every_kind_of_misplaced_test(tmp_path):
    package, tests = tmp_path / "p95kit", tmp_path / "tests"
    for name in ("errors.py", "query/smooth.py", "query/buckets.py", "report/__init__.py"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).touch()
    for name in (
        "__init__.py",
        "test_errors.py",  # p95kit/errors.py
        "test_report.py",  # p95kit/report/ is a package, not a module
        "query/__init__.py",
        "query/test_smooth.py",  # p95kit/query/smooth.py
        "query/test_buckets_frame.py",  # named after no module
        "query/deep/test_x.py",
        "behaviour/__init__.py",
        "behaviour/test_hostile_input.py",  # free-form
        "behaviour/test_smooth.py",  # free-form, but a second test_smooth.py
        "serve/test_app.py",  # no p95kit/serve/app.py, and no __init__.py
    ):
        (tests / name).parent.mkdir(parents=True, exist_ok=True)
        (tests / name).touch()
    assert layout_problems(tests, package) == [
        "tests/query/deep/test_x.py: one folder deep at most (tests/<layer>/)",
        "tests/query/test_buckets_frame.py: there is no p95kit/query/buckets_frame.py; name it"
        " after the module it tests, or move it to tests/behaviour/",
        "tests/query/test_smooth.py: tests/behaviour/test_smooth.py has the same name",
        "tests/serve/test_app.py: there is no p95kit/serve/app.py; name it after the module it"
        " tests, or move it to tests/behaviour/",
        "tests/test_report.py: there is no p95kit/report.py; name it after the module it tests,"
        " or move it to tests/behaviour/",
        "tests/query/deep/: not a package (add __init__.py)",
        "tests/serve/: not a package (add __init__.py)",
    ]


def import_graph() -> dict[str, set[str]]:
    """``{module: modules it imports}`` over p95kit, every kind of import (:func:`imports`)."""
    graph = {}
    for path in modules():
        name = module_name(path)
        graph[name] = {m for m in imports(path) if m != name and is_module(m)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_import_circles_function_level_imports_included():
    assert cycles(import_graph()) == []


def test_the_circle_check_sees_a_circle_through_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    source = "def f():\n    from p95kit.report.data import ReportData\n"
    assert "p95kit.report.data" in imports(PACKAGE / "report" / "summary.py", source)


def named_modules(package: str) -> set[str]:
    """The modules a subpackage's ``__init__`` docstring names (``:mod:`.latency```)."""
    init = PACKAGE / package / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    named = set()
    for ref in re.findall(r":mod:`~?([\w.]+)`", docstring):
        if ref.startswith("."):
            named.add(ref[1:].split(".")[0])
        elif ref.startswith(f"p95kit.{package}."):
            named.add(ref.split(".")[2])
    return named


@pytest.mark.parametrize("name", subpackages())
def test_every_subpackage_docstring_names_its_modules_and_only_real_ones(name):
    present = {p.stem for p in (PACKAGE / name).glob("*.py") if p.stem != "__init__"}
    named = named_modules(name)
    assert named - present == set(), f"p95kit/{name}/__init__.py names missing modules"
    assert present - named == set(), f"p95kit/{name}/__init__.py does not say what these hold"
