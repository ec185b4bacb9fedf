"""Every CLI command is in the README and has help with an example; the public API is documented."""

from __future__ import annotations

import click
import pytest

import p95kit
from p95kit.cli.main import main
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            if command.invoke_without_command:  # a group that answers itself (p95kit slo)
                yield path
            yield from _commands(command, path)
        else:
            yield path


COMMANDS = sorted(_commands(main))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_readme_and_has_help_with_an_example(path, cli):
    assert f"p95kit {' '.join(path)}" in README
    result = cli(*path, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_public_names_are_exported_and_documented():
    assert sorted(p95kit.__all__) == sorted(["__version__", *p95kit._EXPORTS])
    for name in p95kit._EXPORTS:
        value = getattr(p95kit, name)
        assert value.__doc__ and value.__doc__.strip(), name


def test_the_readme_gives_the_two_commands_and_the_test_command():
    assert "scripts/demo" in README and "scripts/test" in README
    test_script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest" in README
    assert ".venv/bin/python -m pytest" in test_script


def test_the_readme_gives_the_fast_lane_and_its_markers_are_registered():
    fast_lane = '.venv/bin/python -m pytest -m "not prometheus and not kernel and not browser"'
    assert fast_lane in README
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for marker in ("prometheus", "kernel", "browser", "slow"):
        assert f'"{marker}: ' in pyproject, marker


def test_setup_looks_for_the_cjk_fonts_the_charts_use():
    """scripts/setup runs before p95kit is installed, so it keeps its own copy of the list."""
    from p95kit.display.fonts import CJK_FILES

    setup = (ROOT / "scripts" / "setup").read_text(encoding="utf-8")
    listed = setup.split("cjk_fonts=(", 1)[1].split(")", 1)[0].split()
    assert tuple(listed) == CJK_FILES
