"""Measure the peak memory of one benchmark case in this fresh process; print JSON.

Usage: ``python -m benchmarks.memprobe rss|tracemalloc module:factory [args...]``.
``factory(*args)`` does the case's imports and setup and returns the call to measure,
so imports are excluded from the delta but included in the absolute peak.

- ``rss``: ``peak_mib`` is the process's high-water resident set (``VmHWM`` from
  ``/proc/self/status``, reset just before the call through ``/proc/self/clear_refs``;
  ``ru_maxrss`` elsewhere) after the call: interpreter + imports + the case. ``delta_mib``
  is that peak minus ``VmRSS`` just before the call (after ``gc.collect()``), i.e. what
  the case itself added at its worst moment.
- ``tracemalloc``: ``traced_mib`` is ``tracemalloc``'s peak during the call: every
  allocation made through Python's allocators, numpy and pandas buffers included
  (numpy reports them to tracemalloc). It is slower, so it runs in its own process.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import resource
import sys
import tracemalloc
from pathlib import Path

MIB = 1024 * 1024


def _status(field: str) -> float | None:
    """A ``kB`` field of /proc/self/status in MiB, or None off Linux."""
    path = Path("/proc/self/status")
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / MIB
    return None


def _peak_rss() -> float:
    peak = _status("VmHWM")
    if peak is not None:
        return peak
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MIB


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so an import-time peak cannot hide
    the case's own; elsewhere the absolute peak may include the imports' transient peak."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def main(argv: list[str]) -> None:
    mode, target, *args = argv
    module_name, _, factory_name = target.partition(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    call = factory(*args)
    gc.collect()
    if mode == "tracemalloc":
        tracemalloc.start()
        call()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(json.dumps({"traced_mib": peak / MIB}))
        return
    _reset_peak()
    before = _status("VmRSS")
    call()
    peak = _peak_rss()
    figures = {"peak_mib": peak}
    if before is not None:
        figures["delta_mib"] = peak - before
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
