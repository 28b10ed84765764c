"""No personal data reaches anything the public can fetch.

Known personal data — names, mobile numbers written four ways, ID numbers with a valid check character,
an email, a licence plate, an address down to the room, a landline — goes in through the service's real
inputs (events on the broker: letters, replies, comments and their decisions, disclosure requests,
ratings) and through review (三审). Then every GET route that needs no token is fetched, with real ids
for its path parameters, and no seeded value may appear in any body or header: not as written, not as
its bare digits, not with its separators changed. The routes are enumerated from the app itself, so a
public route added later without a line here fails the test instead of going unchecked.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.security.base import SecurityBase

from services.publishing.app import create_app
from services.publishing.config import PublishingSettings
from shared.codes import Adoption, ApplicantType, Outcome, Rating, Role
from shared.dates import today
from shared.events import CaseRated, Contact, EventPayload, SubmissionReceived
from shared.idnumbers import is_valid_id_number
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import interviews
from tests.support.events import (
    OPEN_GOVERNMENT,
    comment,
    decided,
    disclosure_request,
    handled,
    letter,
    replied,
)
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.publishing import (
    ADMIN,
    approve_by_three,
    open_consultation,
    publish_adoption_report,
    waiting_review,
)
from tests.support.services import bearer

pytestmark = pytest.mark.kafka

MODERATOR = bearer(Role.MODERATOR, sub="moderator-1")

# --- the personal data ------------------------------------------------------------------------------

WRITER = "王建国"
COMMENTER = "李秀英"
APPLICANT = "赵丽华"
CONTACT_PERSON = "孙立新"  # a business's contact person
NAMES = (WRITER, COMMENTER, APPLICANT, CONTACT_PERSON)
MOBILES = ("13912345678", "+86 139 8765 4321", "0086-135-2468-1357", "137 1122 3344")
ID_NUMBER = "11010519491231002X"
ID_NUMBER_GROUPED = "370102 19800101 1237"  # 6-8-4, as people copy it from the card
EMAIL = "wangjianguo@example.com"
PLATE = "鲁A·8M765"
ADDRESS = "济南市历下区泉城路街道明湖小区3号楼2单元501室"
BELOW_STREET = "明湖小区3号楼2单元501室"
LANDLINE = "0531-86123456"

SEEDED = (*NAMES, *MOBILES, ID_NUMBER, ID_NUMBER_GROUPED, EMAIL, PLATE, ADDRESS, LANDLINE)


def forbidden_texts() -> set[str]:
    """Every seeded value as written, and the forms it could leak in: the part of the address below the
    street (what masking removes), the place name, the plate and email without decoration."""
    return {
        *SEEDED,
        BELOW_STREET,
        "明湖小区",
        "3号楼2单元501室",
        PLATE.replace("·", ""),
        "8M765",
        EMAIL.split("@")[0],
    }


def forbidden_digits() -> set[str]:
    """The digit strings of the numbers (7 digits or more: shorter runs occur by chance in ids and
    timestamps), with and without a country prefix."""
    found: set[str] = set()
    for value in SEEDED:
        digits = re.sub(r"[^0-9Xx]", "", value)
        if sum(c.isdigit() for c in digits) < 7:
            continue
        found.add(digits)
        found.add(re.sub(r"[Xx]$", "", digits))
        for prefix in ("0086", "86"):
            if value.lstrip("+").startswith(prefix) and digits.startswith(prefix):
                found.add(digits[len(prefix) :])
    return found


_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])[\s\-·.]+(?=[0-9Xx])")


def leaks(body: str) -> list[str]:
    """The seeded values found in ``body`` (as served, HTML-unescaped, JSON-unescaped, and with the
    separators between digits removed)."""
    views = [body, html.unescape(body)]
    with contextlib.suppress(ValueError):  # not JSON
        views.append(json.dumps(json.loads(body), ensure_ascii=False))
    collapsed = [_BETWEEN_DIGITS.sub("", view) for view in views]
    found = {value for value in forbidden_texts() for view in views if value in view}
    found |= {digits for digits in forbidden_digits() for view in collapsed if digits in view}
    return sorted(found)


def test_the_seeded_values_are_what_they_claim() -> None:
    assert is_valid_id_number(ID_NUMBER)
    assert is_valid_id_number(ID_NUMBER_GROUPED.replace(" ", ""))
    assert {"13912345678", "13987654321", "13524681357", "13711223344", "053186123456"} <= forbidden_digits()
    assert leaks("电话 139-1234-5678") == ["13912345678"]
    assert leaks('{"q": "\\u738b\\u5efa\\u56fd"}') == [WRITER]
    assert leaks("<p>&#29579;&#24314;&#22269;</p>") == [WRITER]
    assert leaks("王*国 139****5678 11*************02X 鲁A****5 济南市历下区泉城路街道***") == []


# --- what goes in -----------------------------------------------------------------------------------


def seeded_letter(*, consent: bool) -> SubmissionReceived:
    return letter(
        f"{WRITER}反映人防车位被占用",
        (
            f"我是{WRITER}，身份证{ID_NUMBER}，家住{ADDRESS}，手机{MOBILES[1]}，也可打{MOBILES[2]}"
            f"或{LANDLINE}，邮箱{EMAIL}。我的车牌{PLATE}，车停不进小区的人防车位。"
        ),
        contact=Contact(name=WRITER, phone=MOBILES[0], email=EMAIL, address=ADDRESS, id_number=ID_NUMBER),
        category="投诉",
        consent=consent,
    )


def reply(case: SubmissionReceived) -> list[EventPayload]:
    """Engineering answers the day the letter came, repeating its personal data; the writer rates it."""
    return [
        *handled(
            case,
            (
                f"{WRITER}先生您好：您反映的{ADDRESS}门前车位问题，我处已电话联系您（{MOBILES[0]}、"
                f"{MOBILES[3]}），身份证号{ID_NUMBER_GROUPED}已核实，车辆{PLATE}可按规定停放。"
            ),
        ),
        CaseRated(case_id=case.case_id, rating=Rating.SATISFIED, comment=f"{WRITER}很满意，电话{MOBILES[0]}"),
    ]


def seeded_request(applicant: ApplicantType, contact: Contact) -> SubmissionReceived:
    return disclosure_request(
        applicant,
        contact=contact,
        description=(
            f"本人{contact.name}（身份证{ID_NUMBER_GROUPED}，电话{MOBILES[2]}）申请公开"
            f"{ADDRESS}所在人防工程的竣工验收资料。"
        ),
        purpose=f"维护{contact.name}的合法权益",
    )


def disclosure_requests() -> list[EventPayload]:
    person = seeded_request(
        ApplicantType.NATURAL_PERSON,
        Contact(name=APPLICANT, phone=MOBILES[1], email=EMAIL, address=ADDRESS, id_number=ID_NUMBER),
    )
    business = seeded_request(
        ApplicantType.BUSINESS,
        Contact(name=CONTACT_PERSON, phone=MOBILES[3], organisation="济南明湖物业管理有限公司"),
    )
    still_open = seeded_request(ApplicantType.NATURAL_PERSON, Contact(name=APPLICANT, phone=LANDLINE))

    def answered(case: SubmissionReceived, outcome: Outcome) -> EventPayload:
        text = f"{case.contact.name if case.contact else ''}您好：经审查，{outcome.value}。"
        return replied(case, text, department=OPEN_GOVERNMENT, on=today(), outcome=outcome)

    return [
        person,
        business,
        still_open,
        answered(person, Outcome.PARTIALLY_DISCLOSED),
        answered(business, Outcome.WITHHELD_THIRD_PARTY_RIGHTS),
    ]


def commenter(name: str) -> Contact:
    return Contact(name=name, phone=MOBILES[3], email=EMAIL)


DECISIONS: list[tuple[Adoption, str | None]] = [
    (Adoption.PARTIALLY_ADOPTED, f"已电话联系{COMMENTER}（{MOBILES[0]}），部分吸收。"),
    (Adoption.NOT_ADOPTED, f"{ADDRESS}不在本办法调整范围，已回复{EMAIL}。"),
    (Adoption.ADOPTED, None),
]


async def seed_consultation(
    client: httpx.AsyncClient,
    producer: RawProducer,
    topics: Topics,
    consultation_id: str,
    comments: list[SubmissionReceived],
) -> None:
    """The comments arrive, the consultation closes, each is decided (the reasons naming the commenter
    and their contacts), the report is compiled and approved by three reviewers."""
    decisions = [decided(case, *decision) for case, decision in zip(comments, DECISIONS, strict=False)]
    published = await publish_adoption_report(client, producer, topics, consultation_id, comments, decisions)
    assert published["status"] == "published"


# --- what comes out ---------------------------------------------------------------------------------


def needs_token(route: Any) -> bool:
    def secured(dependant: Any) -> bool:
        return any(isinstance(d.call, SecurityBase) or secured(d) for d in dependant.dependencies)

    dependant = getattr(route, "dependant", None)
    return dependant is not None and secured(dependant)


STAFF_PAGES = "/workbench/"


def get_routes(app: FastAPI) -> tuple[set[str], set[str]]:
    """The GET routes' paths: (public, needing a token or a staff sign-in)."""
    public: set[str] = set()
    secured: set[str] = set()
    for route in iter_route_contexts(app.routes):
        if route.path is not None and "GET" in (route.methods or ()):
            staff_page = route.path.startswith(STAFF_PAGES) and not route.path.startswith(
                "/workbench/static/"
            )
            (secured if needs_token(route) or staff_page else public).add(route.path)
    return public, secured


def public_urls(reply_id: str, consultation_id: str, year: int, interview_id: str) -> dict[str, list[str]]:
    """Each public GET route → the URLs fetched for it, with real ids and the query variants that
    change what is shown."""
    return {
        "/openapi.json": ["/openapi.json"],
        "/docs": ["/docs"],
        "/docs/oauth2-redirect": ["/docs/oauth2-redirect"],
        "/redoc": ["/redoc"],
        "/health": ["/health"],
        "/health/live": ["/health/live"],
        "/health/ready": ["/health/ready"],
        "/asyncapi.json": ["/asyncapi.json"],
        "/metrics": ["/metrics"],
        "/workbench/static/base.css": ["/workbench/static/base.css"],
        "/workbench/static/forms.css": ["/workbench/static/forms.css"],
        "/workbench/static/workbench.css": ["/workbench/static/workbench.css"],
        "/api/v1/replies": ["/api/v1/replies", "/api/v1/replies?q=车位", "/api/v1/replies?limit=100"],
        "/api/v1/replies/{reply_id}": [f"/api/v1/replies/{reply_id}"],
        "/api/v1/consultations": ["/api/v1/consultations"],
        "/api/v1/consultations/{consultation_id}/adoption-report": [
            f"/api/v1/consultations/{consultation_id}/adoption-report"
        ],
        "/api/v1/consultations/{consultation_id}/adoption-report.csv": [
            f"/api/v1/consultations/{consultation_id}/adoption-report.csv"
        ],
        "/api/v1/stats": ["/api/v1/stats", f"/api/v1/stats?from={year - 1}-01-01&to={year}-12-31"],
        "/api/v1/reports/disclosure/{year}": [f"/api/v1/reports/disclosure/{year}"],
        "/api/v1/reports/disclosure/{year}/table-{table}.csv": [
            f"/api/v1/reports/disclosure/{year}/table-3.csv",
            f"/api/v1/reports/disclosure/{year}/table-4.csv",
        ],
        "/api/v1/feeds/replies.atom": ["/api/v1/feeds/replies.atom"],
        "/api/v1/feeds/adoption-reports.atom": ["/api/v1/feeds/adoption-reports.atom"],
        "/": ["/"],
        "/open/static/base.css": ["/open/static/base.css"],
        "/open/static/public.css": ["/open/static/public.css"],
        "/open/": ["/open/"],
        "/open/replies": ["/open/replies", "/open/replies?q=车位"],
        "/open/replies/{reply_id}": [f"/open/replies/{reply_id}"],
        "/open/consultations": ["/open/consultations"],
        "/open/consultations/{consultation_id}/adoption-report": [
            f"/open/consultations/{consultation_id}/adoption-report"
        ],
        "/open/consultations/{consultation_id}/adoption-report.csv": [
            f"/open/consultations/{consultation_id}/adoption-report.csv"
        ],
        "/open/stats": ["/open/stats", f"/open/stats?from={year - 1}-01-01&to={year}-12-31"],
        "/open/reports/disclosure/{year}": [f"/open/reports/disclosure/{year}"],
        "/open/reports/disclosure/{year}/table-{table}.csv": [
            f"/open/reports/disclosure/{year}/table-3.csv",
            f"/open/reports/disclosure/{year}/table-4.csv",
        ],
        "/open/feeds/replies.atom": ["/open/feeds/replies.atom"],
        "/open/feeds/adoption-reports.atom": ["/open/feeds/adoption-reports.atom"],
        "/api/v1/interviews": ["/api/v1/interviews"],
        "/api/v1/interviews/{interview_id}/transcript": [f"/api/v1/interviews/{interview_id}/transcript"],
        "/open/interviews": ["/open/interviews"],
        "/open/interviews/{interview_id}": [f"/open/interviews/{interview_id}"],
    }


def with_dummy_ids(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid4()), path)


async def test_no_public_route_shows_the_personal_data_that_went_in(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    settings: PublishingSettings,
    producer: RawProducer,
    topics: Topics,
) -> None:
    client, _ = publishing
    consultation_id = await open_consultation(client)
    await seed_consultation(
        client,
        producer,
        topics,
        consultation_id,
        [
            comment(
                consultation_id,
                f"我是{COMMENTER}，电话{MOBILES[3]}，住{ADDRESS}，建议明确人防车位收费标准，车牌{PLATE}。",
                contact=commenter(COMMENTER),
            ),
            comment(
                consultation_id,
                f"本人身份证{ID_NUMBER}，邮箱{EMAIL}，固话{LANDLINE}，建议第五条增加维护责任。",
            ),
            comment(consultation_id, "建议取消收费。", contact=commenter(WRITER)),
        ],
    )
    public_letter, private_letter = seeded_letter(consent=True), seeded_letter(consent=False)
    await producer.send_payloads(
        topics.case_events,
        [
            public_letter,
            *reply(public_letter),
            private_letter,
            *reply(private_letter),
            *disclosure_requests(),
        ],
    )
    await approve_by_three(client, (await waiting_review(client, public_letter.case_id))["id"])
    interview_id = await seed_interview(client, producer, topics)
    year = today().year

    async def everything_counted() -> bool:
        report = (await client.get(f"/api/v1/reports/disclosure/{year}")).json()
        rows = {row["row"]: row["counts"]["total"] for row in report["table_three"]}
        stats = (await client.get("/api/v1/stats")).json()["total"]
        return (rows["new"], rows["total"], stats["rated"], stats["received"]) == (3, 2, 2, 8)

    await eventually(everything_counted, "every letter, comment, request and rating to be counted")
    replies = (await client.get("/api/v1/replies")).json()
    assert replies["total"] == 1, "the letter without consent is never published"
    reply_id = replies["items"][0]["id"]

    public, secured = get_routes(create_app(settings))
    urls = public_urls(reply_id, consultation_id, year, interview_id)
    assert not public - set(urls), f"public GET routes this test does not fetch: {sorted(public - set(urls))}"
    assert not set(urls) - public, f"routes gone from the app: {sorted(set(urls) - public)}"

    bodies: dict[str, str] = {}
    for url in (url for route in sorted(urls) for url in urls[route]):
        response = await client.get(url, follow_redirects=True)
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:200]}"
        bodies[url] = response.text
        found = leaks(response.text) + leaks(str(response.headers))
        assert not found, f"{url} shows personal data: {found}"

    # The seeded data was there to leak: the pages show it masked.
    assert "王*国" in bodies[f"/open/replies/{reply_id}"]
    assert "139****5678" in bodies[f"/api/v1/replies/{reply_id}"]
    assert "济南市历下区泉城路街道***" in bodies[f"/open/replies/{reply_id}"]
    assert "李*英" in bodies[f"/open/consultations/{consultation_id}/adoption-report"]
    assert "137****3344" in bodies[f"/api/v1/consultations/{consultation_id}/adoption-report.csv"]
    assert "王*国" in bodies[f"/open/interviews/{interview_id}"]

    # Search is an oracle too: a seeded value finds nothing (the body echoes the query, so only the count).
    for value in (*NAMES, MOBILES[0], "13987654321", ID_NUMBER, EMAIL, PLATE, BELOW_STREET):
        found = (await client.get("/api/v1/replies", params={"q": value})).json()
        assert found["total"] == 0, f"searching {value!r} finds a published reply"
        page = await client.get(f"/open/replies?q={quote(value)}")
        assert "找到 0 条答复" in page.text

    # The routes left out need a token: without one they answer 401 and nothing else.
    assert secured, "the review queue and the proactive-disclosure candidates need a token"
    for path in sorted(secured):
        response = await client.get(with_dummy_ids(path))
        if path.startswith(STAFF_PAGES):  # a staff page: to the sign-in, showing nothing
            assert response.status_code == 303, f"{path} answers {response.status_code} signed out"
            assert response.headers["location"].startswith("/workbench/login?next=")
        else:
            assert response.status_code == 401, f"{path} answers {response.status_code} without a token"
        assert not leaks(response.text)


async def seed_interview(client: httpx.AsyncClient, producer: RawProducer, topics: Topics) -> str:
    """An online interview whose one question — written with the asker's name, mobile and address,
    and answered by name — is selected, answered and published after review (在线访谈)."""
    scheduled = await client.post("/api/v1/interviews", json=interviews.schedule(), headers=ADMIN)
    assert scheduled.status_code == 201, scheduled.text
    interview_id: str = scheduled.json()["id"]
    asked = interviews.question(
        interview_id,
        f"我是{WRITER}，电话{MOBILES[0]}，住{ADDRESS}，小区人防工程能否停车？",
        contact=Contact(name=WRITER, phone=MOBILES[0]),
    )
    await producer.send_payloads(topics.case_events, [asked])
    base = f"/api/v1/interviews/{interview_id}"

    async def taken_up() -> bool:
        found = (await client.get(f"{base}/questions", headers=MODERATOR)).json()
        return len(found) == 1

    await eventually(taken_up, "publishing to take up the question")
    question = f"{base}/questions/{asked.case_id}"
    for url, body in (
        (f"{question}/moderation", {"selected": True, "group": "平时使用"}),
        (f"{question}/answer", {"answer": f"{WRITER}您好：经备案后可以平时用作停车场。"}),
    ):
        assert (await client.post(url, json=body, headers=MODERATOR)).status_code == 200
    assert (await client.post(f"{base}/close", headers=MODERATOR)).status_code == 200
    assert (await client.post(f"{base}/transcript", headers=MODERATOR)).status_code == 201
    await approve_by_three(client, (await waiting_review(client, interview_id))["id"])
    return interview_id


class PersonalDataShown(AssertionError):
    """A public response shows a seeded value."""


async def test_a_clause_written_with_personal_data_is_masked_too(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = publishing
    consultation_id = await open_consultation(client)
    clause = f"第五条（{COMMENTER} {MOBILES[0]}）"
    await seed_consultation(
        client,
        producer,
        topics,
        consultation_id,
        [comment(consultation_id, "建议增加维护责任。", contact=commenter(COMMENTER), clause=clause)],
    )
    for url in (
        f"/open/consultations/{consultation_id}/adoption-report",
        f"/api/v1/consultations/{consultation_id}/adoption-report",
        f"/api/v1/consultations/{consultation_id}/adoption-report.csv",
    ):
        response = await client.get(url)
        assert response.status_code == 200
        if leaks(response.text):
            raise PersonalDataShown(f"{url} shows personal data: {leaks(response.text)}")
