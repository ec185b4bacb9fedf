"""Frames for the terminal (p95kit.display.terminal): control characters escaped."""

from __future__ import annotations


def test_table_escapes_terminal_control_characters():
    from p95kit.display.terminal import terminal_safe

    assert terminal_safe("evil\x1b[31mred\nx") == "evil\\x1b[31mred\\nx"
