"""Reading Prometheus' text format in tests: each sample by its name and labels as written."""

from __future__ import annotations

__all__ = ["parse", "total"]


def parse(exposition: str) -> dict[str, float]:
    """``{'civic_clocks_open{kind="reply"}': 3.0, …}`` — comments left out."""
    figures: dict[str, float] = {}
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            figures[name] = float(value)
    return figures


def total(figures: dict[str, float], prefix: str, having: str = "") -> float:
    """The sum of the samples whose name starts with ``prefix`` and whose text holds ``having``."""
    return sum(value for name, value in figures.items() if name.startswith(prefix) and having in name)
