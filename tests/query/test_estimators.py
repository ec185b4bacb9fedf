"""The estimator registry: one place names each estimator, everything else derives from it.

``p95kit.query.estimators.ESTIMATORS`` lists the estimators with their help text and the
module implementing them; the CLI's choices, ``p95kit serve``'s parameter, the report's
option, notebook line and footer come from it, and no other module spells a name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from p95kit.cli.options import estimator_option
from p95kit.query import estimators
from p95kit.query.histogram import Histogram
from p95kit.report.parameters import ReportSettings, fields, notebook_cell
from p95kit.serve.endpoints import ESTIMATOR

PACKAGE = Path(estimators.__file__).resolve().parents[1]
#: ``prometheus`` is also the name of the server: only the other names can be searched for.
SEARCHED = [name for name in estimators.names() if name != estimators.PROMQL]


def spelled_outside_the_registry() -> list[str]:
    """``path:line: text`` for each string (docstrings aside) naming an estimator outside the
    registry and the estimator's own module."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "query/estimators.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                continue
            if id(node) in docstrings:
                continue
            for name in SEARCHED:
                own = relative == estimators.ESTIMATORS[name].module.replace(".", "/")[7:] + ".py"
                if not own and re.search(rf"\b{re.escape(name)}\b", node.value):
                    found.append(f"{relative}:{node.lineno}: {node.value[:60]!r}")
    return found


def test_no_module_but_the_registry_spells_an_estimator_name():
    assert spelled_outside_the_registry() == []


def test_the_choices_everywhere_come_from_the_registry():
    names = list(estimators.names())
    option = next(p for p in estimator_option(lambda **kw: None).__click_params__)
    assert list(option.type.choices) == names
    field = next(f for f in fields() if f.name == "estimator")
    assert list(field.metadata["option"].choices) == names
    assert ReportSettings().estimator == estimators.DEFAULT == ESTIMATOR.default
    assert all(name in ESTIMATOR.description for name in names)
    assert estimators.choices_text() in notebook_cell()


def test_an_unknown_estimator_names_every_known_one():
    with pytest.raises(ValueError, match="estimator") as raised:
        estimators.get("cubic")
    assert all(name in str(raised.value) for name in estimators.names())


@pytest.mark.parametrize("name", estimators.names())
def test_every_estimator_stays_inside_what_the_counts_prove(name):
    """A quantile inside Prometheus's bucket, a share inside the proven interval, for each
    registered implementation (a new estimator is held to the same rule)."""
    implementation = estimators.get(name).implementation()
    bounds = np.array([0.05, 0.1, 0.25, 0.5, 1.0, np.inf])
    rows = np.array([[5, 30, 80, 95, 99, 100], [0, 0, 10, 10, 40, 50]], dtype=float)
    hist = Histogram.of(bounds, rows, np.array([20.0, 40.0]), scale=1000)
    qs = (0.5, 0.9, 0.95, 0.99)
    values = implementation.quantiles(hist, qs)
    assert values.shape == (2, len(qs))
    for column, q in enumerate(qs):
        lower, upper = hist.bucket_bounds(q)
        assert np.all(values[:, column] >= lower - 1e-9)
        finite = np.isfinite(upper)
        assert np.all(values[finite, column] <= upper[finite] + 1e-9)
    for threshold in (40.0, 100.0, 175.0, 700.0, 5000.0):
        share = implementation.shares(hist, threshold)
        low, high, _ = hist.proven_share(threshold)
        assert np.all((low - 1e-12 <= share) & (share <= high + 1e-12)), (threshold, share)
