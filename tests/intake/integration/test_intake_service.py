"""Intake against the real broker and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from services.intake.app import create_app
from services.intake.config import IntakeSettings
from services.intake.db import Submission
from shared.codes import Channel, ClockKind, Role
from shared.dates import today as shanghai_today
from shared.events import (
    CaseAssigned,
    CaseReopened,
    CaseReplied,
    ConsultationClosed,
    ConsultationOpened,
    DeadlineSet,
    SupplementRequested,
)
from shared.runtime import ServiceRuntime
from shared.sealing import SEALED
from shared.topics import Topics
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import (
    assert_error,
    bearer,
    count_rows,
    in_process,
    open_event,
    outbox_rows,
    settings_for,
)

pytestmark = pytest.mark.kafka

LETTER: dict[str, Any] = {
    "mailbox": "civil-air-defence",
    "category": "咨询",
    "subject": "小区地下人防工程能否停车",
    "body": "请问我们小区的地下人防工程平时可以作为停车场使用吗？",
    "contact": {"name": "张三丰", "phone": "138-1234-5678", "email": "zsf@example.com"},
    "publish_consent": True,
}

DISCLOSURE: dict[str, Any] = {
    "applicant": {
        "type": "natural_person",
        "name": "李四",
        "id_number": "11010519491231002X",
        "phone": "13912345678",
        "address": "济南市历下区泉城路1号",
    },
    "description": "2025年本市新建防空地下室易地建设费收缴情况",
    "purpose": "了解政策执行情况",
    "delivery_form": "electronic",
    "delivery_method": "online",
}


async def test_a_letter_is_stored_acknowledged_and_published_as_submission_received(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], case_events: TopicReader
) -> None:
    client, runtime = intake
    response = await client.post("/api/v1/mailbox-messages", json=LETTER)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert re.fullmatch(r"([2-9A-HJ-NP-TW-Z]{4}-){3}[2-9A-HJ-NP-TW-Z]{4}", receipt["tracking_code"])
    case_id = receipt["case_id"]

    (event,) = await case_events.wait_for_event(case_id, "submission.received")
    assert event.source == "/civic/intake"
    assert event.specversion == "1.0"
    # On the wire the personal fields are sealed with the case's key; opened with it, as written.
    assert (event.data["contact"]["name"], event.data["mailbox"]["subject"]) == (SEALED, SEALED)
    assert event.personaldata is not None
    data = await open_event(runtime, event)
    assert data["channel"] == "mailbox"
    assert data["mailbox"]["subject"] == LETTER["subject"]
    assert data["mailbox"]["publish_consent"] is True
    assert data["contact"]["name"] == "张三丰"
    assert data["receipt_date"] == receipt["receipt_date"]

    view = (await client.get(f"/api/v1/cases/{receipt['tracking_code'].lower().replace('-', ' ')}")).json()
    assert view["status"] == "received"
    assert view["channel"] == "mailbox"
    assert [entry["event"] for entry in view["timeline"]] == ["submission.received"]


async def test_the_mailboxes_come_from_data(intake: tuple[httpx.AsyncClient, ServiceRuntime]) -> None:
    client, _ = intake
    mailboxes = (await client.get("/api/v1/mailboxes")).json()
    assert [m["id"] for m in mailboxes] == ["director", "civil-air-defence", "open-government"]
    assert "咨询" in mailboxes[0]["categories"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        pytest.param(b'{"mailbox": "director", ', 422, "validation_error", "(body)", id="malformed-json"),
        pytest.param(
            {k: v for k, v in LETTER.items() if k != "subject"},
            422,
            "validation_error",
            "subject",
            id="missing",
        ),
        pytest.param(
            LETTER | {"publish_consent": "maybe"}, 422, "validation_error", "publish_consent", id="wrong-type"
        ),
        pytest.param(
            LETTER | {"attachment": "x.pdf"}, 422, "validation_error", "attachment", id="unknown-field"
        ),
        pytest.param(LETTER | {"mailbox": "mayor"}, 422, "validation_error", "mailbox", id="unknown-mailbox"),
        pytest.param(
            LETTER | {"category": "纠错"}, 422, "validation_error", "category", id="category-not-of-mailbox"
        ),
        pytest.param(
            LETTER | {"contact": {"phone": "12345"}}, 422, "validation_error", "contact.phone", id="bad-phone"
        ),
        pytest.param(
            LETTER | {"subject": "长" * 101}, 422, "validation_error", "subject", id="subject-too-long"
        ),
        pytest.param(
            LETTER | {"body": "长" * 30000}, 413, "payload_too_large", None, id="over-the-body-limit"
        ),
    ],
)
async def test_bad_letters_are_refused_and_nothing_is_stored(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
    body: dict[str, Any] | bytes,
    status: int,
    code: str,
    field: str | None,
) -> None:
    client, runtime = intake
    if isinstance(body, bytes):
        response = await client.post(
            "/api/v1/mailbox-messages", content=body, headers={"Content-Type": "application/json"}
        )
    else:
        response = await client.post("/api/v1/mailbox-messages", json=body)
    assert_error(response, status, code, field)
    assert await count_rows(runtime, Submission) == 0
    assert await outbox_rows(runtime) == 0


async def test_the_citizen_view_follows_the_case_events(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = intake
    receipt = (await client.post("/api/v1/mailbox-messages", json=LETTER)).json()
    case_id = UUID(receipt["case_id"])
    await producer.send_payloads(
        topics.case_events,
        [
            CaseAssigned(
                case_id=case_id,
                channel=Channel.MAILBOX,
                department_id="engineering",
                department_name="人防工程管理处",
                rule_id="engineering-mailbox",
                reason="rule engineering-mailbox",
                assigned_on=date(2026, 11, 25),
            ),
            DeadlineSet(
                case_id=case_id,
                clock=ClockKind.REPLY,
                due_date=date(2026, 12, 2),
                provisional=False,
                cause="case.assigned",
                note="11月25日转办，按5个工作日计算",
            ),
            CaseReplied(
                case_id=case_id,
                channel=Channel.MAILBOX,
                department_id="engineering",
                department_name="人防工程管理处",
                text="经核实，人防工程平时可依法用于停车。",
                replied_on=date(2026, 11, 27),
            ),
        ],
    )
    view = await _wait_for_status(client, receipt["tracking_code"], "replied")
    assert view["department"] == "人防工程管理处"
    assert view["due_date"] == "2026-12-02"
    assert view["due_date_provisional"] is False
    assert view["reply"] == "经核实，人防工程平时可依法用于停车。"
    assert [e["event"] for e in view["timeline"]] == [
        "submission.received",
        "case.assigned",
        "deadline.set",
        "case.replied",
    ]
    assert "engineering-mailbox" not in str(view), "internal routing details leak to the citizen"


async def _wait_for_status(client: httpx.AsyncClient, code: str, status: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        view: dict[str, Any] = (await client.get(f"/api/v1/cases/{code}")).json()
        return view if view["status"] == status else None

    return await eventually(reached, f"status {status}")


async def test_an_unknown_tracking_code_is_404(intake: tuple[httpx.AsyncClient, ServiceRuntime]) -> None:
    client, _ = intake
    assert_error(await client.get("/api/v1/cases/AAAA-BBBB-CCCC-DDDD"), 404, "not_found")


async def test_comments_need_an_open_consultation(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = intake
    consultation_id = uuid4()
    comment = {"body": "建议明确人防车位的收费标准。", "clause": "第十二条"}
    assert_error(
        await client.post(f"/api/v1/consultations/{consultation_id}/comments", json=comment), 404, "not_found"
    )

    today = shanghai_today()
    await producer.send_payloads(
        topics.consultation_events,
        [
            ConsultationOpened(
                consultation_id=consultation_id,
                title="人防工程维护管理办法（征求意见稿）",
                summary="征求意见",
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=29),
            )
        ],
    )
    response = await _retry_until(
        lambda: client.post(f"/api/v1/consultations/{consultation_id}/comments", json=comment), 201
    )
    assert response.json()["tracking_code"]

    await producer.send_payloads(
        topics.consultation_events, [ConsultationClosed(consultation_id=consultation_id, closed_on=today)]
    )
    closed = await _retry_until(
        lambda: client.post(f"/api/v1/consultations/{consultation_id}/comments", json=comment), 409
    )
    assert "closed" in closed.json()["error"]["message"]


async def _retry_until(call: Any, status: int) -> httpx.Response:
    async def answered() -> httpx.Response | None:
        response: httpx.Response = await call()
        return response if response.status_code == status else None

    return await eventually(answered, f"HTTP {status}")


async def test_a_disclosure_request_is_accepted_when_complete(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], case_events: TopicReader
) -> None:
    client, runtime = intake
    response = await client.post("/api/v1/disclosure-requests", json=DISCLOSURE)
    assert response.status_code == 201, response.text
    (event,) = await case_events.wait_for_event(response.json()["case_id"], "submission.received")
    data = await open_event(runtime, event)
    assert data["disclosure"]["applicant_type"] == "natural_person"
    assert data["received_via"] == "online"
    assert data["contact"]["id_number"] == "11010519491231002X"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"id_number": "110105194912310021"}, "applicant.id_number", id="wrong-check-character"),
        pytest.param({"name": None}, "applicant.name", id="person-without-name"),
        pytest.param(
            {"type": "business", "organisation": None}, "applicant.organisation", id="org-without-name"
        ),
        pytest.param({"type": "club"}, "applicant.type", id="unknown-applicant-type"),
        pytest.param(
            {"type": "business", "organisation": "济南某建设有限公司"},
            "applicant.id_number",
            id="org-with-a-personal-id",
        ),
        pytest.param(
            {"id_number": "91350100M000100Y44"}, "applicant.id_number", id="credit-code-check-character"
        ),
    ],
)
async def test_an_incomplete_disclosure_request_names_the_field(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], change: dict[str, Any], field: str
) -> None:
    client, runtime = intake
    body = DISCLOSURE | {"applicant": DISCLOSURE["applicant"] | change}
    assert_error(await client.post("/api/v1/disclosure-requests", json=body), 422, "validation_error", field)
    assert await count_rows(runtime, Submission) == 0


async def test_post_delivery_needs_an_address(intake: tuple[httpx.AsyncClient, ServiceRuntime]) -> None:
    client, _ = intake
    body = DISCLOSURE | {
        "delivery_method": "post",
        "applicant": {k: v for k, v in DISCLOSURE["applicant"].items() if k != "address"},
    }
    assert_error(
        await client.post("/api/v1/disclosure-requests", json=body),
        422,
        "validation_error",
        "applicant.address",
    )


async def test_only_registry_staff_set_how_and_when_a_request_arrived(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], case_events: TopicReader
) -> None:
    client, runtime = intake
    registered = DISCLOSURE | {"received_via": "post_signed", "received_at": "2026-11-20"}
    assert_error(await client.post("/api/v1/disclosure-requests", json=registered), 403, "forbidden")
    assert_error(
        await client.post("/api/v1/disclosure-requests", json=registered, headers=bearer(Role.HANDLER)),
        403,
        "forbidden",
    )
    assert await count_rows(runtime, Submission) == 0

    response = await client.post("/api/v1/disclosure-requests", json=registered, headers=bearer(Role.STAFF))
    assert response.status_code == 201, response.text
    assert response.json()["receipt_date"] == "2026-11-20"
    (event,) = await case_events.wait_for_event(response.json()["case_id"], "submission.received")
    assert event.data["received_via"] == "post_signed"
    assert event.data["receipt_date"] == "2026-11-20"

    no_date = DISCLOSURE | {"received_via": "letter"}
    assert_error(
        await client.post("/api/v1/disclosure-requests", json=no_date, headers=bearer(Role.STAFF)),
        422,
        "validation_error",
        "received_at",
    )


async def test_an_idempotency_key_makes_a_retry_return_the_same_case(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], case_events: TopicReader
) -> None:
    client, runtime = intake
    headers = {"Idempotency-Key": "retry-7f3a"}
    first = await client.post("/api/v1/mailbox-messages", json=LETTER, headers=headers)
    again = await client.post("/api/v1/mailbox-messages", json=LETTER, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()

    different = await client.post(
        "/api/v1/mailbox-messages", json=LETTER | {"subject": "另一件事"}, headers=headers
    )
    assert_error(different, 409, "conflict")
    assert await count_rows(runtime, Submission) == 1
    await case_events.wait_for_event(first.json()["case_id"], "submission.received")
    await case_events.settle(0.5)
    assert len([e for e in case_events.events() if e.type == "submission.received"]) == 1


async def test_a_chunked_body_over_the_limit_is_413_too(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, runtime = intake

    async def chunks() -> Any:
        yield b'{"mailbox": "director", "body": "'
        for _ in range(100):
            yield ("长" * 1000).encode()
        yield b'"}'

    response = await client.post(
        "/api/v1/mailbox-messages", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")
    assert await count_rows(runtime, Submission) == 0


async def test_a_retry_racing_its_original_gets_the_same_case(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    import asyncio

    client, runtime = intake
    headers = {"Idempotency-Key": "flaky-network-1"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/mailbox-messages", json=LETTER, headers=headers) for _ in range(4))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["case_id"] for r in responses}) == 1
    assert await count_rows(runtime, Submission) == 1


async def _letter_with_code(client: httpx.AsyncClient) -> tuple[UUID, str]:
    receipt = (await client.post("/api/v1/mailbox-messages", json=LETTER)).json()
    return UUID(receipt["case_id"]), receipt["tracking_code"]


async def test_a_supplement_answers_a_pending_request_once(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, runtime = intake
    case_id, code = await _letter_with_code(client)
    url = f"/api/v1/cases/{code}/supplement"
    assert_error(await client.post(url, json={"text": "补充"}), 409, "conflict")
    assert_error(
        await client.post("/api/v1/cases/AAAA-BBBB-CCCC-DDDD/supplement", json={"text": "x"}),
        404,
        "not_found",
    )
    assert_error(await client.post(url, json={"text": ""}), 422, "validation_error", "text")

    # A supplement is accepted up to its deadline's last day (issue 15): a deadline ahead of today.
    due = shanghai_today() + timedelta(days=14)
    await producer.send_payloads(
        topics.case_events,
        [
            SupplementRequested(
                case_id=case_id,
                items="请补充小区名称",
                due_date=due,
                requested_on=shanghai_today(),
            )
        ],
    )
    view = await _wait_for_status(client, code, "supplement_requested")
    assert view["timeline"][-1]["detail"] == f"请于{due.isoformat()}前补充：请补充小区名称"
    assert view["supplement_due"] == due.isoformat()

    accepted = await client.post(url, json={"text": "小区名称为泉城花园"})
    assert accepted.status_code == 201, accepted.text
    assert_error(await client.post(url, json={"text": "再次补充"}), 409, "conflict")
    (event,) = await case_events.wait_for_event(str(case_id), "supplement.received")
    assert event.data["text"] == SEALED
    assert (await open_event(runtime, event))["text"] == "小区名称为泉城花园"
    assert event.data["receipt_date"] == str(shanghai_today())
    await _wait_for_status(client, code, "in_progress")


async def test_a_supplement_after_the_reply_is_refused_and_the_page_stays_replied(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, runtime = intake
    case_id, code = await _letter_with_code(client)
    asked = SupplementRequested(
        case_id=case_id, items="请补充小区名称", due_date=date(2026, 12, 9), requested_on=date(2026, 11, 25)
    )
    answered = CaseReplied(
        case_id=case_id,
        channel=Channel.MAILBOX,
        department_id="engineering",
        department_name="人防工程管理处",
        text="经核实，不予补正，直接答复。",
        replied_on=date(2026, 11, 26),
    )
    await producer.send_payloads(topics.case_events, [asked, answered])
    await _wait_for_status(client, code, "replied")
    refused = await client.post(f"/api/v1/cases/{code}/supplement", json={"text": "小区名称为泉城花园"})
    assert_error(refused, 409, "conflict")
    assert "replied" in refused.json()["error"]["message"]
    view = (await client.get(f"/api/v1/cases/{code}")).json()
    assert view["status"] == "replied"
    assert "补正材料已收到" not in [entry["title"] for entry in view["timeline"]]
    assert await outbox_rows(runtime) == 2, "the case's key and submission.received, no supplement.received"


async def test_a_reply_is_rated_once_and_again_after_re_handling(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, runtime = intake
    case_id, code = await _letter_with_code(client)
    url = f"/api/v1/cases/{code}/rating"
    assert_error(await client.post(url, json={"rating": "satisfied"}), 409, "conflict")
    assert_error(await client.post(url, json={"rating": "so-so"}), 422, "validation_error", "rating")

    reply = CaseReplied(
        case_id=case_id,
        channel=Channel.MAILBOX,
        department_id="engineering",
        department_name="人防工程管理处",
        text="答复",
        replied_on=date(2026, 11, 26),
    )
    await producer.send_payloads(topics.case_events, [reply])
    await _wait_for_status(client, code, "replied")
    first = await client.post(url, json={"rating": "unsatisfied", "comment": "没有回答停车收费问题"})
    assert first.status_code == 201, first.text
    assert_error(await client.post(url, json={"rating": "satisfied"}), 409, "conflict")
    (rated,) = await case_events.wait_for_event(str(case_id), "case.rated")
    assert await open_event(runtime, rated) == {
        "case_id": str(case_id),
        "rating": "unsatisfied",
        "comment": "没有回答停车收费问题",
    }

    await producer.send_payloads(
        topics.case_events, [CaseReopened(case_id=case_id, reason="不满意，重办"), reply]
    )

    async def second_reply_seen() -> httpx.Response | None:
        response = await client.post(url, json={"rating": "satisfied"})
        return response if response.status_code == 201 else None

    await eventually(second_reply_seen, "the second reply to be ratable")


async def test_registry_staff_register_a_letter_received_by_post(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], case_events: TopicReader
) -> None:
    client, _ = intake
    posted = LETTER | {
        "received_via": "letter",
        "received_at": "2026-11-23",
        "contact": {"name": "王五", "address": "历下区某街道"},
    }
    assert_error(await client.post("/api/v1/mailbox-messages", json=posted), 403, "forbidden")
    response = await client.post("/api/v1/mailbox-messages", json=posted, headers=bearer(Role.STAFF))
    assert response.status_code == 201, response.text
    assert response.json()["receipt_date"] == "2026-11-23"
    (event,) = await case_events.wait_for_event(response.json()["case_id"], "submission.received")
    assert event.data["received_via"] == "letter"


async def test_too_many_submissions_or_wrong_codes_from_one_client_are_429(
    kafka_bootstrap: str, topics: Topics, tmp_path: Path
) -> None:
    settings = settings_for(
        IntakeSettings,
        kafka_bootstrap,
        topics,
        f"sqlite+aiosqlite:///{tmp_path / 'limits.db'}",
        submissions_per_client=2,
        lookup_misses_per_client=3,
    )
    async with in_process(create_app, settings) as (client, runtime):
        invalid = LETTER | {"contact": {"phone": "1"}}
        for _ in range(3):  # refused submissions do not count
            assert (await client.post("/api/v1/mailbox-messages", json=invalid)).status_code == 422
        codes = [
            (await client.post("/api/v1/mailbox-messages", json=LETTER)).json()["tracking_code"]
            for _ in range(2)
        ]
        limited = await client.post("/api/v1/mailbox-messages", json=LETTER)
        assert_error(limited, 429, "rate_limited")
        assert 3000 <= int(limited.headers["Retry-After"]) <= 3600
        assert await count_rows(runtime, Submission) == 2
        staff = await client.post("/api/v1/mailbox-messages", json=LETTER, headers=bearer(Role.STAFF))
        assert staff.status_code == 201, "registry staff are not limited"

        assert (await client.get(f"/api/v1/cases/{codes[0]}")).status_code == 200  # found: not a miss
        for guess in ("AAAA-AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB-BBBB", "CCCC-CCCC-CCCC-CCCC"):
            assert (await client.get(f"/api/v1/cases/{guess}")).status_code == 404
        blocked = await client.get(f"/api/v1/cases/{codes[1]}")
        assert_error(blocked, 429, "rate_limited")
        assert int(blocked.headers["Retry-After"]) > 0


async def test_an_idempotency_record_is_forgotten_after_a_day(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    from services.intake.db import IdempotencyRecord
    from services.intake.idempotency import open_receipt, record_id

    client, runtime = intake
    first = (
        await client.post("/api/v1/mailbox-messages", json=LETTER, headers={"Idempotency-Key": "old"})
    ).json()
    async with runtime.database.transaction() as session:
        record = await session.get(IdempotencyRecord, record_id("mailbox:old"))
        assert record is not None
        assert first["tracking_code"].encode() not in record.sealed, "no tracking code in the clear"
        assert open_receipt("mailbox:old", record.sealed)["tracking_code"] == first["tracking_code"]
        record.created_at = datetime.now(UTC) - timedelta(hours=25)
        session.add(record)
    later = (
        await client.post("/api/v1/mailbox-messages", json=LETTER, headers={"Idempotency-Key": "old"})
    ).json()
    assert later["case_id"] != first["case_id"], "a day-old key still returned the first receipt"
    async with runtime.database.session() as session:
        kept = await session.get(IdempotencyRecord, record_id("mailbox:old"))
        assert await session.get(IdempotencyRecord, "mailbox:old") is None, "the key itself is not kept"
    assert kept is not None
    assert open_receipt("mailbox:old", kept.sealed)["case_id"] == later["case_id"]


async def test_an_organisation_applies_with_its_credit_code(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], case_events: TopicReader
) -> None:
    client, runtime = intake
    applicant = {
        "type": "research_institution",
        "organisation": "某研究院",
        "id_number": "91350100m000100y43",
        "email": "office@example.org",
    }
    response = await client.post("/api/v1/disclosure-requests", json=DISCLOSURE | {"applicant": applicant})
    assert response.status_code == 201, response.text
    (event,) = await case_events.wait_for_event(response.json()["case_id"], "submission.received")
    data = await open_event(runtime, event)
    assert data["contact"]["id_number"] == "91350100M000100Y43"
    assert data["disclosure"]["applicant_type"] == "research_institution"
