"""Fonts for the chart, so model names in Hangul, kana or CJK ideographs draw as text.

Matplotlib's default font (DejaVu Sans) has no CJK glyphs and draws boxes. The chart
asks for DejaVu Sans first and then every installed CJK family from
:data:`CJK_FAMILIES` (matplotlib falls back per glyph). A font installed after
matplotlib built its font cache is not in that cache: the Debian/Ubuntu files in
:data:`CJK_FILES` are then added by path. ``scripts/setup`` installs
``fonts-wqy-microhei`` (1.6 MB) when none of them is present.

Falling back costs time on every text drawn (each is laid out in every font of the
list), so a chart whose texts DejaVu Sans covers uses it alone: :func:`families_for`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator
from pathlib import Path

#: Tried after DejaVu Sans, in this order.
CJK_FAMILIES = (
    "Noto Sans CJK KR",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans KR",
    "NanumGothic",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "UnDotum",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "Microsoft YaHei",
)
#: Where Debian and Ubuntu packages put CJK fonts.
CJK_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
)


@functools.cache
def chart_families() -> tuple[str, ...]:
    """``("DejaVu Sans", <installed CJK families>...)``; looked up once per process."""
    from matplotlib import font_manager

    def known() -> set[str]:
        return {entry.name for entry in font_manager.fontManager.ttflist}

    if not known() & set(CJK_FAMILIES):
        for path in CJK_FILES:
            if Path(path).is_file():
                with contextlib.suppress(OSError, RuntimeError, ValueError):
                    font_manager.fontManager.addfont(path)
    found = known()
    return ("DejaVu Sans", *(family for family in CJK_FAMILIES if family in found))


@functools.cache
def _dejavu_characters() -> frozenset[int]:
    """The code points DejaVu Sans has a glyph for."""
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return frozenset(ft2font.FT2Font(path).get_charmap())


def families_for(texts: Iterable[str | None]) -> tuple[str, ...]:
    """``("DejaVu Sans",)`` when it draws every character of ``texts``, else
    :func:`chart_families` (a Hangul model name needs the fallback fonts)."""
    covered = _dejavu_characters()
    if all(ord(c) in covered or c.isspace() for text in texts if text for c in text):
        return ("DejaVu Sans",)
    return chart_families()


@contextlib.contextmanager
def chart_fonts(families: Iterable[str] | None = None) -> Iterator[None]:
    """Create and draw figures inside this block to use ``families`` (default
    :func:`chart_families`; :func:`families_for` picks them for known texts)."""
    import matplotlib

    chosen = list(families) if families is not None else list(chart_families())
    with matplotlib.rc_context({"font.family": chosen}):
        yield
