"""Masking of personal information (个人信息 去标识化/脱敏) in text before it is published.

``mask_text`` finds these kinds of personal data and replaces each with a masked form:

    kind           recognised                                       masked form
    name           every occurrence of a name the caller passes,    张三丰 → 张*丰, 张三 → 张*
                   of a name the text introduces or mentions (below)
    mobile         1[3-9] + 9 digits; +86 / 0086 / 86 prefix and    138****5678  (prefix and
                   3-4-4 grouping with spaces or hyphens allowed    separators dropped)
    id_number      GB 11643 18 characters passing the check         11*************02X (same length)
                   character (6-8-4 grouping allowed); legacy 15
                   digits with a plausible YYMMDD birth date
    landline       area code 010 / 02X / 0XXX, alone or in          0531-******56
                   brackets, then a 7-8 digit local number
    email          local@domain.tld                                 z***@example.com
    licence_plate  机动车号牌: province + letter + 5 characters      鲁A·12345 → 鲁A****5,
                   (鲁A12345, 鲁A·12345, 鲁A 1234X, 鲁A1234学) or    鲁AD12345 → 鲁A*****5
                   new-energy 6 (鲁AD12345, 鲁A12345D); at least     (province, letter and last
                   3 digits; I and O never occur                    character kept)
    address        the part of an address below street or           泉城路街道明湖小区3号楼 →
                   township level (below)                           泉城路街道***

Names the text introduces: a common family name (about 200 single ones and the compound ones such
as 欧阳, 司马, 诸葛, 上官) and one or two more characters, written right after 我叫, 名叫, 我的名字是,
本人, 我是, or a label (联系人, 申请人, 姓名, 反馈人, 经办人, 来信人, 投诉人, 举报人, 留言人, 署名,
签名, ... with or without a colon), and followed by punctuation, a digit, the end of the text, an
honorific or a word such as 今年, 家住, 电话, 身份证; or written before 先生, 女士 or 同志 after
punctuation or a word such as 感谢, 尊敬的, 市民, 向, 由. Characters rare in given names but common in
ordinary words (年, 的, 某, 家, 市 ...), titles (老师, 主任, 师傅, 先生 ...) and a few words that start
with a family name (高中, 任何 ...) are refused, so 我是一名退休职工, 我是本市居民, 本人认为,
我叫不出名字, 王某某, 张先生 (a family name alone) find no name. A name found once is masked wherever
it occurs in the text, like a name the caller passes.

Addresses: what is kept is the address down to and including the street or township — 街道 (also
街道办事处), 镇, 乡, or 区/县 when no street is given — and a road name; what is masked is everything
below, written as ``***`` whatever its length, so 济南市历下区泉城路街道明湖小区3号楼2单元501室 →
济南市历下区泉城路街道***:

- after a street, township, district or county: a named place below it (…社区, …村, …小区, …花园,
  …家园, …公寓, …新村, …山庄, …大厦, …宿舍, …庄园, …苑; two to eight characters) and the road and
  house parts that follow it: 港沟街道神武村3组12号 → 港沟街道***. That place name is masked as
  ``***`` wherever else it occurs in the text, so the compound cannot be read from another sentence.
- after a road (…路, …街, …大街, …大道, …巷, …胡同) or a named place: its house parts — a number
  with 号, 号院, 号楼, 栋, 幢, 座, 单元, 层, 楼, 室, 弄, 组 or 排, or a 3-2-501 style number:
  历下区经十路12345号 → 历下区经十路***, 明湖小区3号楼2单元501室 → 明湖小区*** (with no street
  or district before it, where the place name begins cannot be told, so it stays).

A street alone (泉城路街道), an organisation (各街道办事处, 历下区人防办, 人防指挥中心) or a generic
place (老旧小区, 周边小区, 农村) is not an address. A house number is masked whoever lives there:
泉城路188号恒隆广场 → 泉城路***恒隆广场.

Numbers are recognised only as a whole digit run: a mobile, landline or ID number never matches
inside a longer run of digits, and an 18-character number whose check character is wrong (an order
number, a bank reference) is left as it is. Full-width forms (１３８, ＠, （）, －, ：, the ideographic
space) are recognised as their ASCII equivalents; the masked forms are written in ASCII.

Everything is found in one pass over the original text. Where findings overlap, the one starting
first is kept, and of those starting at the same place the longer one. The returned manifest lists
what was masked with spans into the original text and the masked form only: it never holds an
original value, because that is the personal data the manifest is published alongside.

Why each mask was made is in its manifest entry (``reason``): what the case itself knows of its
people (``Known``: the contact's name, phone — also without its area code or with other separators —,
e-mail, ID number and address, also written in part), a name the text introduces, a person name the
text mentions (``suspected``, `services.publishing.person_names`: privacy by default, masked unless a
reviewer releases it; the office's listed public officials stay named), a form (phone, ID, e-mail,
plate, address) or a reviewer.

Each text is masked on its own: a name found in a letter is masked in its reply because the caller
passes it (`services.publishing.redaction` does, for every text of a review item).

Not recognised (a reviewer masks them, or extend this module): landlines without an area code that
the case does not know, numbers written with other separators (dots, slashes), names of people the
segmenter does not tag and no cue surrounds (我是王建国的儿子), family names outside the list of about
200, house numbers with 百 or 千 in words (一百零八号), house parts with no road, place or division
before them (住在2号楼) unless the case knows the address, and place names with digits or Latin letters
(阳光100小区).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from services.publishing.person_names import SURNAMES, is_word, looks_like_name, suspected_names
from shared.idnumbers import is_legacy_id_number, is_valid_id_number

__all__ = [
    "CASE",
    "INTRODUCED",
    "PATTERN",
    "REASONS",
    "RELEASABLE",
    "REVIEWER",
    "SUSPECTED",
    "Known",
    "MaskEntry",
    "MaskedText",
    "is_valid_id_number",
    "mask_name",
    "mask_text",
    "reviewer_mask",
]


CASE = "case"
"""Why a mask was made: the case itself knows it — its contact's name, phone, e-mail, ID number or
address, or a name its letter introduced (passed by the caller)."""
INTRODUCED = "introduced"
"""The text introduces the name (我叫…, 联系人：…, …先生)."""
SUSPECTED = "suspected"
"""A person name the text mentions (`services.publishing.person_names`): masked unless released."""
RELEASABLE = frozenset({INTRODUCED, SUSPECTED})
"""Why a name may still be published if a reviewer releases it: any name but the case's own."""
PATTERN = "pattern"
"""Its form: a mobile or landline number, an ID number, an e-mail address, a plate, an address."""
REVIEWER = "reviewer"
"""A reviewer named it."""
REASONS = (CASE, INTRODUCED, SUSPECTED, PATTERN, REVIEWER)


@dataclass(frozen=True, slots=True)
class MaskEntry:
    """One masked finding: ``text[start:end]`` of the original became ``replacement``, for ``reason``.

    ``kind`` is one of "name", "mobile", "landline", "id_number", "email", "licence_plate",
    "address", "reviewer"; ``reason`` one of `REASONS`.
    """

    kind: str
    start: int
    end: int
    replacement: str
    reason: str = PATTERN


@dataclass(frozen=True, slots=True)
class Known:
    """What the case itself knows of the person who wrote (its contact): masked wherever it appears,
    in whatever form — a phone number with other separators or without its area code, an address
    written in part."""

    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    @classmethod
    def of_contact(cls, contact: Mapping[str, Any] | None) -> Known:
        """From a contact as the events carry it (name, phone, email, id_number, address)."""
        if not contact:
            return cls()

        def value(key: str) -> tuple[str, ...]:
            found = contact.get(key)
            return (found.strip(),) if isinstance(found, str) and found.strip() else ()

        return cls(
            names=value("name"),
            phones=value("phone"),
            emails=value("email"),
            id_numbers=value("id_number"),
            addresses=value("address"),
        )


@dataclass(frozen=True, slots=True)
class MaskedText:
    text: str
    manifest: tuple[MaskEntry, ...]


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

_CJK = "\u4e00-\u9fff"

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


# --- Licence plates (机动车号牌, GA 36) -------------------------------------------------------------

# The province's one-character abbreviation, the issuing office's letter, an optional separator,
# then 5 characters (ordinary) or 6 (new energy: one of D, F, later also A-K, first for small
# cars, last for large ones). I and O are never used.
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"
_NEW_ENERGY_CHAR = "[A-HJK]"
_PLATE = re.compile(
    rf"(?P<province>[{_PROVINCES}])(?P<office>[A-HJ-NP-Z])[ ·•・.-]?"
    rf"(?P<serial>{_NEW_ENERGY_CHAR}{_PLATE_CHAR}[0-9]{{4}}|[0-9]{{5}}{_NEW_ENERGY_CHAR}"
    rf"|{_PLATE_CHAR}{{4}}(?:{_PLATE_CHAR}|[挂学]))(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_PLATE_MIN_DIGITS = 3  # a serial has at most two letters; fewer digits is a word, not a plate


def _find_licence_plates(text: str) -> Iterator[MaskEntry]:
    for match in _PLATE.finditer(text):
        serial = match.group("serial").upper()
        if sum(char.isdigit() for char in serial) < _PLATE_MIN_DIGITS:
            continue
        masked = match.group("province") + match.group("office").upper() + _keep_ends(serial, 0, 1)
        yield MaskEntry("licence_plate", match.start(), match.end(), masked)


# --- Addresses -----------------------------------------------------------------------------------

# A place name is two to eight characters and a place suffix. Characters that end a clause or name
# an office (的, 和, 办, 委 ...), the divisions (区, 镇 ...) and 街道 cannot be part of it, so a
# place never swallows the street before it.
_PLACE_STOP = "的各每该这那此些们所或及与等均都也就已未对被把将向从我你他她其是在有了为市省区县镇乡办府委局"
_PLACE_CHAR = rf"(?:(?!街道)(?![{_PLACE_STOP}])[{_CJK}])"
_PLACE_SUFFIX = "社区|小区|花园|家园|公寓|新村|山庄|大厦|宿舍|庄园|村|苑"
_PLACE = rf"{_PLACE_CHAR}{{2,8}}?(?:{_PLACE_SUFFIX})"
_ROAD_SUFFIX = "大街|大道|胡同|路|街|巷"
_ROAD = rf"{_PLACE_CHAR}{{1,6}}?(?:{_ROAD_SUFFIX})"
# House parts: 12号, 3号楼, 2单元, 501室, A座, 三单元, 3-2-501. 号线, 号文 and 12栋楼 (a count) are not.
_UNIT = "号院|号楼|号(?![线文令])|栋(?!楼)|幢(?!楼)"
_HOUSE_PART = (
    rf"(?:[0-9]+(?:-[0-9]+){{0,3}}(?:{_UNIT}|座|单元|层|楼|室|弄|组|排)"
    rf"|[一二三四五六七八九十]{{1,3}}(?:{_UNIT}|单元|组|排)"
    r"|[A-Za-z](?:座|栋|幢|单元)"
    r"|[0-9]{1,3}(?:-[0-9]{1,4}){2}(?![0-9-]))"
)
_HOUSE = rf"(?<![0-9])(?:{_HOUSE_PART})+"
_DETAIL_TAIL = rf"(?:{_PLACE}|{_ROAD}{_HOUSE}|{_HOUSE})*"
# A division is not one after a character that makes a common word of it (小区, 城乡, 区县) or
# a qualifier (各街道, 全区).
_QUALIFIERS = "各全本该每个等和与及或所的"
_DIVISION = (
    rf"(?<=[{_CJK}])(?:(?<![{_QUALIFIERS}])街道(?:办事处|办)?"
    rf"|(?<![城乡集{_QUALIFIERS}])镇"
    rf"|(?<![城下家故老返还回同{_QUALIFIERS}])乡"
    rf"|(?<![小社园景校片辖郊灾街禁营专分库矿林牧厂院停防战军警服学考湾保盲误老疫封控静场商住{_QUALIFIERS}])区"
    rf"|(?<![区郡州{_QUALIFIERS}])县)"
)
# A division, then a place below it and what follows that place. A place right before a street or
# township is part of that division's name (天桥区工人新村北村街道), not below it.
_BELOW_DIVISION = re.compile(
    rf"{_DIVISION}(?P<detail>(?P<place>{_PLACE}){_DETAIL_TAIL})(?![{_CJK}]{{0,3}}(?:街道|镇|乡))"
)
# A road or a place, then house parts and what follows them.
_HOUSE_AFTER_ROAD_OR_PLACE = re.compile(
    rf"(?:(?<=[{_CJK}])(?:{_ROAD_SUFFIX})|{_PLACE_SUFFIX})(?P<detail>{_HOUSE}{_DETAIL_TAIL})"
)
_PLACE_IN_TEXT = re.compile(_PLACE)
_HOUSE_IN_TEXT = re.compile(_HOUSE)
# Words that start like a place name but name a kind of place, not one place.
_GENERIC_PLACE_STARTS = (
    "老旧", "周边", "相关", "部分", "多个", "几个", "两个", "整个", "辖区", "所在", "附近", "其他",
    "其它", "一些", "有关", "全部", "新建", "现有", "城中", "农村", "新农", "城市", "城镇", "居民",
    "住宅", "商品", "我们", "你们",
)  # fmt: skip
_ADDRESS_MASK = "***"


def _is_generic_place(place: str) -> bool:
    return place.startswith(_GENERIC_PLACE_STARTS)


def _named_places(detail: str) -> Iterator[str]:
    """The place names in an address detail. House parts are split off first, so that the 号 of
    158号英雄山小区 does not start a place name."""
    for piece in _HOUSE_IN_TEXT.split(detail):
        yield from (place for place in _PLACE_IN_TEXT.findall(piece) if not _is_generic_place(place))


def _find_addresses(text: str) -> Iterator[MaskEntry]:
    """The part of each address below street or township level, and its place names elsewhere."""
    places: set[str] = set()
    for match in _BELOW_DIVISION.finditer(text):
        if _is_generic_place(match.group("place")):
            continue
        places.update(_named_places(match.group("detail")))
        yield MaskEntry("address", match.start("detail"), match.end("detail"), _ADDRESS_MASK)
    for match in _HOUSE_AFTER_ROAD_OR_PLACE.finditer(text):
        places.update(_named_places(match.group("detail")))
        yield MaskEntry("address", match.start("detail"), match.end("detail"), _ADDRESS_MASK)
    for place in places:
        for match in re.finditer(re.escape(place), text):
            yield MaskEntry("address", match.start(), match.end(), _ADDRESS_MASK)


# --- Names the text introduces ------------------------------------------------------------------

_NAME_CUE = re.compile(
    r"(?:我的名字是|我的名字叫|我名叫|名叫|我叫|本人|我是"
    r"|联系人|申请人|姓名|反馈人|经办人|来信人|投诉人|举报人|留言人|写信人|署名|签名|承办人|提交人"
    r"|当事人|委托人|代理人|收件人)[ \t]*:?[ \t]*"
)
# After a cue, a name counts only where it visibly ends: before one of these.
_NAME_END_CHARS = frozenset(" \t\r\n,.;:!?、。…—-()[]<>/|\"'“”‘’《》【】0123456789")
_NAME_END_WORDS = (
    "今年", "现年", "家住", "住在", "现住", "居住", "电话", "手机", "联系", "身份证", "地址", "邮箱",
    "性别", "年龄", "先生", "女士", "同志", "系", "男", "女",
)  # fmt: skip
_HONORIFIC = re.compile("先生|女士|同志")
# Before an honorific, a name counts only where it visibly starts: after punctuation or one of these.
_BEFORE_ADDRESSED_NAME = (
    "感谢", "谢谢", "尊敬的", "亲爱的", "联系", "市民", "居民", "群众", "业主", "职工", "党员", "委托",
    "转告", "告诉", "通知", "致", "向", "与", "和", "同", "及", "对", "给", "由", "请", "为", "是",
    "叫", "经", "的", "派", "让",
)  # fmt: skip


def _name_ends_at(text: str, end: int) -> bool:
    return end == len(text) or text[end] in _NAME_END_CHARS or text.startswith(_NAME_END_WORDS, end)


def _name_starts_at(text: str, start: int) -> bool:
    return start == 0 or text[start - 1] in _NAME_END_CHARS or text[:start].endswith(_BEFORE_ADDRESSED_NAME)


def _introduced_names(text: str) -> set[str]:
    """The names the text introduces: after a cue (我叫, 联系人：...) or before 先生/女士/同志."""
    found: set[str] = set()
    for cue in _NAME_CUE.finditer(text):
        start = cue.end()
        for length in (4, 3, 2):  # the longest name that ends where a name can end
            candidate = text[start : start + length]
            if (
                len(candidate) == length
                and looks_like_name(candidate)
                and not is_word(candidate)
                and _name_ends_at(text, start + length)
            ):
                found.add(candidate)
                break
    for honorific in _HONORIFIC.finditer(text):
        end = honorific.start()
        if end >= 1 and text[end - 1] in SURNAMES and _name_starts_at(text, end - 1):
            continue  # 张先生: a family name alone, nothing to mask
        for length in (2, 3, 4):  # the shortest name that starts where a name can start
            start = end - length
            candidate = text[start:end] if start >= 0 else ""
            if (
                candidate
                and looks_like_name(candidate)
                and not is_word(candidate)
                and _name_starts_at(text, start)
            ):
                found.add(text[start:end])
                break
    return found


def _find_names(text: str, original: str, names: Mapping[str, str]) -> Iterator[MaskEntry]:
    """Every occurrence of every name (name → why); a Latin-script name only as a whole word.

    ``text`` is the normalised text the names are searched in; the masked form is made from the
    occurrence in the ``original``, so it keeps the writer's characters.
    """
    for name, reason in names.items():
        pattern = re.escape(name)
        if name[0].isascii() and name[0].isalnum():
            pattern = r"(?<![A-Za-z0-9])" + pattern
        if name[-1].isascii() and name[-1].isalnum():
            pattern += r"(?![A-Za-z0-9])"
        for match in re.finditer(pattern, text):
            masked = mask_name(original[match.start() : match.end()])
            yield MaskEntry("name", match.start(), match.end(), masked, reason)


# --- What the case knows ---------------------------------------------------------------------------


def _digit_pattern(digits: str) -> re.Pattern[str]:
    """The digits as a whole run, with a space or hyphen allowed between any two of them."""
    return re.compile(r"(?<![0-9])" + r"[ -]?".join(re.escape(d) for d in digits) + r"(?![0-9Xx])", re.I)


def _find_known(text: str, known: Known) -> Iterator[MaskEntry]:
    for phone in known.phones:
        digits = re.sub(r"[^0-9]", "", phone)
        landline = _LANDLINE.fullmatch(phone.translate(_TO_ASCII).strip())
        local = _digits(landline.group("local")) if landline else None
        for number in {digits[-11:] if len(digits) >= 11 else digits, local} - {None, ""}:
            assert number is not None
            if len(number) < 5:
                continue
            mobile = len(number) == 11 and number.startswith("1")
            for match in _digit_pattern(number).finditer(text):
                masked = number[:3] + "****" + number[-4:] if mobile else _keep_ends(number, 0, 2)
                yield MaskEntry("mobile" if mobile else "landline", match.start(), match.end(), masked, CASE)
    for id_number in known.id_numbers:
        compact = _digits(id_number).upper()
        if len(compact) >= 15:
            for match in _digit_pattern(compact).finditer(text):
                yield MaskEntry("id_number", match.start(), match.end(), _keep_ends(compact, 2, 3), CASE)
    for email in known.emails:
        for match in re.finditer(re.escape(email.translate(_TO_ASCII)), text, re.I):
            local, _, domain = match.group().partition("@")
            yield MaskEntry("email", match.start(), match.end(), f"{local[:1]}***@{domain}", CASE)
    for address in known.addresses:
        for pattern in _address_patterns(address):
            for match in re.finditer(pattern, text):
                yield MaskEntry("address", match.start(), match.end(), _ADDRESS_MASK, CASE)


@lru_cache(maxsize=256)
def _address_patterns(address: str) -> tuple[str, ...]:
    """The ways a text can write the case's address (worked out once per address): the detail as
    written, or any of its places with the house parts the text gives after it."""
    normalised = address.translate(_TO_ASCII)
    details = {normalised[e.start : e.end] for e in _find_addresses(normalised)} or {normalised}
    places = {place for detail in details for place in _named_places(detail)}
    patterns = [re.escape(d) for d in details if len(d) >= 2]
    patterns += [rf"{re.escape(place)}{_DETAIL_TAIL}" for place in places]
    return tuple(patterns)


def reviewer_mask(value: str) -> str:
    """How a value a reviewer names is masked: its first and last character kept (张*丰), like a
    name; a single character becomes ``*``."""
    return mask_name(value) if len(value) > 1 else "*"


def _find_reviewer_values(text: str, values: Iterable[str]) -> Iterator[MaskEntry]:
    for value in values:
        replacement = reviewer_mask(value)
        for match in re.finditer(re.escape(value), text):
            yield MaskEntry(REVIEWER, match.start(), match.end(), replacement, REVIEWER)


# --- Masking -------------------------------------------------------------------------------------

# Breaks a tie between findings with the same start and length; earlier in this tuple wins.
_KIND_ORDER = ("id_number", "mobile", "landline", "email", "licence_plate", "address", "name", REVIEWER)
_REASON_ORDER = (CASE, INTRODUCED, PATTERN, REVIEWER, SUSPECTED)


def mask_text(
    text: str,
    *,
    names: Iterable[str] = (),
    known: Known = Known(),
    officials: Collection[str] = (),
    released: Collection[str] = (),
    reviewer: Iterable[str] = (),
    suspect: bool = True,
    also_suspected: Iterable[str] = (),
) -> MaskedText:
    """Mask the personal information in ``text``, each mask with the reason it was made.

    ``names`` and ``known`` are what the case knows of its people (its contact, the names its
    letter introduced); the text's own introductions (我叫…) are added. Privacy by default: with
    ``suspect``, every other person name the text mentions is masked too, except the office's
    public ``officials`` and the suspected names a reviewer ``released``; ``also_suspected`` are names
    suspected in another text of the same item (a neighbour the letter names, whom the reply names
    without a cue). ``reviewer`` are values a
    reviewer named; a released name the text introduces is not masked either (only what the case
    knows of its own people cannot be released). Names shorter than two characters are ignored (one character cannot be masked
    by the rule, and masking every occurrence of one character would garble the text). Longer names
    are tried first, so with both 张三 and 张三丰, 张三丰 is masked whole.
    """
    normalised = text.translate(_TO_ASCII)
    why: dict[str, str] = {}
    if suspect:
        found = [*suspected_names(normalised, officials=officials), *also_suspected]
        why |= dict.fromkeys((n for n in found if n not in released and n not in officials), SUSPECTED)
    introduced = _introduced_names(normalised)
    why |= dict.fromkeys((n for n in introduced if n not in officials and n not in released), INTRODUCED)
    given = {n.strip().translate(_TO_ASCII) for n in (*names, *known.names)}
    why |= dict.fromkeys((n for n in given if len(n) >= 2), CASE)
    wanted = dict(sorted(why.items(), key=lambda item: (-len(item[0]), item[0])))
    values = sorted({v.strip().translate(_TO_ASCII) for v in reviewer if v.strip()}, key=len, reverse=True)
    findings = [
        *_find_known(normalised, known),
        *_find_id_numbers(normalised),
        *_find_mobiles(normalised),
        *_find_landlines(normalised),
        *_find_emails(normalised),
        *_find_licence_plates(normalised),
        *_find_addresses(normalised),
        *_find_names(normalised, text, wanted),
        *_find_reviewer_values(normalised, values),
    ]
    findings.sort(
        key=lambda entry: (
            entry.start,
            entry.start - entry.end,
            _REASON_ORDER.index(entry.reason),
            _KIND_ORDER.index(entry.kind),
        )
    )

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
