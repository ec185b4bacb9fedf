"""Child processes that cannot outlive p95kit: the report kernel, a local Prometheus.

:func:`die_with_parent` gives a ``preexec_fn`` that asks Linux to SIGKILL the child
when the thread that started it ends (``PR_SET_PDEATHSIG``): when p95kit is killed,
even with SIGKILL, and even before the child had a chance to watch its parent.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for :class:`subprocess.Popen`, or ``None`` off Linux.

    The signal follows the *thread* that forks: start long-lived children from a
    thread that lives as long as they should. libc is loaded here, in the parent; the
    function runs in the child between fork and exec and only calls ``prctl`` and
    ``getppid`` (``preexec_fn`` is unsafe with threads when it takes locks; these
    take none).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died between fork and prctl: no signal comes
            os._exit(1)

    return set_death_signal
