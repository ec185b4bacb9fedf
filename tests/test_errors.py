"""p95kit/errors.py: every exception class lives there, and its drawn tree is true.

The module docstring draws the tree with each class's CLI exit code and ``p95kit serve``
HTTP status. Here the drawing is read back and held against the classes (parents, exit
codes) and against serve's own error responses (the status a client really gets).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import orjson
import pytest

from p95kit import errors

PACKAGE = Path(errors.__file__).resolve().parent
#: ``├── Name (a ValueError)   what ...   exit 2, HTTP 400``
_LINE = re.compile(r"^(?P<indent>[ │├└─]*)(?P<name>\w+)\b.*?exit (?P<exit>\d+), HTTP (?P<http>\d+)")


def drawn() -> dict[str, tuple[str | None, int, int]]:
    """``{class: (parent, exit code, HTTP status)}`` as the docstring draws them."""
    found: dict[str, tuple[str | None, int, int]] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = _LINE.match(line.strip("\n")[4:] if line.startswith("    ") else "")
        if not match:
            continue
        depth = len(match["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else None
        found[match["name"]] = (parent, int(match["exit"]), int(match["http"]))
        stack.append((depth, match["name"]))
    return found


def classes_defined_outside() -> list[str]:
    """``module: Class`` for every subclass of an errors.py class defined elsewhere."""
    ours = {name for name, value in vars(errors).items() if isinstance(value, type)}
    outside = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
            if bases & ours:
                outside.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    return outside


def error_classes() -> list[type]:
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.P95kitError)
    ]


def test_every_p95kit_error_is_defined_in_errors_py():
    assert classes_defined_outside() == []


def test_the_drawing_names_every_class_with_its_parent_and_exit_code():
    tree = drawn()
    assert set(tree) == {cls.__name__ for cls in error_classes()}
    for cls in error_classes():
        parent, exit_code, _ = tree[cls.__name__]
        if parent is not None:
            assert cls.__mro__[1].__name__ == parent, cls
        assert cls.exit_code == exit_code, cls


def _instance(cls: type) -> errors.P95kitError:
    if cls in (errors.InvalidParameterError, errors.MetricShapeError):
        return cls("time_range", "time_range must be a duration, e.g. 5m")
    if cls is errors.PrometheusQueryError:
        return cls("bad_data", "parse error")
    if cls is errors.PrometheusSampleLimitError:
        return cls("execution", "too many samples", query="x", limit="--query.max-samples")
    return cls("something failed", retry_after=1)


@pytest.mark.parametrize("cls", error_classes(), ids=lambda cls: cls.__name__)
def test_serve_answers_the_drawn_http_status(cls):
    from p95kit.serve.errors import error_response

    response = error_response(_instance(cls))
    assert response.status_code == drawn()[cls.__name__][2]
    body = orjson.loads(response.body)
    assert body["details"]["type"] == cls.__name__
    assert body["details"]["status"] == response.status_code


def test_prometheus_own_timeout_is_503_not_400():
    from p95kit.serve.errors import error_response

    response = error_response(errors.PrometheusQueryError("timeout", "query timed out"))
    assert response.status_code == 503
