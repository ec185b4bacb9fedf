"""The snapshot folder under ``--out``: lock, staging, atomic publish, ``latest``, index, retention.

Layout::

    <out>/<UTC stamp>_<duration>/          a published snapshot (report.html, *.json, chart.png)
    <out>/<UTC stamp>_<duration>.failed/   a failed run kept for debugging (never ``latest``)
    <out>/.staging-<stamp>-<pid>/          work in progress; hidden, removed by the next run
                                           (as are .latest-<pid> and .index.html.<pid>.tmp)
    <out>/latest -> <UTC stamp>_<duration> the newest successful snapshot (relative symlink)
                                           whose window ends last (see report.py)
    <out>/index.html                       every snapshot, newest first
    <out>/.lock                            flock: one run at a time per <out>

A snapshot appears under its final name only by ``os.rename`` of a complete
staging folder; ``latest`` and ``index.html`` are replaced with ``os.replace``.
A run killed at any moment therefore leaves at most a hidden staging folder. Every
file is fsynced before the rename, so a power loss cannot leave a snapshot whose name
says complete and whose files are empty.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import orjson

from p95kit.errors import ReportError, ReportLockedError

RUN_FILE = "run.json"
FAILED_SUFFIX = ".failed"
_SNAPSHOT = re.compile(r"^\d{8}T\d{6}Z_[0-9a-z]+(?:-\d+)?(?:\.failed)?$")


class SnapshotStore:
    """Snapshots under one output folder."""

    def __init__(self, out: Path | str) -> None:
        self.out = Path(out)

    @contextlib.contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the folder's lock; wait up to ``wait`` seconds, then raise ReportLockedError."""
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            handle = open(self.out / ".lock", "a+b")  # noqa: SIM115 - held for the block
        except OSError as exc:
            raise ReportError(f"cannot use output folder {self.out}: {exc.strerror}") from exc
        deadline = time.monotonic() + wait
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise ReportLockedError(
                            f"another p95kit report is running on {self.out}; "
                            "try again later or pass --wait SECONDS"
                        ) from None
                    time.sleep(0.2)
            yield
        finally:
            handle.close()  # releases the lock

    def clean_staging(self) -> list[Path]:
        """Remove what killed runs left (call with the lock held): staging folders, and the
        temporary link or file of an interrupted ``latest`` or ``index.html`` replacement."""
        removed = []
        for pattern in (".staging-*", ".latest-*", ".*.tmp"):
            for path in self.out.glob(pattern):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def new_staging(self, started: float) -> Path:
        """A fresh hidden folder to build a snapshot in."""
        path = self.out / f".staging-{stamp(started)}-{os.getpid()}"
        path.mkdir(parents=True)
        return path

    def publish(
        self, staging: Path, name: str, *, failed: bool = False, move_latest: bool = True
    ) -> Path:
        """Rename ``staging`` into place; a success also moves ``latest`` (unless
        ``move_latest`` is false: a report of an older window). Returns the path."""
        _fsync_tree(staging)  # on disk before its name says it is complete (power loss too)
        final = self._free_name(name + (FAILED_SUFFIX if failed else ""))
        os.rename(staging, final)
        _fsync_dir(self.out)
        if not failed and move_latest:
            link = self.out / f".latest-{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            link.symlink_to(final.name)
            os.replace(link, self.out / "latest")
            _fsync_dir(self.out)
        return final

    def latest(self) -> Path | None:
        """The snapshot ``latest`` points to, if any."""
        link = self.out / "latest"
        return (self.out / os.readlink(link)) if link.is_symlink() else None

    def snapshots(self) -> list[Path]:
        """Published and failed snapshot folders, newest first."""
        found = [p for p in self.out.iterdir() if p.is_dir() and _SNAPSHOT.match(p.name)]
        return sorted(found, key=lambda p: p.name, reverse=True)

    def prune(self, keep: int) -> list[Path]:
        """Delete all but the ``keep`` newest snapshots, never the one ``latest`` points to.

        ``latest`` only ever moves to a newer snapshot, so a successful snapshot at least
        as new as the one it pointed to when pruning began may be (or become) latest and
        is kept; failed ones, and backfills published with ``move_latest=False`` (their
        run.json says ``"moves_latest": false``), can never become latest. "Newer" is by
        stamp, the time its run took the lock: ``20261121T000000Z_1h`` of a run that came
        after ``20261121T000000Z_24h`` in the same second sorts before it by name. This
        holds even without the lock, and with another prune at work (a folder it removed
        first is not reported).
        """
        protected = self.latest()
        doomed = [
            p
            for p in self.snapshots()[keep:]
            # Without a latest yet, a successful snapshot may be about to become it (it
            # is renamed into place before latest moves): keep every one.
            if p.name.endswith(FAILED_SUFFIX)
            or (protected is not None and _stamp_of(p) < _stamp_of(protected))
            or read_run(p).get("moves_latest") is False
        ]
        removed = []
        for path in doomed:
            # Rename first so a half-deleted folder never looks like a snapshot.
            trash = self.out / f".staging-trash-{path.name}"
            try:
                os.rename(path, trash)
            except FileNotFoundError:  # another prune took it
                continue
            shutil.rmtree(trash, ignore_errors=True)
            removed.append(path)
        return removed

    def write_index(self, html: str) -> Path:
        """Replace ``index.html`` atomically."""
        return write_atomic(self.out / "index.html", html.encode("utf-8"))

    def _free_name(self, name: str) -> Path:
        candidate, counter = self.out / name, 2
        while candidate.exists():
            base, dot, suffix = name.partition(".")
            candidate = self.out / f"{base}-{counter}{dot}{suffix}"
            counter += 1
        return candidate


def _stamp_of(snapshot: Path) -> str:
    """``20261121T000000Z`` of ``20261121T000000Z_24h-2``: when its run took the lock."""
    return snapshot.name.partition("_")[0]


def stamp(timestamp: float) -> str:
    """``20261127T080000Z`` for unix seconds."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def window_end(run: dict) -> float | None:
    """When a run's window ends, from its run.json: ``window.end``, but no later than the
    run's start (the data stops there); None when the record does not say."""
    try:
        end = datetime.fromisoformat(str(run["window"]["end"]).replace("Z", "+00:00"))
        return min(end.timestamp(), float(run["started_at"]))
    except (KeyError, TypeError, ValueError):
        return None


def moves_latest(store: SnapshotStore, run: dict, *, explicit_end: bool) -> bool:
    """Whether a successful ``run`` moves ``latest``: always for "now"; for an explicit
    ``--end`` (perhaps a backfill of an older window) only when its window does not end
    before the one ``latest`` shows."""
    return not (explicit_end and ends_before_latest(store, run))


def ends_before_latest(store: SnapshotStore, run: dict) -> bool:
    """True when ``latest`` shows a window that ends after ``run``'s."""
    latest = store.latest()
    shown = window_end(read_run(latest)) if latest is not None else None
    mine = window_end(run)
    return shown is not None and mine is not None and mine < shown


def read_run(folder: Path) -> dict:
    """A snapshot's ``run.json`` or ``{}`` when missing or unreadable."""
    try:
        return orjson.loads((folder / RUN_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}


def write_atomic(path: Path, content: bytes) -> Path:
    """Write via a temporary file in the same folder and ``os.replace``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def _fsync_tree(folder: Path) -> None:
    """fsync every file under ``folder``, then the folders themselves."""
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
