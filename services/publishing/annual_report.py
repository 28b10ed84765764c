"""Tables three and four of the annual report on government information disclosure (政府信息公开工作年度报告).

Pure domain: the standard library and ``shared.codes`` only. The caller loads the records; this module
counts, checks and renders. Rules in RULES.md ("Annual report, table three", "Table four") and
ARCHITECTURE §4 and §8.

Table three, 收到和处理政府信息公开申请情况 — for the year Y, 1 Jan to 31 Dec inclusive:

    row                 counts a disclosure request that was
    一 new              received in Y
    二 carried_over     received before Y and not concluded before 1 Jan Y (still open, or concluded
                        in or after Y)
    三 outcomes         concluded in Y, by outcome (the 21 rows of ``shared.codes.Outcome``)
    （七）total          the sum of the outcome rows
    四 carried_forward  received on or before 31 Dec Y and not concluded on or before it

Every request that matters for Y lands in exactly one of 一/二 and exactly one of 总计/四, so
一 + 二 = （七）总计 + 四 holds in every column; ``check_balance`` verifies it on any table (one built
elsewhere too) and ``AnnualReport.balanced`` carries the answer.

Layout decisions:

- The official template draws 三、本年度办理结果 and （三）–（六） as merged label cells beside their sub-rows.
  Flattened into rows, each group label gets a row of its own (level 0, 1 or 2 for the indent) that
  shows the subtotal of its sub-rows (``kind="subtotal"``), as published reports commonly do. The
  三 row therefore equals （七）总计, which matches the template's own wording of the check (第一项加第二项
  之和，等于第三项加第四项之和). Every row has integer counts, as the JSON contract (ARCHITECTURE §8) asks.
- Row codes: ``new``, ``carried_over``, ``outcomes``, an outcome code (``disclosed``,
  ``withheld.state_secret``, …), a group code (``withheld``, ``unavailable``, ``not_processed``,
  ``other`` — the outcome codes' prefixes), ``total``, ``carried_forward``. The group rows and the
  ``outcomes`` row are additions to the §8 list; nothing there changed.
- Columns: the six ``ApplicantType`` values in their order, then ``total``.
- Labels are those of RULES.md, character for character (RULES.md writes 危及"三安全一稳定" with ASCII
  quotes; the template prints “三安全一稳定”).

Table four, 政府信息公开行政复议、行政诉讼情况 — one row of 15 counts. An appeal counts in the year it was
filed; its result is the one known at the end of that year: decided on or before 31 Dec → its result,
decided later or not yet → 尚未审结 (pending). A report for a past year therefore always comes out the
same, whenever it is run. Input kinds (``reconsideration``, ``litigation_direct``,
``litigation_after_reconsideration``) map to the §8 output keys ``review``, ``litigation_direct``,
``litigation_after_review``.

CSV (``render_table_three_csv``, ``render_table_four_csv``): RFC 4180 text with CRLF line ends and no
byte-order mark (adding the BOM for spreadsheet programs is the caller's concern). One header row: the
template's two-level header is flattened as ``法人或其他组织-商业企业``, …, and table four's as
``行政复议-结果维持``, ``行政诉讼-未经复议直接起诉-结果维持``, …. Table three's rows carry their label in the
first column, headed 项目; the indent level is not rendered (the labels' own numbering shows it).

Errors: bad input data raises ``BadRecordError`` (a ``ValueError``) naming the case — a request
concluded before it was received, an outcome without a conclusion date or a conclusion date without an
outcome, an unknown applicant type or outcome, the same case twice; an appeal decided before it was
filed, decided without a date, pending with a decision date, or of an unknown kind or result.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from shared.codes import ApplicantType, Outcome
from shared.text import spreadsheet_safe

__all__ = [
    "APPEAL_KINDS",
    "APPEAL_KIND_LABELS",
    "APPEAL_RESULTS",
    "APPEAL_RESULT_LABELS",
    "COLUMNS",
    "COLUMN_LABELS",
    "AnnualReport",
    "AppealCounts",
    "AppealKind",
    "AppealRecord",
    "AppealResult",
    "BadRecordError",
    "ColumnImbalance",
    "DisclosureRecord",
    "ExcludedRecord",
    "RowKind",
    "TableFour",
    "TableThree",
    "TableThreeRow",
    "check_balance",
    "compile_annual_report",
    "count_table_four",
    "count_table_three",
    "render_table_four_csv",
    "render_table_three_csv",
]

RowKind = Literal["count", "subtotal", "total"]
AppealKind = Literal["reconsideration", "litigation_direct", "litigation_after_reconsideration"]
AppealResult = Literal["upheld", "corrected", "other", "pending"]

APPEAL_KINDS: tuple[AppealKind, ...] = (
    "reconsideration",
    "litigation_direct",
    "litigation_after_reconsideration",
)
APPEAL_RESULTS: tuple[AppealResult, ...] = ("upheld", "corrected", "other", "pending")

TOTAL = "total"
COLUMNS: tuple[str, ...] = (*(applicant.value for applicant in ApplicantType), TOTAL)
"""Table three's columns in order: the six applicant types, then the total."""

_ORGANISATIONS = "法人或其他组织"
COLUMN_LABELS: dict[str, str] = {
    ApplicantType.NATURAL_PERSON.value: "自然人",
    ApplicantType.BUSINESS.value: "商业企业",
    ApplicantType.RESEARCH_INSTITUTION.value: "科研机构",
    ApplicantType.PUBLIC_INTEREST_ORG.value: "社会公益组织",
    ApplicantType.LEGAL_SERVICES_ORG.value: "法律服务机构",
    ApplicantType.OTHER_ORG.value: "其他",
    TOTAL: "总计",
}
"""Chinese column names; the five organisation columns sit under 法人或其他组织 in the template."""


class BadRecordError(ValueError):
    """A record that cannot be counted; ``case_id`` names the case."""

    def __init__(self, case_id: str, problem: str) -> None:
        super().__init__(f"case {case_id!r}: {problem}")
        self.case_id = case_id
        self.problem = problem


@dataclass(frozen=True)
class ExcludedRecord:
    """A stored record the report could not place, left out of the tables so that one bad record never
    takes the whole report down; the admin sees each with its problem and corrects it at the source."""

    case_id: str
    problem: str


# --- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureRecord:
    """One disclosure request (依申请公开) as the report sees it; ``outcome`` is None while it is open."""

    case_id: str
    applicant_type: ApplicantType
    received_on: date
    concluded_on: date | None
    outcome: Outcome | None

    def __post_init__(self) -> None:
        # Records come from storage as plain strings too: accept those, refuse unknown codes.
        try:
            object.__setattr__(self, "applicant_type", ApplicantType(self.applicant_type))
        except ValueError:
            raise BadRecordError(self.case_id, f"unknown applicant type {self.applicant_type!r}") from None
        if self.outcome is not None:
            try:
                object.__setattr__(self, "outcome", Outcome(self.outcome))
            except ValueError:
                raise BadRecordError(self.case_id, f"unknown outcome {self.outcome!r}") from None
        if self.outcome is not None and self.concluded_on is None:
            raise BadRecordError(self.case_id, f"outcome {self.outcome.value!r} but no concluded_on")
        if self.concluded_on is not None and self.outcome is None:
            raise BadRecordError(self.case_id, f"concluded on {self.concluded_on} but no outcome")
        if self.concluded_on is not None and self.concluded_on < self.received_on:
            raise BadRecordError(
                self.case_id,
                f"concluded on {self.concluded_on}, before it was received on {self.received_on}",
            )


@dataclass(frozen=True)
class AppealRecord:
    """An administrative reconsideration (行政复议) or lawsuit (行政诉讼) over a disclosure decision.

    ``result`` is the result as known now; ``decided_on`` is None exactly when it is ``pending``.
    """

    case_id: str
    kind: AppealKind
    filed_on: date
    result: AppealResult
    decided_on: date | None

    def __post_init__(self) -> None:
        if self.kind not in APPEAL_KINDS:
            raise BadRecordError(self.case_id, f"unknown appeal kind {self.kind!r}")
        if self.result not in APPEAL_RESULTS:
            raise BadRecordError(self.case_id, f"unknown appeal result {self.result!r}")
        if self.result == "pending" and self.decided_on is not None:
            raise BadRecordError(self.case_id, f"result pending but decided on {self.decided_on}")
        if self.result != "pending" and self.decided_on is None:
            raise BadRecordError(self.case_id, f"result {self.result!r} but no decided_on")
        if self.decided_on is not None and self.decided_on < self.filed_on:
            raise BadRecordError(
                self.case_id, f"decided on {self.decided_on}, before it was filed on {self.filed_on}"
            )

    def result_at(self, day: date) -> AppealResult:
        """The result as it stood at the end of ``day``."""
        if self.decided_on is None or self.decided_on > day:
            return "pending"
        return self.result


# --- table three ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableThreeRow:
    """One row of table three: ``counts`` holds one integer per column of ``COLUMNS``, in that order."""

    code: str
    label: str
    level: int
    kind: RowKind
    counts: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.counts) != len(COLUMNS):
            raise ValueError(f"row {self.code!r}: {len(self.counts)} counts, expected {len(COLUMNS)}")

    def count(self, column: str) -> int:
        """The count in one column (an applicant type or ``"total"``)."""
        return self.counts[COLUMNS.index(column)]

    def to_dict(self) -> dict[str, object]:
        """The row as ARCHITECTURE §8 serialises it: ``row``, ``label``, ``counts``, plus ``level`` and ``kind``."""
        return {
            "row": self.code,
            "label": self.label,
            "level": self.level,
            "kind": self.kind,
            "counts": dict(zip(COLUMNS, self.counts, strict=True)),
        }


@dataclass(frozen=True)
class TableThree:
    """收到和处理政府信息公开申请情况: the rows in the official order."""

    rows: tuple[TableThreeRow, ...]

    def row(self, code: str) -> TableThreeRow:
        for row in self.rows:
            if row.code == code:
                return row
        raise KeyError(f"table three has no row {code!r}")

    def to_list(self) -> list[dict[str, object]]:
        return [row.to_dict() for row in self.rows]


@dataclass(frozen=True)
class _RowSpec:
    code: str
    label: str
    level: int
    kind: RowKind
    outcomes: tuple[Outcome, ...] = ()
    """For rows of section 三: the outcomes whose counts the row adds up."""


_OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.DISCLOSED: "（一）予以公开",
    Outcome.PARTIALLY_DISCLOSED: "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    Outcome.WITHHELD_STATE_SECRET: "1.属于国家秘密",
    Outcome.WITHHELD_PROHIBITED_BY_LAW: "2.其他法律行政法规禁止公开",
    Outcome.WITHHELD_SECURITY_STABILITY: '3.危及"三安全一稳定"',
    Outcome.WITHHELD_THIRD_PARTY_RIGHTS: "4.保护第三方合法权益",
    Outcome.WITHHELD_INTERNAL_AFFAIRS: "5.属于三类内部事务信息",
    Outcome.WITHHELD_PROCESS_INFORMATION: "6.属于四类过程性信息",
    Outcome.WITHHELD_ENFORCEMENT_FILE: "7.属于行政执法案卷",
    Outcome.WITHHELD_INQUIRY_MATTER: "8.属于行政查询事项",
    Outcome.UNAVAILABLE_NOT_HELD: "1.本机关不掌握相关政府信息",
    Outcome.UNAVAILABLE_NEEDS_CREATION: "2.没有现成信息需要另行制作",
    Outcome.UNAVAILABLE_STILL_UNCLEAR: "3.补正后申请内容仍不明确",
    Outcome.NOT_PROCESSED_PETITION_COMPLAINT: "1.信访举报投诉类申请",
    Outcome.NOT_PROCESSED_REPEATED: "2.重复申请",
    Outcome.NOT_PROCESSED_PUBLICATION: "3.要求提供公开出版物",
    Outcome.NOT_PROCESSED_EXCESSIVE: "4.无正当理由大量反复申请",
    Outcome.NOT_PROCESSED_CONFIRMATION: "5.要求行政机关确认或重新出具已获取信息",
    Outcome.OTHER_NO_SUPPLEMENT: "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    Outcome.OTHER_UNPAID_FEE: "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    Outcome.OTHER_OTHER: "3.其他",
}

# The groups with sub-rows; a group's code is the prefix of its members' outcome codes.
_OUTCOME_GROUPS: tuple[tuple[str, str], ...] = (
    ("withheld", "（三）不予公开"),
    ("unavailable", "（四）无法提供"),
    ("not_processed", "（五）不予处理"),
    ("other", "（六）其他处理"),
)


def _table_three_layout() -> tuple[_RowSpec, ...]:
    specs = [
        _RowSpec("new", "一、本年新收政府信息公开申请数量", 0, "count"),
        _RowSpec("carried_over", "二、上年结转政府信息公开申请数量", 0, "count"),
        _RowSpec("outcomes", "三、本年度办理结果", 0, "subtotal", tuple(Outcome)),
    ]
    for outcome in (Outcome.DISCLOSED, Outcome.PARTIALLY_DISCLOSED):
        specs.append(_RowSpec(outcome.value, _OUTCOME_LABELS[outcome], 1, "count", (outcome,)))
    for group, label in _OUTCOME_GROUPS:
        members = tuple(outcome for outcome in Outcome if outcome.value.startswith(f"{group}."))
        specs.append(_RowSpec(group, label, 1, "subtotal", members))
        specs.extend(
            _RowSpec(member.value, _OUTCOME_LABELS[member], 2, "count", (member,)) for member in members
        )
    specs.append(_RowSpec(TOTAL, "（七）总计", 1, "total", tuple(Outcome)))
    specs.append(_RowSpec("carried_forward", "四、结转下年度继续办理", 0, "count"))
    return tuple(specs)


_TABLE_THREE_LAYOUT = _table_three_layout()


def _cells(by_applicant: Counter[ApplicantType]) -> tuple[int, ...]:
    values = [by_applicant[applicant] for applicant in ApplicantType]
    return (*values, sum(values))


def count_table_three(records: Iterable[DisclosureRecord], year: int) -> TableThree:
    """Count table three for ``year`` from every disclosure request (records of other years are skipped)."""
    first_day, last_day = date(year, 1, 1), date(year, 12, 31)
    new: Counter[ApplicantType] = Counter()
    carried_over: Counter[ApplicantType] = Counter()
    carried_forward: Counter[ApplicantType] = Counter()
    concluded: dict[Outcome, Counter[ApplicantType]] = {outcome: Counter() for outcome in Outcome}
    seen: set[str] = set()
    for record in records:
        if record.case_id in seen:
            raise BadRecordError(record.case_id, "appears twice")
        seen.add(record.case_id)
        if record.received_on > last_day:
            continue
        if record.concluded_on is not None and record.concluded_on < first_day:
            continue
        (new if record.received_on >= first_day else carried_over)[record.applicant_type] += 1
        if record.concluded_on is None or record.concluded_on > last_day:
            carried_forward[record.applicant_type] += 1
        else:
            assert record.outcome is not None  # DisclosureRecord refuses a conclusion without an outcome
            concluded[record.outcome][record.applicant_type] += 1

    outside_section_three = {"new": new, "carried_over": carried_over, "carried_forward": carried_forward}
    rows: list[TableThreeRow] = []
    for spec in _TABLE_THREE_LAYOUT:
        by_applicant = outside_section_three.get(spec.code)
        if by_applicant is None:
            by_applicant = sum((concluded[outcome] for outcome in spec.outcomes), Counter())
        rows.append(TableThreeRow(spec.code, spec.label, spec.level, spec.kind, _cells(by_applicant)))
    return TableThree(tuple(rows))


@dataclass(frozen=True)
class ColumnImbalance:
    """A column where 一 + 二 differs from （七）总计 + 四."""

    column: str
    new: int
    carried_over: int
    total: int
    carried_forward: int

    @property
    def message(self) -> str:
        return (
            f"column {self.column} ({COLUMN_LABELS.get(self.column, self.column)}): "
            f"一 + 二 = {self.new} + {self.carried_over} = {self.new + self.carried_over}, but "
            f"（七）总计 + 四 = {self.total} + {self.carried_forward} = {self.total + self.carried_forward}"
        )


def check_balance(table: TableThree) -> tuple[ColumnImbalance, ...]:
    """The columns where 一 + 二 = （七）总计 + 四 fails; empty when the table balances."""
    new, carried_over = table.row("new"), table.row("carried_over")
    total, carried_forward = table.row(TOTAL), table.row("carried_forward")
    return tuple(
        ColumnImbalance(
            column,
            new.count(column),
            carried_over.count(column),
            total.count(column),
            carried_forward.count(column),
        )
        for column in COLUMNS
        if new.count(column) + carried_over.count(column)
        != total.count(column) + carried_forward.count(column)
    )


# --- table four -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealCounts:
    """结果维持, 结果纠正, 其他结果, 尚未审结 and their 总计, for one kind of appeal."""

    upheld: int = 0
    corrected: int = 0
    other: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.upheld + self.corrected + self.other + self.pending

    def cells(self) -> tuple[int, int, int, int, int]:
        return (self.upheld, self.corrected, self.other, self.pending, self.total)

    def to_dict(self) -> dict[str, int]:
        return dict(zip((*APPEAL_RESULTS, TOTAL), self.cells(), strict=True))


@dataclass(frozen=True)
class TableFour:
    """政府信息公开行政复议、行政诉讼情况; the field names are the ARCHITECTURE §8 keys."""

    review: AppealCounts
    litigation_direct: AppealCounts
    litigation_after_review: AppealCounts

    def cells(self) -> tuple[int, ...]:
        """The 15 counts in the template's order."""
        return (*self.review.cells(), *self.litigation_direct.cells(), *self.litigation_after_review.cells())

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {
            "review": self.review.to_dict(),
            "litigation_direct": self.litigation_direct.to_dict(),
            "litigation_after_review": self.litigation_after_review.to_dict(),
        }


def count_table_four(appeals: Iterable[AppealRecord], year: int) -> TableFour:
    """Count the appeals filed in ``year``, each with its result as known on 31 December."""
    last_day = date(year, 12, 31)
    counts: Counter[tuple[AppealKind, AppealResult]] = Counter(
        (appeal.kind, appeal.result_at(last_day)) for appeal in appeals if appeal.filed_on.year == year
    )

    def of(kind: AppealKind) -> AppealCounts:
        return AppealCounts(*(counts[kind, result] for result in APPEAL_RESULTS))

    return TableFour(
        review=of("reconsideration"),
        litigation_direct=of("litigation_direct"),
        litigation_after_review=of("litigation_after_reconsideration"),
    )


# --- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualReport:
    year: int
    table_three: TableThree
    table_four: TableFour
    excluded: tuple[ExcludedRecord, ...] = ()
    """Records that could not be placed and are not counted; the public sees how many, admins which."""

    @property
    def imbalances(self) -> tuple[ColumnImbalance, ...]:
        return check_balance(self.table_three)

    @property
    def balanced(self) -> bool:
        """Whether 一 + 二 = （七）总计 + 四 holds in every column of table three."""
        return not self.imbalances

    def to_dict(self) -> dict[str, object]:
        """The body of ``GET /api/v1/reports/disclosure/{year}`` (ARCHITECTURE §8), plus the balance check."""
        return {
            "year": self.year,
            "table_three": self.table_three.to_list(),
            "table_four": self.table_four.to_dict(),
            "balanced": self.balanced,
            "balance_problems": [imbalance.message for imbalance in self.imbalances],
            "excluded_records": len(self.excluded),
        }


def compile_annual_report(
    year: int,
    records: Iterable[DisclosureRecord],
    appeals: Iterable[AppealRecord],
    excluded: Iterable[ExcludedRecord] = (),
) -> AnnualReport:
    return AnnualReport(
        year, count_table_three(records, year), count_table_four(appeals, year), tuple(excluded)
    )


# --- CSV ------------------------------------------------------------------------------------------


def _csv_text(rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _flat_column_header(column: str) -> str:
    if column in (ApplicantType.NATURAL_PERSON.value, TOTAL):
        return COLUMN_LABELS[column]
    return f"{_ORGANISATIONS}-{COLUMN_LABELS[column]}"


def render_table_three_csv(table: TableThree) -> str:
    """Table three as CSV: the header 项目, 自然人, 法人或其他组织-商业企业, …, 总计, then one line per row."""
    header = ["项目", *(_flat_column_header(column) for column in COLUMNS)]
    return _csv_text([header, *([row.label, *row.counts] for row in table.rows)])


APPEAL_KIND_LABELS = ("行政复议", "行政诉讼-未经复议直接起诉", "行政诉讼-复议后起诉")
"""Table four's row groups, in the order of ``APPEAL_KINDS`` (and of ``TableFour``'s fields)."""
APPEAL_RESULT_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
"""Table four's columns in each group: ``APPEAL_RESULTS``, then the total."""


def render_table_four_csv(table: TableFour) -> str:
    """Table four as CSV: a header of 15 flattened names (行政复议-结果维持, …), then the one row of counts."""
    header = [f"{group}-{result}" for group in APPEAL_KIND_LABELS for result in APPEAL_RESULT_LABELS]
    return _csv_text([header, table.cells()])
