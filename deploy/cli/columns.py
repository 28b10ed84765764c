"""Text laid out in columns on a terminal, where a CJK character takes two columns."""

from __future__ import annotations

import unicodedata

__all__ = ["pad", "width"]


def width(text: str) -> int:
    """The columns a terminal gives ``text``."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, *, right: bool = False) -> str:
    """``text`` filled with spaces to ``columns`` (on its left when ``right``-aligned)."""
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill
