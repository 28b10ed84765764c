"""Unit tests for annual-report tables three and four (pure, no fixtures)."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.publishing.annual_report import (
    COLUMNS,
    AnnualReport,
    AppealCounts,
    AppealKind,
    AppealRecord,
    AppealResult,
    BadRecordError,
    ColumnImbalance,
    DisclosureRecord,
    TableFour,
    TableThree,
    TableThreeRow,
    check_balance,
    compile_annual_report,
    count_table_four,
    count_table_three,
    render_table_four_csv,
    render_table_three_csv,
)
from shared.codes import ApplicantType, Outcome

YEAR = 2025
ZEROS: tuple[int, ...] = (0, 0, 0, 0, 0, 0, 0)

# The whole of table three as RULES.md lists it: (code, level, label), in order.
EXPECTED_LAYOUT: list[tuple[str, int, str]] = [
    ("new", 0, "一、本年新收政府信息公开申请数量"),
    ("carried_over", 0, "二、上年结转政府信息公开申请数量"),
    ("outcomes", 0, "三、本年度办理结果"),
    ("disclosed", 1, "（一）予以公开"),
    ("partially_disclosed", 1, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("withheld", 1, "（三）不予公开"),
    ("withheld.state_secret", 2, "1.属于国家秘密"),
    ("withheld.prohibited_by_law", 2, "2.其他法律行政法规禁止公开"),
    ("withheld.security_stability", 2, '3.危及"三安全一稳定"'),
    ("withheld.third_party_rights", 2, "4.保护第三方合法权益"),
    ("withheld.internal_affairs", 2, "5.属于三类内部事务信息"),
    ("withheld.process_information", 2, "6.属于四类过程性信息"),
    ("withheld.enforcement_file", 2, "7.属于行政执法案卷"),
    ("withheld.inquiry_matter", 2, "8.属于行政查询事项"),
    ("unavailable", 1, "（四）无法提供"),
    ("unavailable.not_held", 2, "1.本机关不掌握相关政府信息"),
    ("unavailable.needs_creation", 2, "2.没有现成信息需要另行制作"),
    ("unavailable.still_unclear", 2, "3.补正后申请内容仍不明确"),
    ("not_processed", 1, "（五）不予处理"),
    ("not_processed.petition_complaint", 2, "1.信访举报投诉类申请"),
    ("not_processed.repeated", 2, "2.重复申请"),
    ("not_processed.publication", 2, "3.要求提供公开出版物"),
    ("not_processed.excessive", 2, "4.无正当理由大量反复申请"),
    ("not_processed.confirmation", 2, "5.要求行政机关确认或重新出具已获取信息"),
    ("other", 1, "（六）其他处理"),
    ("other.no_supplement", 2, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.unpaid_fee", 2, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other.other", 2, "3.其他"),
    ("total", 1, "（七）总计"),
    ("carried_forward", 0, "四、结转下年度继续办理"),
]


def _parent_groups() -> dict[str, str]:
    """Each level-2 row's group row, read off EXPECTED_LAYOUT (not from the module)."""
    parents: dict[str, str] = {}
    group = ""
    for code, level, _label in EXPECTED_LAYOUT:
        if level == 1:
            group = code
        elif level == 2:
            parents[code] = group
    return parents


PARENT_GROUP = _parent_groups()


def request(
    case_id: str,
    received_on: date,
    concluded_on: date | None = None,
    outcome: Outcome | None = None,
    applicant_type: ApplicantType = ApplicantType.NATURAL_PERSON,
) -> DisclosureRecord:
    if concluded_on is not None and outcome is None:
        outcome = Outcome.DISCLOSED
    return DisclosureRecord(case_id, applicant_type, received_on, concluded_on, outcome)


def grid(table: TableThree) -> dict[str, tuple[int, ...]]:
    return {row.code: row.counts for row in table.rows}


def one_hot(applicant: ApplicantType) -> tuple[int, ...]:
    """A row of counts with 1 in the applicant's column and 1 in the total."""
    return tuple(1 if column in (applicant.value, "total") else 0 for column in COLUMNS)


# --- layout ---------------------------------------------------------------------------------------


def test_table_three_has_the_official_rows_in_order() -> None:
    table = count_table_three([], YEAR)

    assert [(row.code, row.level, row.label) for row in table.rows] == EXPECTED_LAYOUT
    assert [
        row.code for row in table.rows if row.level == 2 or row.code in ("disclosed", "partially_disclosed")
    ] == [outcome.value for outcome in Outcome]
    assert all(row.counts == ZEROS for row in table.rows)
    assert COLUMNS == (
        "natural_person",
        "business",
        "research_institution",
        "public_interest_org",
        "legal_services_org",
        "other_org",
        "total",
    )


def test_row_kinds() -> None:
    kinds = {row.code: row.kind for row in count_table_three([], YEAR).rows}

    assert [code for code, kind in kinds.items() if kind == "subtotal"] == [
        "outcomes",
        "withheld",
        "unavailable",
        "not_processed",
        "other",
    ]
    assert [code for code, kind in kinds.items() if kind == "total"] == ["total"]


# --- every outcome row × every applicant column ---------------------------------------------------


@pytest.mark.parametrize("applicant", list(ApplicantType), ids=str)
@pytest.mark.parametrize("outcome", list(Outcome), ids=str)
def test_one_concluded_request_lands_in_its_cell(outcome: Outcome, applicant: ApplicantType) -> None:
    record = request("c-1", date(2025, 3, 2), date(2025, 3, 20), outcome, applicant)

    table = count_table_three([record], YEAR)

    expected = {code: ZEROS for code, _level, _label in EXPECTED_LAYOUT}
    for code in ("new", "outcomes", outcome.value, "total"):
        expected[code] = one_hot(applicant)
    if outcome.value in PARENT_GROUP:
        expected[PARENT_GROUP[outcome.value]] = one_hot(applicant)
    assert grid(table) == expected
    assert table.row(outcome.value).count(applicant) == 1
    assert table.row(outcome.value).count("total") == 1
    assert check_balance(table) == ()


def test_counts_add_up_within_groups_and_columns() -> None:
    records = [
        request(
            "a", date(2025, 1, 5), date(2025, 1, 6), Outcome.WITHHELD_STATE_SECRET, ApplicantType.BUSINESS
        ),
        request(
            "b", date(2025, 1, 5), date(2025, 1, 6), Outcome.WITHHELD_STATE_SECRET, ApplicantType.BUSINESS
        ),
        request(
            "c", date(2025, 2, 5), date(2025, 2, 6), Outcome.WITHHELD_INQUIRY_MATTER, ApplicantType.OTHER_ORG
        ),
        request(
            "d", date(2025, 3, 5), date(2025, 3, 6), Outcome.OTHER_UNPAID_FEE, ApplicantType.NATURAL_PERSON
        ),
        request("e", date(2025, 4, 5), date(2025, 4, 6), Outcome.DISCLOSED, ApplicantType.NATURAL_PERSON),
        request("f", date(2025, 5, 5), None, None, ApplicantType.RESEARCH_INSTITUTION),
    ]

    table = count_table_three(records, YEAR)

    assert table.row("withheld.state_secret").counts == (0, 2, 0, 0, 0, 0, 2)
    assert table.row("withheld.inquiry_matter").counts == (0, 0, 0, 0, 0, 1, 1)
    assert table.row("withheld").counts == (0, 2, 0, 0, 0, 1, 3)
    assert table.row("other").counts == (1, 0, 0, 0, 0, 0, 1)
    assert table.row("unavailable").counts == ZEROS
    assert table.row("outcomes").counts == (2, 2, 0, 0, 0, 1, 5)
    assert table.row("total").counts == (2, 2, 0, 0, 0, 1, 5)
    assert table.row("new").counts == (2, 2, 1, 0, 0, 1, 6)
    assert table.row("carried_forward").counts == (0, 0, 1, 0, 0, 0, 1)


# --- year boundaries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_on", "concluded_on", "year", "expected"),
    [
        # expected: (new, carried_over, total, carried_forward) in the natural-person column
        pytest.param(date(2024, 12, 30), date(2025, 1, 10), 2024, (1, 0, 0, 1), id="dec-jan-in-first-year"),
        pytest.param(date(2024, 12, 30), date(2025, 1, 10), 2025, (0, 1, 1, 0), id="dec-jan-in-second-year"),
        pytest.param(date(2024, 12, 30), date(2025, 1, 10), 2026, (0, 0, 0, 0), id="dec-jan-later-year"),
        pytest.param(date(2024, 12, 31), date(2024, 12, 31), 2024, (1, 0, 1, 0), id="same-day-on-dec-31"),
        pytest.param(date(2024, 12, 31), date(2024, 12, 31), 2025, (0, 0, 0, 0), id="concluded-dec-31-gone"),
        pytest.param(date(2024, 12, 31), date(2025, 1, 1), 2025, (0, 1, 1, 0), id="concluded-jan-1"),
        pytest.param(date(2025, 1, 1), date(2025, 12, 31), 2025, (1, 0, 1, 0), id="whole-year"),
        pytest.param(date(2025, 12, 31), None, 2025, (1, 0, 0, 1), id="received-dec-31-open"),
        pytest.param(
            date(2025, 12, 31), date(2026, 1, 1), 2025, (1, 0, 0, 1), id="received-dec-31-done-jan-1"
        ),
        pytest.param(date(2025, 12, 31), date(2026, 1, 1), 2026, (0, 1, 1, 0), id="next-year-concludes"),
        pytest.param(date(2023, 6, 1), None, 2025, (0, 1, 0, 1), id="open-for-years"),
        pytest.param(date(2023, 6, 1), date(2025, 6, 1), 2025, (0, 1, 1, 0), id="concluded-after-two-years"),
        pytest.param(date(2026, 1, 1), None, 2025, (0, 0, 0, 0), id="received-next-year"),
        pytest.param(date(2024, 1, 1), date(2024, 12, 31), 2025, (0, 0, 0, 0), id="previous-year-done"),
    ],
)
def test_year_boundaries(
    received_on: date, concluded_on: date | None, year: int, expected: tuple[int, ...]
) -> None:
    table = count_table_three([request("c-1", received_on, concluded_on)], year)

    rows = ("new", "carried_over", "total", "carried_forward")
    assert tuple(table.row(code).count(ApplicantType.NATURAL_PERSON) for code in rows) == expected
    assert tuple(table.row(code).count("total") for code in rows) == expected
    assert check_balance(table) == ()


# --- the check 一 + 二 = （七）总计 + 四 -------------------------------------------------------------


def random_records(rng: random.Random, count: int) -> list[DisclosureRecord]:
    records = []
    start = date(2022, 1, 1)
    for number in range(count):
        received_on = start + timedelta(days=rng.randrange(5 * 365))
        applicant = rng.choice(list(ApplicantType))
        if rng.random() < 0.75:
            concluded_on: date | None = received_on + timedelta(days=rng.randrange(0, 120))
            outcome: Outcome | None = rng.choice(list(Outcome))
        else:
            concluded_on, outcome = None, None
        records.append(DisclosureRecord(f"case-{number}", applicant, received_on, concluded_on, outcome))
    return records


def naive_table(records: list[DisclosureRecord], year: int) -> dict[str, dict[str, int]]:
    """An independent count, one record and one condition at a time, leaf rows and the four checked rows."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    cells: dict[str, dict[str, int]] = {}

    def add(row: str, applicant: ApplicantType) -> None:
        cells.setdefault(row, dict.fromkeys(COLUMNS, 0))
        cells[row][applicant.value] += 1
        cells[row]["total"] += 1

    for record in records:
        if first <= record.received_on <= last:
            add("new", record.applicant_type)
        if record.received_on < first and (record.concluded_on is None or record.concluded_on >= first):
            add("carried_over", record.applicant_type)
        if record.concluded_on is not None and first <= record.concluded_on <= last:
            assert record.outcome is not None
            add(record.outcome.value, record.applicant_type)
            add("total", record.applicant_type)
        if record.received_on <= last and (record.concluded_on is None or record.concluded_on > last):
            add("carried_forward", record.applicant_type)
    return cells


@pytest.mark.parametrize("seed", [1, 2, 2025])
def test_random_dataset_balances_and_matches_a_naive_count(seed: int) -> None:
    records = random_records(random.Random(seed), 600)

    for year in (2022, 2023, 2024, 2025, 2026):
        table = count_table_three(records, year)
        expected = naive_table(records, year)

        assert check_balance(table) == ()
        for code, _level, _label in EXPECTED_LAYOUT:
            if code in expected:
                assert dict(zip(COLUMNS, table.row(code).counts, strict=True)) == expected[code], code
            elif code not in PARENT_GROUP.values() and code != "outcomes":
                assert table.row(code).counts == ZEROS, code
        for group in set(PARENT_GROUP.values()):
            members = [code for code, parent in PARENT_GROUP.items() if parent == group]
            assert table.row(group).counts == tuple(
                sum(table.row(member).counts[i] for member in members) for i in range(len(COLUMNS))
            )
        assert table.row("outcomes").counts == table.row("total").counts
    # What is carried into the next year is what that year carries over.
    for year in (2022, 2023, 2024, 2025):
        assert (
            count_table_three(records, year).row("carried_forward").counts
            == count_table_three(records, year + 1).row("carried_over").counts
        )
    # The dataset exercises every part of the check in the report's year.
    table = count_table_three(records, YEAR)
    assert all(
        table.row(code).count("total") > 0 for code in ("new", "carried_over", "total", "carried_forward")
    )


def test_random_dataset_exact_numbers() -> None:
    """Numbers recorded for one seed (and agreeing with naive_table): a change in the counting rules shows here."""
    table = count_table_three(random_records(random.Random(7), 300), YEAR)

    assert table.row("new").counts == (3, 13, 6, 10, 8, 5, 45)
    assert table.row("carried_over").counts == (10, 5, 11, 9, 7, 8, 50)
    assert table.row("total").counts == (1, 12, 7, 7, 5, 4, 36)
    assert table.row("carried_forward").counts == (12, 6, 10, 12, 10, 9, 59)


def with_row(table: TableThree, code: str, counts: tuple[int, ...]) -> TableThree:
    return TableThree(tuple(replace(row, counts=counts) if row.code == code else row for row in table.rows))


def test_check_balance_finds_the_broken_columns() -> None:
    records = [
        request("a", date(2024, 11, 1), None, None, ApplicantType.BUSINESS),
        request("b", date(2025, 2, 1), date(2025, 2, 20), Outcome.DISCLOSED, ApplicantType.BUSINESS),
        request("c", date(2025, 3, 1), date(2025, 3, 5), Outcome.OTHER_OTHER, ApplicantType.NATURAL_PERSON),
    ]
    table = count_table_three(records, YEAR)
    assert table.row("total").counts == (1, 1, 0, 0, 0, 0, 2)
    # Someone typed 2 instead of 1 for businesses in （七）总计, and fixed the sum.
    broken = with_row(table, "total", (1, 2, 0, 0, 0, 0, 3))

    imbalances = check_balance(broken)

    assert imbalances == (
        ColumnImbalance("business", new=1, carried_over=1, total=2, carried_forward=1),
        ColumnImbalance("total", new=2, carried_over=1, total=3, carried_forward=1),
    )
    assert imbalances[0].message == (
        "column business (商业企业): 一 + 二 = 1 + 1 = 2, but （七）总计 + 四 = 2 + 1 = 3"
    )
    report = AnnualReport(YEAR, broken, count_table_four([], YEAR))
    assert report.balanced is False
    assert report.to_dict()["balance_problems"] == [imbalance.message for imbalance in imbalances]
    assert AnnualReport(YEAR, table, count_table_four([], YEAR)).balanced is True


def test_check_balance_needs_the_four_rows() -> None:
    table = count_table_three([], YEAR)
    without_total = TableThree(tuple(row for row in table.rows if row.code != "total"))

    with pytest.raises(KeyError, match="total"):
        check_balance(without_total)


def test_a_row_must_have_seven_counts() -> None:
    with pytest.raises(ValueError, match="6 counts, expected 7"):
        TableThreeRow("new", "一、本年新收政府信息公开申请数量", 0, "count", (0, 0, 0, 0, 0, 0))


# --- bad data -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_on", "concluded_on", "outcome", "applicant_type", "message"),
    [
        pytest.param(
            date(2025, 3, 2),
            date(2025, 3, 1),
            Outcome.DISCLOSED,
            ApplicantType.NATURAL_PERSON,
            r"case 'case-17': concluded on 2025-03-01, before it was received on 2025-03-02",
            id="concluded-before-received",
        ),
        pytest.param(
            date(2025, 3, 2),
            None,
            Outcome.WITHHELD_STATE_SECRET,
            ApplicantType.NATURAL_PERSON,
            r"case 'case-17': outcome 'withheld.state_secret' but no concluded_on",
            id="outcome-without-date",
        ),
        pytest.param(
            date(2025, 3, 2),
            date(2025, 3, 3),
            None,
            ApplicantType.NATURAL_PERSON,
            r"case 'case-17': concluded on 2025-03-03 but no outcome",
            id="date-without-outcome",
        ),
        pytest.param(
            date(2025, 3, 2),
            date(2025, 3, 3),
            "withheld.sensitive",
            ApplicantType.NATURAL_PERSON,
            r"case 'case-17': unknown outcome 'withheld.sensitive'",
            id="unknown-outcome",
        ),
        pytest.param(
            date(2025, 3, 2),
            None,
            None,
            "government",
            r"case 'case-17': unknown applicant type 'government'",
            id="unknown-applicant",
        ),
    ],
)
def test_bad_disclosure_records_are_refused(
    received_on: date, concluded_on: date | None, outcome: object, applicant_type: object, message: str
) -> None:
    with pytest.raises(BadRecordError, match=message) as caught:
        DisclosureRecord("case-17", applicant_type, received_on, concluded_on, outcome)  # type: ignore[arg-type]

    assert isinstance(caught.value, ValueError)
    assert caught.value.case_id == "case-17"


def test_codes_from_storage_become_enums() -> None:
    record = DisclosureRecord("c-1", "business", date(2025, 1, 2), date(2025, 1, 3), "other.other")  # type: ignore[arg-type]

    assert record.applicant_type is ApplicantType.BUSINESS
    assert record.outcome is Outcome.OTHER_OTHER


def test_the_same_case_twice_is_refused() -> None:
    records = [request("dup", date(2025, 1, 2)), request("dup", date(2020, 1, 2), date(2020, 1, 3))]

    with pytest.raises(BadRecordError, match="case 'dup': appears twice"):
        count_table_three(records, YEAR)


# --- table four -----------------------------------------------------------------------------------


def appeal(
    kind: AppealKind, filed_on: date, result: AppealResult = "pending", decided_on: date | None = None
) -> AppealRecord:
    return AppealRecord("c-1", kind, filed_on, result, decided_on)


KIND_OFFSET: dict[AppealKind, int] = {
    "reconsideration": 0,
    "litigation_direct": 5,
    "litigation_after_reconsideration": 10,
}
RESULT_OFFSET: dict[AppealResult, int] = {"upheld": 0, "corrected": 1, "other": 2, "pending": 3}


@pytest.mark.parametrize("kind", list(KIND_OFFSET))
@pytest.mark.parametrize(
    ("filed_on", "result", "decided_on", "counted_as"),
    [
        pytest.param(date(2025, 3, 1), "upheld", date(2025, 6, 1), "upheld", id="upheld-in-year"),
        pytest.param(date(2025, 3, 1), "corrected", date(2025, 12, 31), "corrected", id="corrected-dec-31"),
        pytest.param(date(2025, 1, 1), "other", date(2025, 1, 1), "other", id="other-jan-1"),
        pytest.param(date(2025, 11, 1), "pending", None, "pending", id="still-pending"),
        pytest.param(date(2025, 11, 1), "corrected", date(2026, 1, 1), "pending", id="decided-next-year"),
        pytest.param(date(2025, 12, 31), "upheld", date(2026, 2, 1), "pending", id="filed-dec-31"),
        pytest.param(date(2024, 12, 31), "upheld", date(2025, 1, 5), None, id="filed-previous-year"),
        pytest.param(date(2024, 5, 1), "pending", None, None, id="pending-from-previous-year"),
        pytest.param(date(2026, 1, 1), "upheld", date(2026, 1, 2), None, id="filed-next-year"),
    ],
)
def test_one_appeal_lands_in_its_cell(
    kind: AppealKind,
    filed_on: date,
    result: AppealResult,
    decided_on: date | None,
    counted_as: AppealResult | None,
) -> None:
    table = count_table_four([appeal(kind, filed_on, result, decided_on)], YEAR)

    expected = [0] * 15
    if counted_as is not None:
        expected[KIND_OFFSET[kind] + RESULT_OFFSET[counted_as]] = 1
        expected[KIND_OFFSET[kind] + 4] = 1  # the kind's 总计
    assert table.cells() == tuple(expected)


def test_table_four_mixed_year() -> None:
    appeals = [
        appeal("reconsideration", date(2025, 2, 1), "upheld", date(2025, 3, 1)),
        appeal("reconsideration", date(2025, 2, 2), "upheld", date(2025, 4, 1)),
        appeal("reconsideration", date(2025, 5, 1), "corrected", date(2025, 7, 1)),
        appeal("reconsideration", date(2025, 12, 1)),
        appeal("litigation_direct", date(2025, 4, 1), "other", date(2025, 9, 9)),
        appeal("litigation_direct", date(2025, 10, 1), "upheld", date(2026, 3, 1)),
        appeal("litigation_after_reconsideration", date(2025, 8, 1), "corrected", date(2025, 11, 1)),
        appeal("litigation_after_reconsideration", date(2024, 8, 1), "corrected", date(2025, 1, 1)),
    ]

    table = count_table_four(appeals, YEAR)

    assert table.review == AppealCounts(upheld=2, corrected=1, other=0, pending=1)
    assert table.cells() == (2, 1, 0, 1, 4, 0, 0, 1, 1, 2, 0, 1, 0, 0, 1)
    assert table.to_dict() == {
        "review": {"upheld": 2, "corrected": 1, "other": 0, "pending": 1, "total": 4},
        "litigation_direct": {"upheld": 0, "corrected": 0, "other": 1, "pending": 1, "total": 2},
        "litigation_after_review": {"upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1},
    }
    assert count_table_four(appeals, 2024).cells() == (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1)


@pytest.mark.parametrize(
    ("kind", "filed_on", "result", "decided_on", "message"),
    [
        pytest.param(
            "reconsideration",
            date(2025, 3, 2),
            "upheld",
            date(2025, 3, 1),
            r"case 'a-9': decided on 2025-03-01, before it was filed on 2025-03-02",
            id="decided-before-filed",
        ),
        pytest.param(
            "litigation_direct",
            date(2025, 3, 2),
            "corrected",
            None,
            r"case 'a-9': result 'corrected' but no decided_on",
            id="decided-without-date",
        ),
        pytest.param(
            "litigation_direct",
            date(2025, 3, 2),
            "pending",
            date(2025, 4, 1),
            r"case 'a-9': result pending but decided on 2025-04-01",
            id="pending-with-date",
        ),
        pytest.param(
            "petition",
            date(2025, 3, 2),
            "pending",
            None,
            r"case 'a-9': unknown appeal kind 'petition'",
            id="kind",
        ),
        pytest.param(
            "reconsideration",
            date(2025, 3, 2),
            "won",
            date(2025, 4, 1),
            r"case 'a-9': unknown appeal result 'won'",
            id="result",
        ),
    ],
)
def test_bad_appeal_records_are_refused(
    kind: str, filed_on: date, result: str, decided_on: date | None, message: str
) -> None:
    with pytest.raises(BadRecordError, match=message):
        AppealRecord("a-9", kind, filed_on, result, decided_on)  # type: ignore[arg-type]


# --- the report and its JSON shape ----------------------------------------------------------------


def test_report_serialises_as_the_contract_says() -> None:
    report = compile_annual_report(
        YEAR,
        [
            request(
                "c-1",
                date(2025, 4, 1),
                date(2025, 4, 2),
                Outcome.PARTIALLY_DISCLOSED,
                ApplicantType.LEGAL_SERVICES_ORG,
            )
        ],
        [appeal("reconsideration", date(2025, 5, 1))],
    )

    body = report.to_dict()

    assert body["year"] == YEAR
    assert body["balanced"] is True
    assert body["balance_problems"] == []
    rows = body["table_three"]
    assert isinstance(rows, list)
    assert len(rows) == 30
    assert rows[4] == {
        "row": "partially_disclosed",
        "label": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "level": 1,
        "kind": "count",
        "counts": {
            "natural_person": 0,
            "business": 0,
            "research_institution": 0,
            "public_interest_org": 0,
            "legal_services_org": 1,
            "other_org": 0,
            "total": 1,
        },
    }
    assert body["table_four"] == {
        "review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
        "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
        "litigation_after_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    }


# --- CSV ------------------------------------------------------------------------------------------


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_table_three_csv() -> None:
    records = [
        request(
            "a", date(2025, 1, 5), date(2025, 1, 6), Outcome.WITHHELD_STATE_SECRET, ApplicantType.BUSINESS
        ),
        request(
            "b",
            date(2025, 1, 5),
            date(2025, 1, 9),
            Outcome.WITHHELD_SECURITY_STABILITY,
            ApplicantType.NATURAL_PERSON,
        ),
        request("c", date(2025, 7, 5), None, None, ApplicantType.PUBLIC_INTEREST_ORG),
    ]

    text = render_table_three_csv(count_table_three(records, YEAR))
    lines = parse_csv(text)

    assert text.startswith("项目,自然人,法人或其他组织-商业企业,")
    assert text.endswith("\r\n")
    assert not text.startswith("\ufeff")
    assert lines[0] == [
        "项目",
        "自然人",
        "法人或其他组织-商业企业",
        "法人或其他组织-科研机构",
        "法人或其他组织-社会公益组织",
        "法人或其他组织-法律服务机构",
        "法人或其他组织-其他",
        "总计",
    ]
    assert len(lines) == 31
    assert [line[0] for line in lines[1:]] == [label for _code, _level, label in EXPECTED_LAYOUT]
    assert lines[1] == ["一、本年新收政府信息公开申请数量", "1", "1", "0", "1", "0", "0", "3"]
    assert lines[6] == ["（三）不予公开", "1", "1", "0", "0", "0", "0", "2"]
    assert lines[9] == ['3.危及"三安全一稳定"', "1", "0", "0", "0", "0", "0", "1"]
    assert '"3.危及""三安全一稳定"""' in text  # the quotes in the label are escaped
    assert lines[30] == ["四、结转下年度继续办理", "0", "0", "0", "1", "0", "0", "1"]


def test_table_four_csv() -> None:
    table = TableFour(
        review=AppealCounts(upheld=3, corrected=1, other=0, pending=2),
        litigation_direct=AppealCounts(upheld=1),
        litigation_after_review=AppealCounts(corrected=2, pending=1),
    )

    lines = parse_csv(render_table_four_csv(table))

    assert lines == [
        [
            "行政复议-结果维持",
            "行政复议-结果纠正",
            "行政复议-其他结果",
            "行政复议-尚未审结",
            "行政复议-总计",
            "行政诉讼-未经复议直接起诉-结果维持",
            "行政诉讼-未经复议直接起诉-结果纠正",
            "行政诉讼-未经复议直接起诉-其他结果",
            "行政诉讼-未经复议直接起诉-尚未审结",
            "行政诉讼-未经复议直接起诉-总计",
            "行政诉讼-复议后起诉-结果维持",
            "行政诉讼-复议后起诉-结果纠正",
            "行政诉讼-复议后起诉-其他结果",
            "行政诉讼-复议后起诉-尚未审结",
            "行政诉讼-复议后起诉-总计",
        ],
        ["3", "1", "0", "2", "6", "1", "0", "0", "0", "1", "0", "2", "0", "1", "3"],
    ]
