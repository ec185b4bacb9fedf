"""Progress bars for long work: in Jupyter and on a terminal with ``-v``, never under cron.

Every function that may take long (a range fetched in chunks, a batch of queries run
by :func:`p95kit.prometheus.fanout.run_all`, a report run) takes ``progress``:

- ``None`` (the default): a bar when the code runs in a Jupyter kernel, or when stderr
  is a terminal and the ``p95kit`` logger shows INFO (what ``p95kit -v`` sets); so
  nothing under cron, in a pipe, or in a plain script that did not ask for it;
- ``True`` / ``False``: a bar, or none, wherever the code runs.

The bar is ``tqdm.auto``'s: a widget in JupyterLab (with ipywidgets, the ``jupyter``
extra), text on stderr elsewhere. tqdm is imported only when a bar is drawn, so
``import p95kit`` and ``p95kit --help`` never load it.

    with bar(total=len(calls), description="range chunks", progress=None) as advance:
        for call in calls:
            call()
            advance(1)
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import warnings
from collections.abc import Callable, Iterator

from p95kit.errors import InvalidParameterError

#: ``advance(n)``: ``n`` more units of work are done (safe to call from any thread).
Advance = Callable[[int], None]


def check(progress: object) -> None:
    """Refuse anything but True, False or None, before any request is sent."""
    if progress is not None and not isinstance(progress, bool):
        raise InvalidParameterError(
            "progress", f"progress must be True, False or None (auto), got {progress!r}"
        )


def wanted(progress: bool | None) -> bool:
    """Whether a bar shows for ``progress`` (None: decide from where the code runs)."""
    check(progress)
    if progress is not None:
        return progress
    if in_jupyter_kernel():
        return True
    return _stderr_is_terminal() and logging.getLogger("p95kit").isEnabledFor(logging.INFO)


def in_jupyter_kernel() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook, papermill), False in a script.

    Looks only at modules already imported: a script that never imported IPython is
    not in a kernel, and this check does not import it."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    return getattr(shell, "kernel", None) is not None


@contextlib.contextmanager
def bar(total: int, description: str, progress: bool | None = None) -> Iterator[Advance]:
    """A bar of ``total`` steps named ``description`` while the block runs, when
    :func:`wanted` says so; otherwise ``advance`` does nothing and nothing is printed."""
    if total <= 0 or not wanted(progress):
        yield no_progress
        return
    tqdm = _tqdm_class()
    lock = threading.Lock()
    # The finished bar stays: a record of how long the fetch took.
    with tqdm(total=total, desc=description) as shown:

        def advance(steps: int = 1) -> None:
            with lock:  # worker threads of run_all report here
                shown.update(steps)

        yield advance


def no_progress(steps: int = 1) -> None:
    """The ``advance`` of a bar that is not shown."""


def _tqdm_class() -> type:
    with warnings.catch_warnings():
        # Without ipywidgets tqdm.auto warns once, then draws text bars: fine here.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm
    return tqdm


def _stderr_is_terminal() -> bool:
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # replaced by an object without isatty, or closed
        return False
