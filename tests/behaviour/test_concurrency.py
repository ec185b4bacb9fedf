"""Overlapping and killed ``p95kit report`` runs on one ``--out``, as real subprocesses.

Two runs started together: one publishes, the other waits (``--wait``) or exits 75.
A run SIGKILLed at any moment leaves only a hidden ``.staging-*`` folder, ``latest``
intact, and the next run cleans up. Retention never deletes what ``latest`` points to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from p95kit.report.snapshots import SnapshotStore, read_run
from tests.support import dataset
from tests.support.cli import report_argv

SNAPSHOT_FILES = (
    "report.html",
    "report.ipynb",
    "p95.json",
    "p95_range.json",
    "percentiles.json",
    "summary.json",
    "run.json",
)


def assert_complete(snapshot: Path) -> None:
    for name in SNAPSHOT_FILES:
        assert (snapshot / name).is_file(), (snapshot.name, name)
    assert read_run(snapshot)["status"] == "success"


def assert_consistent(out: Path) -> Path:
    """Every visible folder is a complete snapshot; ``latest`` points at one; returns it."""
    store = SnapshotStore(out)
    latest = store.latest()
    assert latest is not None
    assert_complete(latest)
    for path in out.iterdir():
        if path.name.startswith(".") or path.name in ("latest", "index.html"):
            continue
        assert path in store.snapshots(), path.name  # nothing else that looks like one
        if not path.name.endswith(".failed"):
            assert_complete(path)
    return latest


@pytest.fixture(scope="module")
def raced(prom, jupyter_kernel, tmp_path_factory, cli_process):
    """Two runs started together on one empty --out, without --wait."""
    out = tmp_path_factory.mktemp("raced")
    argv = report_argv(prom.url, out, duration="1h")
    procs = [cli_process.start(*argv), cli_process.start(*argv)]
    return out, [cli_process.finish(p) for p in procs]


def test_two_runs_at_once_one_publishes_the_other_exits_75(raced):
    out, results = raced
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 75]), results
    for code, stdout, stderr in results:
        assert stdout == ""
        if code == 0:
            assert stderr == ""
        else:
            assert stderr == (
                f"p95kit: error: another p95kit report is running on {out}; "
                "try again later or pass --wait SECONDS\n"
            )
    assert_consistent(out)
    assert len(SnapshotStore(out).snapshots()) == codes.count(0)
    assert not list(out.glob(".staging-*"))


def test_a_run_that_finds_out_held_exits_75_and_writes_nothing(prom, tmp_path, cli_process):
    """The exit-75 path on its own, deterministically (the race above may go either way)."""
    with SnapshotStore(tmp_path).lock():  # another run holds --out
        code, stdout, stderr = cli_process.finish(
            cli_process.start(*report_argv(prom.url, tmp_path, duration="1h"))
        )
    assert (code, stdout) == (75, "")
    assert stderr == (
        f"p95kit: error: another p95kit report is running on {tmp_path}; "
        "try again later or pass --wait SECONDS\n"
    )
    assert SnapshotStore(tmp_path).snapshots() == [] and not list(tmp_path.glob(".staging-*"))


@pytest.fixture
def seeded(raced, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(raced[0], out, symlinks=True)
    return out, SnapshotStore(out).latest()


class LatestWatcher(threading.Thread):
    """Resolves ``latest`` every few ms; records any moment it pointed at something incomplete."""

    def __init__(self, out: Path) -> None:
        super().__init__(daemon=True)
        self.out, self.stop, self.broken, self.seen = out, threading.Event(), [], set()

    def run(self) -> None:
        link = self.out / "latest"
        while not self.stop.is_set():
            target = os.readlink(link)
            self.seen.add(target)
            try:
                assert_complete(self.out / target)
            except AssertionError as exc:
                if os.readlink(link) == target:  # not just a stale read of a moving link
                    self.broken.append(f"{target}: {exc}")
            time.sleep(0.005)


@pytest.mark.slow
def test_with_wait_both_publish_in_turn_and_retention_keeps_latest(prom, seeded, cli_process):
    out, seed = seeded
    watcher = LatestWatcher(out)
    watcher.start()
    with SnapshotStore(out).lock():  # another run holds --out while both start
        procs = [
            cli_process.start(
                *report_argv(prom.url, out, "--wait", "600", "--keep", "1", duration="1h")
            )
            for _ in range(2)
        ]
        deadline = time.monotonic() + 60
        while not all(has_open(p.pid, out / ".lock") for p in procs):  # both are waiting
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
            time.sleep(0.05)
        time.sleep(0.3)
        released = time.time()
    results = [cli_process.finish(p) for p in procs]
    watcher.stop.set()
    watcher.join()
    assert results == [(0, "", ""), (0, "", "")]
    assert watcher.broken == []
    assert len(watcher.seen) == 3  # the seed, then each new snapshot in turn
    latest = assert_consistent(out)
    store = SnapshotStore(out)
    assert store.snapshots() == [latest]  # --keep 1, and it is the newest
    assert latest != seed
    # Stamped when the lock was taken, not when the run started waiting: the run that
    # published last has the newest name, so "newest first" and "latest" agree.
    assert read_run(latest)["started_at"] >= released


def test_retention_never_deletes_latest_while_another_run_publishes(tmp_path):
    """Store level, no lock: publishes in one thread race prune(keep=1) in another."""
    store = SnapshotStore(tmp_path)
    stop, deleted_latest = threading.Event(), []

    def publish() -> None:
        for i in range(60):
            staging = store.new_staging(dataset.END + i)
            (staging / "run.json").write_text('{"status": "success"}', encoding="utf-8")
            store.publish(staging, f"20261121T{i // 60:02d}{i % 60:02d}00Z_1h")
        stop.set()

    def prune() -> None:
        while not stop.is_set():
            for removed in store.prune(1):
                if removed == store.latest():
                    deleted_latest.append(removed.name)

    threads = [threading.Thread(target=publish), threading.Thread(target=prune)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert deleted_latest == []
    assert store.latest().is_dir() and store.latest() == store.snapshots()[0]


def test_retention_before_any_latest_keeps_every_successful_snapshot(tmp_path):
    """The race above, made deterministic: a run's snapshot is renamed into place before
    ``latest`` moves to it; a prune in that moment, with no ``latest`` at all yet, must not
    delete a snapshot that is about to become latest. Failed ones may go."""
    store = SnapshotStore(tmp_path)
    _publish_all(store, [False, True, False], move_latest=False)  # latest: not yet
    assert store.latest() is None
    assert [p.name for p in store.prune(1)] == ["20261121T010000Z_1h.failed"]
    assert [p.name for p in store.snapshots()] == ["20261121T020000Z_1h", "20261121T000000Z_1h"]


def test_retention_keeps_a_snapshot_of_the_same_second_about_to_become_latest(tmp_path):
    """Two runs in one second: a 24h report is latest, a 1h report has been renamed into
    place and latest is about to move to it. By name "..._1h" sorts before "..._24h", so a
    prune that compared names deleted the report latest was about to point to."""
    store = SnapshotStore(tmp_path)
    _publish_named(store, "20261121T000000Z_24h")
    _publish_named(store, "20261121T000000Z_1h", move_latest=False)  # latest: not yet
    assert store.latest().name == "20261121T000000Z_24h"
    assert store.prune(1) == []  # was: [20261121T000000Z_1h]
    store.publish(store.new_staging(time.time()), "20261121T000000Z_1h-2")
    assert [p.name for p in store.prune(1)] == []  # same second as latest: kept
    assert len(store.snapshots()) == 3


def test_two_prunes_at_once_each_report_only_what_they_removed(tmp_path):
    store = SnapshotStore(tmp_path)
    _publish_all(store, [False] * 6)
    results: list[list[str]] = []
    barrier = threading.Barrier(2)

    def prune() -> None:
        barrier.wait()
        results.append([p.name for p in store.prune(1)])

    threads = [threading.Thread(target=prune) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    removed = [name for names in results for name in names]
    assert sorted(removed) == sorted(set(removed))  # never reported twice
    assert len(removed) == 5 and [p.name for p in store.snapshots()] == ["20261121T050000Z_1h"]


def test_retention_keeps_latest_even_when_newer_snapshots_failed(tmp_path):
    store = SnapshotStore(tmp_path)
    _publish_all(store, [False, True, True])
    assert [p.name for p in store.prune(1)] == ["20261121T010000Z_1h.failed"]
    assert store.latest().name == "20261121T000000Z_1h"


def has_open(pid: int, path: Path) -> bool:
    """True when process ``pid`` has ``path`` open."""
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) == str(path):
                    return True
    return False


def kernel_pids(parent: int) -> list[int]:
    """PIDs of the processes whose parent is ``parent`` (the notebook kernel)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                found.append(int(stat.parent.name))
    return found


# (moment, what marks it): seconds after the start, or a file in the run's staging folder.
MOMENTS = [
    (0.5, "during start-up"),
    ("", "right after the staging folder appeared (fetching)"),
    ("/summary.json", "after the payloads were written (kernel starting)"),
    ("/report.ipynb", "while the notebook runs (papermill wrote its first copy)"),
    ("/report.html", "after the HTML export (publishing)"),
]


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_no_half_snapshot(prom, seeded, cli_process):
    out, seed = seeded
    killed_mid_run = []  # moments at which a run died holding a staging folder
    for marker, moment in MOMENTS:
        before = SnapshotStore(out).latest()  # an earlier run may have finished before its kill
        proc = cli_process.start(*report_argv(prom.url, out, duration="1h"))
        began, kernels, polls = time.monotonic(), [], 0
        while proc.poll() is None and time.monotonic() - began < 60:
            if isinstance(marker, float) and time.monotonic() - began >= marker:
                break
            if isinstance(marker, str) and list(out.glob(f".staging-*-{proc.pid}{marker}")):
                break
            polls += 1
            if polls % 25 == 0:
                kernels = kernel_pids(proc.pid) or kernels
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        code, _, _ = cli_process.finish(proc)
        if code == -signal.SIGKILL and list(out.glob(f".staging-*-{proc.pid}")):
            killed_mid_run.append(moment)
        latest = assert_consistent(out)  # latest intact, no half snapshot
        assert code in (-signal.SIGKILL, 0), moment  # 0: it finished before the kill landed
        if code == -signal.SIGKILL and marker != "/report.html":
            assert latest == before, moment  # killed before publishing: latest did not move
        with SnapshotStore(out).lock():  # the lock died with the run (not held by its kernel)
            pass
        for pid in kernels:  # the kernel exits by itself when its parent dies; make sure
            with contextlib.suppress(OSError):
                if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():  # not reused
                    os.kill(pid, signal.SIGKILL)
    # Each run cleans what the run before it left, so the last kill may have left nothing
    # (it can land after the publish): add the leftovers of a run killed mid-way by hand too.
    assert killed_mid_run, "no run was killed after creating its staging folder"
    half = out / ".staging-20261121T000000Z-999999"
    half.mkdir(exist_ok=True)
    (half / "report.html").write_text("half a report", encoding="utf-8")
    (out / ".index.html.999999.tmp").write_text("half an index", encoding="utf-8")
    (out / ".latest-999999").symlink_to(seed.name)

    code, stdout, stderr = cli_process.finish(
        cli_process.start(*report_argv(prom.url, out, duration="1h"))
    )
    assert (code, stdout, stderr) == (0, "", "")
    latest = assert_consistent(out)
    assert latest != seed
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".lock"]


def test_publish_syncs_every_file_before_the_rename(tmp_path, monkeypatch):
    """A power loss right after the rename must not find empty files under a final name."""
    store = SnapshotStore(tmp_path)
    staging = store.new_staging(time.time())
    (staging / "p95.json").write_text("{}", encoding="utf-8")
    (staging / "sub").mkdir()
    (staging / "sub" / "chart.png").write_bytes(b"png")
    events: list[tuple[str, str]] = []
    real_fsync, real_rename = os.fsync, os.rename

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def rename(source, target) -> None:
        events.append(("rename", str(source)))
        real_rename(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    store.publish(staging, "20261121T000000Z_1h")
    before = events[: events.index(("rename", str(staging)))]
    wanted = [staging / "p95.json", staging / "sub" / "chart.png", staging / "sub", staging]
    assert {str(p) for p in wanted} <= {path for kind, path in before if kind == "fsync"}


def test_retention_removes_backfills_newer_than_latest(tmp_path):
    """A backfill (an older window, published without moving latest) can never become
    latest, so --keep must count it like any other snapshot, not keep it forever."""
    store = SnapshotStore(tmp_path)
    staging = store.new_staging(time.time())
    (staging / "run.json").write_text('{"status": "success"}', encoding="utf-8")
    store.publish(staging, "20261121T100000Z_1h")
    for hour in (11, 12, 13):
        staging = store.new_staging(time.time())
        (staging / "run.json").write_text(
            '{"status": "success", "moves_latest": false}', encoding="utf-8"
        )
        store.publish(staging, f"20261121T{hour}0000Z_1h", move_latest=False)
    assert store.latest().name == "20261121T100000Z_1h"
    assert [p.name for p in store.prune(2)] == ["20261121T110000Z_1h"]  # was: none
    kept = [p.name for p in store.snapshots()]  # the 2 newest, and latest
    assert kept == ["20261121T130000Z_1h", "20261121T120000Z_1h", "20261121T100000Z_1h"]


def _publish_named(store: SnapshotStore, name: str, move_latest: bool = True) -> None:
    staging = store.new_staging(time.time())
    (staging / "run.json").write_text('{"status": "success"}', encoding="utf-8")
    store.publish(staging, name, move_latest=move_latest)


def _publish_all(store: SnapshotStore, failed: list[bool], move_latest: bool = True) -> None:
    """Snapshots 20261121T000000Z_1h, T010000Z, ... one per hour, failed as ``failed`` says."""
    for hour, fails in enumerate(failed):
        staging = store.new_staging(time.time())
        (staging / "run.json").write_text('{"status": "success"}', encoding="utf-8")
        name = f"20261121T{hour:02d}0000Z_1h"
        store.publish(staging, name, failed=fails, move_latest=move_latest)
