"""Which event payloads a package's code constructs, read from its source (nothing imported or run).

A payload counts as constructed where its class is called — ``CaseClosed(case_id=…)`` — or bound to
a name that the same module calls (``kind = DeadlineLapsed if lapsed else DeadlineWarning``, then
``kind(…)``), or where a function of ``shared`` that constructs it is called by its name
(``keyring.issue(…)``: ``case_key.issued``). A class named in a ``match`` pattern, an import, an
annotation or ``SubmissionReceived.model_validate(…)`` is read, not sent.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from shared.events import EVENT_TYPES

__all__ = ["ROOT", "constructed_in", "shared_constructors"]

PAYLOADS = frozenset(payload_type.__name__ for payload_type in EVENT_TYPES.values())
ROOT = Path(__file__).resolve().parents[2]


def constructed_in(
    package: Path, constructors: dict[str, set[str]], *, root: Path = ROOT
) -> dict[str, set[Path]]:
    """Each payload class constructed in ``package`` (a folder) → the files (relative to ``root``)
    that construct it; ``constructors``: a function's name → the payloads it constructs."""
    found: dict[str, set[Path]] = {}
    for path in sorted(package.rglob("*.py")):
        for name in _constructed(ast.parse(path.read_text(), str(path)), constructors):
            found.setdefault(name, set()).add(path.relative_to(root))
    return found


def shared_constructors(package: Path = ROOT / "shared") -> dict[str, set[str]]:
    """The functions of ``package`` that construct payloads: name → the payloads each constructs
    (``shared/events.py``, which defines them, is passed over)."""
    constructors: dict[str, set[str]] = {}
    for path in sorted(package.glob("*.py")):
        if path.name == "events.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                made = set(_called_or_bound(node))
                if made:
                    constructors.setdefault(node.name, set()).update(made)
    return constructors


def _constructed(module: ast.Module, constructors: dict[str, set[str]]) -> Iterator[str]:
    yield from _called_or_bound(module)
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            yield from constructors.get(name or "", ())


def _called_or_bound(scope: ast.AST) -> Iterator[str]:
    bound: dict[str, set[str]] = {}
    called: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
            if node.func.id in PAYLOADS:
                yield node.func.id
        elif isinstance(node, ast.Assign) and not isinstance(node.value, ast.Call):
            classes = {
                name.id for name in ast.walk(node.value) if isinstance(name, ast.Name) and name.id in PAYLOADS
            }
            for target in node.targets:
                if isinstance(target, ast.Name) and classes:
                    bound.setdefault(target.id, set()).update(classes)
    for name, classes in bound.items():
        if name in called:
            yield from classes
