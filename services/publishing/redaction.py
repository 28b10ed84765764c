"""Masking a review item from its source, again after each reviewer's decision. Pure.

An item waiting for review (三审) keeps, privately, what it was masked from: each text with what its
case knows of its people (`Part`), the suspected names reviewers released and the values they asked
to mask (`Source`). The item's published form is always `redact` of that source — so a reviewer can
release a suspected name (a public official the office does not list, a name that is not one) and it
comes back everywhere, and what another reviewer masked stays masked. Once the item is decided the
source is dropped: only the masked form is kept.

Reviewers see each suspect as the text shows it masked, with the words around it (`Suspect.context`),
never the name itself: the office's staff know their colleagues, and nothing here reveals to the
review queue what a citizen's text says about someone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.publishing.masking import RELEASABLE, Known, MaskEntry, mask_text

__all__ = ["Part", "Redacted", "Source", "Suspect", "redact"]

CONTEXT = 12
"""Characters shown on each side of a suspect."""


@dataclass(frozen=True, slots=True)
class Part:
    """One text of the item: ``label`` names it in the manifest (``question``, ``comments[3].content``)."""

    label: str
    text: str
    names: tuple[str, ...] = ()
    known: Known = field(default_factory=Known)


@dataclass(frozen=True, slots=True)
class Source:
    """What an item is masked from: its parts by key (where the text goes in the item's content:
    ``question``, ``comments.2.content``), the names released and the values reviewers masked."""

    parts: Mapping[str, Part]
    released: tuple[str, ...] = ()
    reviewer: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "parts": {
                key: {
                    "label": part.label,
                    "text": part.text,
                    "names": list(part.names),
                    "known": {k: list(v) for k, v in _known_fields(part.known).items()},
                }
                for key, part in self.parts.items()
            },
            "released": list(self.released),
            "reviewer": list(self.reviewer),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Source:
        parts = {
            key: Part(
                label=raw["label"],
                text=raw["text"],
                names=tuple(raw["names"]),
                known=Known(**{k: tuple(v) for k, v in raw["known"].items()}),
            )
            for key, raw in data["parts"].items()
        }
        return cls(parts, tuple(data["released"]), tuple(data["reviewer"]))


def _known_fields(known: Known) -> dict[str, tuple[str, ...]]:
    return {
        "names": known.names,
        "phones": known.phones,
        "emails": known.emails,
        "id_numbers": known.id_numbers,
        "addresses": known.addresses,
    }


@dataclass(frozen=True, slots=True)
class Suspect:
    """A suspected name as reviewers see it: masked, where it occurs, and the words around it."""

    id: str
    masked: str
    fields: tuple[str, ...]
    context: str
    released: bool
    name: str = field(repr=False)
    """The name itself: private to the source, never shown."""


@dataclass(frozen=True, slots=True)
class Redacted:
    texts: dict[str, str]
    """Key → masked text."""
    manifest: list[dict[str, str]]
    """Each mask: the part's label, the kind, the masked form and why; never an original value."""
    suspects: list[Suspect]


def _window(text: str, entries: tuple[MaskEntry, ...], start: int, end: int) -> str:
    """``text[start:end]`` widened to whole findings, with every finding in it masked."""
    start, end = max(0, start), min(len(text), end)
    for entry in entries:
        if entry.start < start < entry.end:
            start = entry.start
        if entry.start < end < entry.end:
            end = entry.end
    pieces, position = [], start
    for entry in entries:
        if start <= entry.start and entry.end <= end:
            pieces += [text[position : entry.start], entry.replacement]
            position = entry.end
    pieces.append(text[position:end])
    return ("…" if start > 0 else "") + "".join(pieces) + ("…" if end < len(text) else "")


def _suspects(source: Source, officials: Collection[str]) -> list[Suspect]:
    """Every name in the item a reviewer may release (any but the case's own), released or not,
    numbered by where it first occurs. A name one text gives away (邻居孔繁荣) is looked for in the
    others, where it may stand without a cue (责成孔繁荣清理)."""
    names: dict[str, None] = {}
    for part in source.parts.values():
        masked = mask_text(part.text, names=part.names, known=part.known, officials=officials)
        names |= dict.fromkeys(_releasable(part.text, masked.manifest))
    fields: dict[str, list[str]] = {name: [] for name in names}
    first: dict[str, tuple[str, MaskEntry, tuple[MaskEntry, ...]]] = {}
    for part in source.parts.values():
        masked = mask_text(
            part.text, names=part.names, known=part.known, officials=officials, also_suspected=names
        )
        for entry in masked.manifest:
            if entry.reason in RELEASABLE and entry.kind == "name":
                name = part.text[entry.start : entry.end]
                if part.label not in fields[name]:
                    fields[name].append(part.label)
                first.setdefault(name, (part.text, entry, masked.manifest))
    suspects = []
    for number, name in enumerate(names, start=1):
        text, entry, manifest = first[name]
        suspects.append(
            Suspect(
                id=f"s{number}",
                masked=entry.replacement,
                fields=tuple(fields[name]),
                context=_window(text, manifest, entry.start - CONTEXT, entry.end + CONTEXT),
                released=name in source.released,
                name=name,
            )
        )
    return suspects


def _releasable(text: str, manifest: tuple[MaskEntry, ...]) -> list[str]:
    return [text[e.start : e.end] for e in manifest if e.reason in RELEASABLE and e.kind == "name"]


def redact(source: Source, *, officials: Collection[str] = ()) -> Redacted:
    """The item's texts masked from ``source``: every suspect masked but those released, every value a
    reviewer named masked, with a manifest of why each mask was made."""
    suspects = _suspects(source, officials)
    texts: dict[str, str] = {}
    manifest: list[dict[str, str]] = []
    for key, part in source.parts.items():
        masked = mask_text(
            part.text,
            names=part.names,
            known=part.known,
            officials=officials,
            released=source.released,
            reviewer=source.reviewer,
            also_suspected=[s.name for s in suspects],
        )
        texts[key] = masked.text
        manifest += [
            {"field": part.label, "kind": e.kind, "replacement": e.replacement, "reason": e.reason}
            for e in masked.manifest
        ]
    return Redacted(texts, manifest, suspects)
