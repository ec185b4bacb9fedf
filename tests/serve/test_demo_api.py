"""``p95kit demo --serve``: the demo Prometheus, a report, and the live API next to it."""

from __future__ import annotations

import os
import re
import signal
import subprocess

import pytest
import requests

from tests.support.serving import EXE, require_serve

require_serve()


def test_demo_serve_prints_a_curl_line_and_the_reports_url(
    tmp_path, prometheus_binaries, jupyter_kernel
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("P95KIT_")}
    proc = subprocess.Popen(
        [str(EXE), "demo", "--serve", "--port", "0", "--out", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        printed = []
        assert proc.stdout is not None
        for line in proc.stdout:  # ends early (and the test fails) if the demo fails
            printed.append(line.strip())
            if line.startswith("reports: "):
                break
        curl = next(x for x in printed if x.startswith("curl "))
        api = re.search(r"'(http://127\.0\.0\.1:\d+/api/metrics/p95/\S*)'", curl).group(1)
        reports = printed[-1].removeprefix("reports: ")
        body = requests.get(api, timeout=60).json()
        assert body["status"] == "success" and body["count"] > 0  # demo data runs up to now
        assert requests.get(reports, timeout=60).status_code == 200
        latest = requests.get(reports + "latest/p95.json", timeout=60)
        assert latest.content == (tmp_path / "latest" / "p95.json").read_bytes()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, stderr = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("demo --serve did not stop on SIGTERM")
    assert proc.returncode == 0, stderr
    assert "demo Prometheus stopped" in stderr
