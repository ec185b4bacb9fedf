"""Which kernel a report runs on (p95kit.report.kernel_setup): explicitly this Python, even
when another kernelspec lurks, and a clear error for a kernel of another Python or none."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from p95kit import ReportError
from p95kit.report.kernel import check_kernel, prepare_environment


def _kernelspec(root: Path, python: str) -> None:
    folder = root / "kernels" / "python3"
    folder.mkdir(parents=True)
    argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (other)", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def test_a_kernelspec_in_home_loses_to_the_environments(tmp_path, monkeypatch):
    """Under cron a python3 kernelspec in HOME pointing at another Python must not win."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for variable in ("JUPYTER_PATH", "JUPYTER_DATA_DIR", "JUPYTER_PREFER_ENV_PATH"):
        monkeypatch.delenv(variable, raising=False)
    _kernelspec(tmp_path / ".local" / "share" / "jupyter", "/usr/bin/python3")
    prepare_environment()
    assert os.environ["JUPYTER_PREFER_ENV_PATH"] == "1"
    argv = check_kernel()
    assert Path(argv[0]).resolve() == Path(sys.executable).resolve()
    # Had the home kernelspec won, the run would stop with a clear message, not start it:
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")
    with pytest.raises(ReportError, match="runs /usr/bin/python3, not"):
        check_kernel()


def test_a_kernel_for_another_python_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # searched before everything else
    _kernelspec(tmp_path, "/usr/bin/python3")
    with pytest.raises(ReportError, match=r"runs /usr/bin/python3, not .*JUPYTER_PREFER_ENV_PATH"):
        check_kernel()


def test_a_missing_kernel_says_how_to_install_it():
    from p95kit.report.kernel import KERNEL_NAME

    with pytest.raises(ReportError, match="pip install ipykernel"):
        check_kernel("no-such-kernel")
    assert KERNEL_NAME == "python3"
