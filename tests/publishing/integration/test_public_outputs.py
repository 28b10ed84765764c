"""What the public reads — replies with search and pages, statistics, the annual report, feeds —
counted from real events on the real broker and each database."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from uuid import uuid4
from xml.etree import ElementTree as ET

import httpx
import pytest

from shared.codes import ApplicantType, Outcome, Rating, Role
from shared.events import CaseRated, CaseReopened, Contact, EventPayload, SubmissionReceived
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.events import (
    ENGINEERING,
    OPEN_GOVERNMENT,
    assigned,
    disclosure_request,
    due,
    letter,
    replied,
)
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.publishing import publish_replies
from tests.support.services import assert_error, bearer

pytestmark = pytest.mark.kafka

WRITER = Contact(name="周晓明", phone="13712345678")


def request(applicant: ApplicantType, on: date, name: str) -> SubmissionReceived:
    return disclosure_request(applicant, on=on, contact=Contact(name=name, phone="13512345678"))


async def test_published_replies_are_listed_searched_paged_and_shown_one_by_one(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = publishing
    parking = letter("人防工程车位", "小区人防工程的车位能否出租？", on=date(2025, 3, 3), contact=WRITER)
    siren = letter("防空警报试鸣", "今年防空警报什么时候试鸣？", on=date(2025, 3, 4), contact=WRITER)
    private = letter("车位私事", "车位的事情不要公开。", on=date(2025, 3, 5), contact=WRITER, consent=False)
    await publish_replies(
        client,
        producer,
        topics,
        [
            parking,
            siren,
            private,
            replied(parking, "人防工程车位可依法出租，周晓明您好。", on=date(2025, 3, 6)),
            replied(siren, "每年9月第三个星期六试鸣。", on=date(2025, 3, 7)),
        ],
    )
    everything = (await client.get("/api/v1/replies")).json()
    assert everything["total"] == 2
    assert [i["subject"] for i in everything["items"]] == ["防空警报试鸣", "人防工程车位"], "newest first"

    found = (await client.get("/api/v1/replies", params={"q": "人防 车位"})).json()
    assert [i["subject"] for i in found["items"]] == ["人防工程车位"]
    assert found["q"] == "人防 车位"
    assert (await client.get("/api/v1/replies", params={"q": "试鸣"})).json()["total"] == 1
    assert (await client.get("/api/v1/replies", params={"q": "周晓明"})).json()["total"] == 0, (
        "names are masked"
    )
    assert (await client.get("/api/v1/replies", params={"q": "%"})).json()["total"] == 0, "no wildcard"
    assert (await client.get("/api/v1/replies", params={"q": "私事"})).json()["total"] == 0

    second = (await client.get("/api/v1/replies", params={"limit": 1, "offset": 1})).json()
    assert (second["total"], [i["subject"] for i in second["items"]]) == (2, ["人防工程车位"])
    assert_error(await client.get("/api/v1/replies", params={"limit": 0}), 422, "validation_error")
    assert_error(await client.get("/api/v1/replies", params={"q": "长" * 101}), 422, "validation_error")

    one = (await client.get(f"/api/v1/replies/{second['items'][0]['id']}")).json()
    assert one["reply"] == "人防工程车位可依法出租，周*明您好。"
    assert_error(await client.get(f"/api/v1/replies/{uuid4()}"), 404, "not_found")
    assert_error(await client.get("/api/v1/replies/not-an-id"), 422, "validation_error")

    feed = await client.get("/api/v1/feeds/replies.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.text)  # noqa: S314  (our own feed)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)] == [
        "防空警报试鸣",
        "人防工程车位",
    ]
    assert "周晓明" not in feed.text
    link = root.find("a:entry/a:link", ns)
    assert link is not None
    assert link.get("href", "").startswith("http://127.0.0.1:8000/open/replies/")
    reports = ET.fromstring((await client.get("/api/v1/feeds/adoption-reports.atom")).text)  # noqa: S314
    assert reports.findall("a:entry", ns) == []


async def test_statistics_per_channel_and_department_for_a_period(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = publishing
    monday = date(2025, 3, 3)
    quick = letter("a", "b", on=monday, contact=WRITER, consent=False)
    slow = letter("c", "d", on=monday, contact=WRITER, consent=False)
    later = letter("e", "f", on=date(2026, 2, 2), contact=WRITER, consent=False)
    events: list[EventPayload] = [
        *(
            e
            for case in (quick, slow)
            for e in (
                case,
                assigned(case, ENGINEERING, reason="r"),
                due(case, date(2025, 3, 10), cause="t", note="n"),
            )
        ),
        replied(quick, "答复", department=ENGINEERING, on=date(2025, 3, 6)),  # 3 working days, on time
        replied(slow, "答复", department=ENGINEERING, on=date(2025, 3, 14)),  # 9 working days, late
        CaseRated(case_id=quick.case_id, rating=Rating.SATISFIED),
        CaseRated(case_id=slow.case_id, rating=Rating.UNSATISFIED, comment="太慢"),
        later,
        assigned(later, ENGINEERING, reason="r"),
    ]
    await producer.send_payloads(topics.case_events, events)

    async def counted() -> dict[str, Any] | None:
        body: dict[str, Any] = (
            await client.get("/api/v1/stats", params={"from": "2025-01-01", "to": "2025-12-31"})
        ).json()
        return body if body["total"]["rated"] == 2 else None

    body = await eventually(counted, "both letters replied and rated")
    (row,) = body["rows"]
    assert (row["channel"], row["department_id"], row["department"]) == (
        "mailbox",
        "engineering",
        "人防工程管理处",
    )
    assert {
        k: row[k] for k in ("received", "replied", "replied_on_time", "on_time_rate", "average_working_days")
    } == {
        "received": 2,
        "replied": 2,
        "replied_on_time": 1,
        "on_time_rate": 0.5,
        "average_working_days": 6.0,
    }
    assert (row["satisfied"], row["basically_satisfied"], row["unsatisfied"], row["satisfaction_rate"]) == (
        1,
        0,
        1,
        0.5,
    )

    async def all_three() -> dict[str, Any] | None:  # the 2026 letter may sit on another partition
        body: dict[str, Any] = (
            await client.get("/api/v1/stats", params={"from": "2025-01-01", "to": "2026-12-31"})
        ).json()
        return body if body["total"]["received"] == 3 else None

    wider = await eventually(all_three, "the 2026 letter to be counted too")
    assert wider["total"]["replied"] == 2, "the 2026 letter is not replied"
    backwards = await client.get("/api/v1/stats", params={"from": "2025-12-31", "to": "2025-01-01"})
    assert_error(backwards, 422, "validation_error")


async def test_a_request_handled_again_counts_once_with_its_final_outcome(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    """A reopened request counts once in 一 and once in the outcome rows, with its final outcome, in the
    year it is finally concluded; until then it is carried forward — and the report never fails on it."""
    client, _ = publishing
    reopened = request(ApplicantType.NATURAL_PERSON, date(2025, 11, 3), "丁")
    await producer.send_payloads(
        topics.case_events,
        [
            reopened,
            replied(
                reopened,
                "部分公开",
                department=OPEN_GOVERNMENT,
                on=date(2025, 11, 20),
                outcome=Outcome.PARTIALLY_DISCLOSED,
            ),
            CaseRated(case_id=reopened.case_id, rating=Rating.UNSATISFIED),
            CaseReopened(case_id=reopened.case_id, reason="申请人不满意"),
        ],
    )

    async def rows_of(year: int, expect: dict[str, int]) -> dict[str, dict[str, int]] | None:
        response = await client.get(f"/api/v1/reports/disclosure/{year}")
        assert response.status_code == 200, response.text
        report = response.json()
        rows: dict[str, dict[str, int]] = {r["row"]: r["counts"] for r in report["table_three"]}
        if all(rows[row]["total"] == n for row, n in expect.items()):
            assert report["balanced"], report["balance_problems"]
            return rows
        return None

    open_again = await eventually(
        lambda: rows_of(2025, {"new": 1, "carried_forward": 1, "total": 0}), "the reopened request, open"
    )
    assert open_again["partially_disclosed"]["total"] == 0, "its first outcome no longer counts"

    await producer.send_payloads(
        topics.case_events,
        [
            replied(
                reopened,
                "予以公开",
                department=OPEN_GOVERNMENT,
                on=date(2026, 1, 12),
                outcome=Outcome.DISCLOSED,
            )
        ],
    )
    final = await eventually(
        lambda: rows_of(2026, {"carried_over": 1, "disclosed": 1, "total": 1}), "the final answer in 2026"
    )
    assert final["partially_disclosed"]["total"] == 0
    assert final["new"]["total"] == 0, "one request: new in 2025 only"
    assert (await rows_of(2025, {"new": 1, "carried_forward": 1, "total": 0})) is not None


async def test_a_record_the_report_cannot_place_is_left_out_with_a_note(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = publishing
    good = request(ApplicantType.BUSINESS, date(2025, 4, 1), "戊")
    bad = request(ApplicantType.NATURAL_PERSON, date(2025, 6, 10), "己")
    await producer.send_payloads(
        topics.case_events,
        [
            good,
            bad,
            replied(
                good, "予以公开", department=OPEN_GOVERNMENT, on=date(2025, 4, 20), outcome=Outcome.DISCLOSED
            ),
            # Answered before it was received: a registration error the report cannot place.
            replied(
                bad, "予以公开", department=OPEN_GOVERNMENT, on=date(2025, 6, 1), outcome=Outcome.DISCLOSED
            ),
        ],
    )

    async def reported() -> dict[str, Any] | None:
        response = await client.get("/api/v1/reports/disclosure/2025")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["excluded_records"] == 1 else None

    report = await eventually(reported, "the report with one record left out")
    rows = {r["row"]: r["counts"] for r in report["table_three"]}
    assert rows["new"]["total"] == 1
    assert rows["disclosed"]["business"] == 1
    assert report["balanced"]
    assert_error(await client.get("/api/v1/reports/disclosure/2025/excluded"), 401, "unauthorized")
    assert_error(
        await client.get("/api/v1/reports/disclosure/2025/excluded", headers=bearer(Role.REVIEWER)),
        403,
        "forbidden",
    )
    (note,) = (
        await client.get("/api/v1/reports/disclosure/2025/excluded", headers=bearer(Role.ADMIN))
    ).json()
    assert note["case_id"] == str(bad.case_id)
    assert "before it was received" in note["problem"]
    page = await client.get("/open/reports/disclosure/2025")
    assert page.status_code == 200
    assert "有 1 条记录暂未计入" in page.text


async def test_the_annual_report_counts_every_request_and_balances(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = publishing
    disclosed = request(ApplicantType.NATURAL_PERSON, date(2025, 3, 3), "甲")
    carried_over = request(ApplicantType.BUSINESS, date(2024, 12, 30), "乙")
    carried_forward = request(ApplicantType.RESEARCH_INSTITUTION, date(2025, 12, 29), "丙")
    await producer.send_payloads(
        topics.case_events,
        [
            disclosed,
            carried_over,
            carried_forward,
            replied(
                disclosed,
                "予以公开",
                department=OPEN_GOVERNMENT,
                on=date(2025, 3, 20),
                outcome=Outcome.DISCLOSED,
            ),
            replied(
                carried_over,
                "属于国家秘密",
                department=OPEN_GOVERNMENT,
                on=date(2025, 1, 10),
                outcome=Outcome.WITHHELD_STATE_SECRET,
            ),
        ],
    )

    async def counted() -> dict[str, Any] | None:
        report: dict[str, Any] = (await client.get("/api/v1/reports/disclosure/2025")).json()
        rows = {r["row"]: r["counts"] for r in report["table_three"]}
        return report if rows["total"]["total"] == 2 and rows["new"]["total"] == 2 else None

    report = await eventually(counted, "the three requests and two outcomes")
    rows = {r["row"]: r["counts"] for r in report["table_three"]}
    assert rows["new"] == {
        **dict.fromkeys(rows["new"], 0),
        "natural_person": 1,
        "research_institution": 1,
        "total": 2,
    }
    assert rows["carried_over"]["business"] == 1
    assert rows["disclosed"]["natural_person"] == 1
    assert rows["withheld.state_secret"]["business"] == 1
    assert rows["withheld"]["total"] == 1, "the group row shows its subtotal"
    assert rows["carried_forward"] == {
        **dict.fromkeys(rows["new"], 0),
        "research_institution": 1,
        "total": 1,
    }
    assert (report["balanced"], report["balance_problems"]) == (True, [])
    table3 = list(
        csv.reader(
            io.StringIO(
                (await client.get("/api/v1/reports/disclosure/2025/table-3.csv")).text.lstrip("\ufeff")
            )
        )
    )
    assert table3[0][0] == "项目"
    assert table3[1][0] == "一、本年新收政府信息公开申请数量"
    assert table3[1][-1] == "2"

    admin = bearer(Role.ADMIN)
    appeal = {
        "kind": "reconsideration",
        "filed_on": "2025-05-01",
        "result": "upheld",
        "decided_on": "2025-06-01",
    }
    assert (await client.post("/api/v1/reports/appeals", json=appeal, headers=admin)).status_code == 201
    assert_error(await client.post("/api/v1/reports/appeals", json=appeal), 401, "unauthorized")
    assert_error(
        await client.post("/api/v1/reports/appeals", json=appeal, headers=bearer(Role.HANDLER)),
        403,
        "forbidden",
    )
    undecided = {**appeal, "decided_on": None}
    assert_error(
        await client.post("/api/v1/reports/appeals", json=undecided, headers=admin), 422, "validation_error"
    )
    assert_error(
        await client.post("/api/v1/reports/appeals", json={**appeal, "kind": "petition"}, headers=admin),
        422,
        "validation_error",
    )
    table_four = (await client.get("/api/v1/reports/disclosure/2025")).json()["table_four"]
    assert table_four["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert table_four["litigation_direct"]["total"] == 0
    table4 = list(
        csv.reader(
            io.StringIO(
                (await client.get("/api/v1/reports/disclosure/2025/table-4.csv")).text.lstrip("\ufeff")
            )
        )
    )
    assert len(table4[0]) == 15
    assert table4[1][:5] == ["1", "0", "0", "0", "1"]
    assert_error(await client.get("/api/v1/reports/disclosure/1999"), 422, "validation_error")
    empty = (await client.get("/api/v1/reports/disclosure/2030")).json()
    assert {r["row"]: r["counts"]["total"] for r in empty["table_three"]}["carried_over"] == 1, (
        "the request still open at the end of 2025 is carried over into every later year until concluded"
    )


async def test_requests_from_several_applicants_for_similar_information_are_flagged(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = publishing
    same_person = [request(ApplicantType.NATURAL_PERSON, date(2025, 4, day), "郑一") for day in (1, 2, 3)]
    others = [request(ApplicantType.NATURAL_PERSON, date(2025, 5, 6), name) for name in ("王二", "钱三")]
    await producer.send_payloads(topics.case_events, [*same_person, *others])
    head = bearer(Role.DISCLOSURE_HEAD)

    async def flagged() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = (await client.get("/api/v1/proactive-candidates", headers=head)).json()
        return found if found and len(found[0]["case_ids"]) == 5 else None  # all five requests read

    (candidate,) = await eventually(flagged, "a candidate from three distinct applicants")
    assert candidate["applicants"] == 3, "郑一 asking three times counts once"
    assert candidate["topic"] == "人防工程易地建设费收缴情况"
    assert len(candidate["case_ids"]) == 5
    assert (candidate["first_received"], candidate["last_received"]) == ("2025-04-01", "2025-05-06")
    stricter = await client.get("/api/v1/proactive-candidates", params={"min_applicants": 4}, headers=head)
    assert stricter.json() == []
    assert_error(await client.get("/api/v1/proactive-candidates"), 401, "unauthorized")
    assert_error(
        await client.get("/api/v1/proactive-candidates", headers=bearer(Role.REVIEWER)), 403, "forbidden"
    )
    assert_error(
        await client.get("/api/v1/proactive-candidates", params={"min_applicants": 1}, headers=head),
        422,
        "validation_error",
    )


async def test_every_outcome_row_and_every_applicant_column_is_counted_from_events(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    """One 2024 request per outcome, spread over the six applicant columns, concluded in 2024."""
    client, _ = publishing
    columns = list(ApplicantType)
    events: list[EventPayload] = []
    expected: dict[str, dict[str, int]] = {}
    for n, outcome in enumerate(Outcome):
        applicant = columns[n % len(columns)]
        case = request(applicant, date(2024, 3, 4), f"申请人{n}")
        events += [
            case,
            replied(case, "答复", department=OPEN_GOVERNMENT, on=date(2024, 3, 25), outcome=outcome),
        ]
        expected[outcome.value] = {applicant.value: 1}
    await producer.send_payloads(topics.case_events, events)

    async def counted() -> dict[str, Any] | None:
        report: dict[str, Any] = (await client.get("/api/v1/reports/disclosure/2024")).json()
        total = {r["row"]: r["counts"] for r in report["table_three"]}["total"]["total"]
        return report if total == len(Outcome) else None

    report = await eventually(counted, "every outcome to be counted")
    rows = {r["row"]: r["counts"] for r in report["table_three"]}
    for code, cells in expected.items():
        (column,) = cells
        assert rows[code][column] == 1, code
        assert rows[code]["total"] == 1, code
        assert sum(v for k, v in rows[code].items() if k != "total") == 1, code
    assert {k: v for k, v in rows["new"].items() if k != "total"} == {
        t.value: sum(1 for n in range(len(Outcome)) if n % len(columns) == i) for i, t in enumerate(columns)
    }
    assert (rows["new"]["total"], rows["carried_forward"]["total"], report["balanced"]) == (21, 0, True)
    assert rows["withheld"]["total"] == 8
    assert rows["unavailable"]["total"] == 3
    assert rows["not_processed"]["total"] == 5
    assert rows["other"]["total"] == 3
