"""Masking of personal information (个人信息 去标识化/脱敏) in text before it is published.

``mask_text`` finds these kinds of personal data and replaces each with a masked form:

    kind        recognised                                          masked form
    name        every occurrence of a name the caller passes        张三丰 → 张*丰, 张三 → 张*
    mobile      1[3-9] + 9 digits; +86 / 0086 / 86 prefix and       138****5678  (prefix and
                3-4-4 grouping with spaces or hyphens allowed       separators dropped)
    id_number   GB 11643 18 characters passing the check character  11*************02X (same length)
                (6-8-4 grouping allowed); legacy 15 digits with a
                plausible YYMMDD birth date
    landline    area code 010 / 02X / 0XXX, alone or in brackets,   0531-******56
                then a 7-8 digit local number
    email       local@domain.tld                                    z***@example.com

Numbers are recognised only as a whole digit run: a mobile, landline or ID number never matches
inside a longer run of digits, and an 18-character number whose check character is wrong (an order
number, a bank reference) is left as it is. Full-width forms (１３８, ＠, （）, －, the ideographic
space) are recognised as their ASCII equivalents; the masked forms are written in ASCII.

Everything is found in one pass over the original text. Where findings overlap, the one starting
first is kept, and of those starting at the same place the longer one. The returned manifest lists
what was masked with spans into the original text and the masked form only: it never holds an
original value, because that is the personal data the manifest is published alongside.

Not recognised (mask them upstream or extend this module): addresses, licence plates, landlines
without an area code, numbers written with other separators (dots, slashes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from shared.idnumbers import is_legacy_id_number, is_valid_id_number

__all__ = [
    "MaskEntry",
    "MaskedText",
    "is_valid_id_number",
    "mask_name",
    "mask_text",
]


@dataclass(frozen=True, slots=True)
class MaskEntry:
    """One masked finding: ``text[start:end]`` of the original became ``replacement``.

    ``kind`` is one of "name", "mobile", "landline", "id_number", "email".
    """

    kind: str
    start: int
    end: int
    replacement: str


@dataclass(frozen=True, slots=True)
class MaskedText:
    text: str
    manifest: tuple[MaskEntry, ...]


# --- ID numbers (GB 11643, check character per ISO 7064 MOD 11-2) ---------------------------------

# --- Names -----------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """Keep the first character (the family name) and the last, star the middle.

    张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧**娜 (a compound family name is not told apart), 张 → 张.
    """
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- Finding -------------------------------------------------------------------------------------

# Full-width ASCII (U+FF01-U+FF5E) and the ideographic space map one-to-one onto ASCII, so the
# normalised text has the same length and every span in it is a span in the original.
_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_SEP = r"[ -]?"
_MOBILE = re.compile(
    rf"(?<![0-9])(?:(?:\+|00)?86{_SEP})?1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}(?![0-9])"
)
_ID_18_IN_TEXT = re.compile(rf"(?<![0-9])[0-9]{{6}}{_SEP}[0-9]{{8}}{_SEP}[0-9]{{3}}[0-9Xx](?![0-9Xx])")
_ID_15_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{15}(?![0-9])")
_AREA_CODE = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
_LANDLINE = re.compile(
    rf"(?<![0-9])(?:\((?P<bracketed>{_AREA_CODE})\) ?|(?P<area>{_AREA_CODE}){_SEP})"
    rf"(?P<local>[2-9][0-9]{{2,3}}{_SEP}[0-9]{{4}})(?![0-9])"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?P<local>[A-Za-z0-9._%+-]+)@"
    r"(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,})(?![A-Za-z0-9-])"
)


def _digits(value: str) -> str:
    return re.sub(r"[^0-9Xx]", "", value)


def _keep_ends(value: str, first: int, last: int) -> str:
    return value[:first] + "*" * (len(value) - first - last) + value[-last:]


def _find_id_numbers(text: str) -> Iterator[MaskEntry]:
    for match in _ID_18_IN_TEXT.finditer(text):
        compact = _digits(match.group()).upper()
        if is_valid_id_number(compact):
            yield MaskEntry("id_number", match.start(), match.end(), _keep_ends(compact, 2, 3))
    for match in _ID_15_IN_TEXT.finditer(text):
        if is_legacy_id_number(match.group()):
            yield MaskEntry("id_number", match.start(), match.end(), _keep_ends(match.group(), 2, 3))


def _find_mobiles(text: str) -> Iterator[MaskEntry]:
    for match in _MOBILE.finditer(text):
        number = _digits(match.group())[-11:]  # the country prefix is dropped
        yield MaskEntry("mobile", match.start(), match.end(), number[:3] + "****" + number[-4:])


def _find_landlines(text: str) -> Iterator[MaskEntry]:
    for match in _LANDLINE.finditer(text):
        area = match.group("bracketed") or match.group("area")
        local = _digits(match.group("local"))
        yield MaskEntry("landline", match.start(), match.end(), f"{area}-{_keep_ends(local, 0, 2)}")


def _find_emails(text: str) -> Iterator[MaskEntry]:
    for match in _EMAIL.finditer(text):
        masked = f"{match.group('local')[0]}***@{match.group('domain')}"
        yield MaskEntry("email", match.start(), match.end(), masked)


def _find_names(text: str, original: str, names: Iterable[str]) -> Iterator[MaskEntry]:
    """Every occurrence of every name; a Latin-script name only as a whole word.

    ``text`` is the normalised text the names are searched in; the masked form is made from the
    occurrence in the ``original``, so it keeps the writer's characters.
    """
    for name in names:
        pattern = re.escape(name)
        if name[0].isascii() and name[0].isalnum():
            pattern = r"(?<![A-Za-z0-9])" + pattern
        if name[-1].isascii() and name[-1].isalnum():
            pattern += r"(?![A-Za-z0-9])"
        for match in re.finditer(pattern, text):
            masked = mask_name(original[match.start() : match.end()])
            yield MaskEntry("name", match.start(), match.end(), masked)


# Breaks a tie between findings with the same start and length; earlier in this tuple wins.
_KIND_ORDER = ("id_number", "mobile", "landline", "email", "name")


def mask_text(text: str, *, names: Iterable[str] = ()) -> MaskedText:
    """Mask the personal information in ``text``; ``names`` are the people's names to mask.

    Names are stripped; those shorter than two characters are ignored (one character cannot be
    masked by the rule, and masking every occurrence of one character would garble the text).
    Longer names are tried first, so with both 张三 and 张三丰 given, 张三丰 is masked whole.
    """
    normalised = text.translate(_TO_ASCII)
    wanted_names = sorted(
        {name.strip().translate(_TO_ASCII) for name in names if len(name.strip()) >= 2},
        key=lambda name: (-len(name), name),
    )
    findings = [
        *_find_id_numbers(normalised),
        *_find_mobiles(normalised),
        *_find_landlines(normalised),
        *_find_emails(normalised),
        *_find_names(normalised, text, wanted_names),
    ]
    findings.sort(key=lambda entry: (entry.start, entry.start - entry.end, _KIND_ORDER.index(entry.kind)))

    manifest: list[MaskEntry] = []
    pieces: list[str] = []
    position = 0
    for entry in findings:
        if entry.start < position:
            continue  # overlaps a finding already taken
        pieces += [text[position : entry.start], entry.replacement]
        manifest.append(entry)
        position = entry.end
    pieces.append(text[position:])
    return MaskedText(text="".join(pieces), manifest=tuple(manifest))
