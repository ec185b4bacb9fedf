"""Package names imported on first use (PEP 562), so importing a package stays light.

``p95kit``, ``p95kit.report`` and ``p95kit.serve`` list their public names once, in a
map from name to defining module, and get their ``__getattr__`` from :func:`lazy_getattr`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` on first use and keeps the
    value in ``namespace`` (the package's ``globals()``), so later lookups skip it."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
