"""Text similarity for Chinese (and any) text: normalise, character n-grams, Jaccard. Pure.

Used by routing (similar submissions) and publishing (proactive-disclosure candidates).
"""

from __future__ import annotations

import unicodedata

__all__ = ["jaccard", "ngrams", "normalise"]


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), case-folded, without whitespace, punctuation or format characters."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not _is_noise(ch))


def _is_noise(ch: str) -> bool:
    # Unicode category P* covers ASCII and CJK punctuation alike (，。！？、；：“”‘’（）《》【】…—);
    # Cf catches zero-width spaces pasted from web pages and chat apps.
    category = unicodedata.category(ch)
    return ch.isspace() or category.startswith("P") or category == "Cf"


def ngrams(normalised: str, n: int = 2) -> frozenset[str]:
    """The character n-grams of an already normalised text; a shorter text is its own single n-gram."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    if len(normalised) < n:
        return frozenset({normalised}) if normalised else frozenset()
    return frozenset(normalised[i : i + n] for i in range(len(normalised) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0.0 when both are empty."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0
