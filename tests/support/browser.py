"""Headless Chromium for the browser tests: where it is, and the flags that keep it offline
and quiet."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """Chromium's path. Without it (or without playwright) the test is skipped, except under
    CI (``CI`` set), where .ci/run installs both and a skip would hide a broken set-up."""
    if not os.environ.get("CI"):
        pytest.importorskip("playwright.sync_api")
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed")
        pytest.skip("chromium is not installed")
    return found


def launch(pw):  # pw: playwright's sync API object
    """Headless Chromium with :data:`CHROMIUM_ARGS` (skips or fails as :func:`chromium`)."""
    return pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
