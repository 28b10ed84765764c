"""The dead letters' pages (死信) for admins, on the workbench: every topic's dead letters, newest first,
with why each failed; one shown with its body; and a topic's replay once the cause is fixed
(`shared.dead_letters`), recorded in the audit trail. Served by routing, which any admin reaches; the
letters of every service's consumers are there, since dead-letter topics are per topic, not per service.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.routing.admin_pages import admin_session
from services.routing.db import AuditEntry
from services.routing.handlers import actor_of
from services.routing.sign_in_pages import STAFF
from shared.auth import StaffSession
from shared.dead_letters import dead_letter, list_dead_letters, replay_dead_letters, topic_spec
from shared.http import RETRY_AFTER_SECONDS, RuntimeDep
from shared.topics import ALL_TOPICS

__all__ = ["dead_letter_pages"]

DEAD_LETTERS = "/workbench/dead-letters"

dead_letter_pages = APIRouter()


def _unreachable(request: Request, session: StaffSession) -> HTMLResponse:
    response = STAFF.problem(
        request,
        503,
        "暂时无法读取死信",
        f"消息服务暂时无法连接，请 {RETRY_AFTER_SECONDS} 秒后刷新重试。",
        session=session,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@dead_letter_pages.get(DEAD_LETTERS, response_class=HTMLResponse)
async def dead_letters_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    settings = runtime.settings
    try:
        letters = await list_dead_letters(
            settings.kafka_bootstrap_servers, settings.topics, security=settings.kafka_security
        )
    except KafkaError:
        return _unreachable(request, session)
    waiting = {
        spec.name: sum(1 for x in letters if x.topic == spec.name and not x.replayed) for spec in ALL_TOPICS
    }
    done = request.query_params.get("done", "")
    flash = f"已重新投递 {done} 条。" if done.isdigit() else None
    context = {"letters": letters, "waiting": waiting, "flash": flash}
    return STAFF.render(request, "admin/dead_letters.html", context, session=session)


@dead_letter_pages.get(f"{DEAD_LETTERS}/{{topic}}/{{partition}}/{{offset}}", response_class=HTMLResponse)
async def dead_letter_page(
    request: Request, topic: str, partition: int, offset: int, runtime: RuntimeDep
) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    settings = runtime.settings
    try:
        letter = await dead_letter(
            settings.kafka_bootstrap_servers,
            settings.topics,
            topic,
            partition,
            offset,
            security=settings.kafka_security,
        )
    except ValueError:
        letter = None
    except KafkaError:
        return _unreachable(request, session)
    if letter is None:
        return STAFF.problem(request, 404, "没有这条死信", "请从死信列表进入。", session=session)
    return STAFF.render(request, "admin/dead_letter.html", {"letter": letter}, session=session)


@dead_letter_pages.post(f"{DEAD_LETTERS}/{{topic}}/replay", response_class=HTMLResponse)
async def replay(request: Request, topic: str, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    if await STAFF.posted(request) is None:
        return STAFF.csrf_refused(request, session)
    try:
        topic_spec(topic)
    except ValueError:
        return STAFF.problem(request, 404, "没有这个主题", "请从死信列表进入。", session=session)
    settings = runtime.settings
    try:
        count = await replay_dead_letters(
            settings.kafka_bootstrap_servers, settings.topics, topic, security=settings.kafka_security
        )
    except KafkaError:
        return _unreachable(request, session)
    async with runtime.database.transaction() as db:
        db.add(
            AuditEntry(
                at=datetime.now(UTC),
                actor=actor_of(session.principal),
                action="dead_letters.replayed",
                target=f"{topic}（{count} 条）",
            )
        )
    return RedirectResponse(f"{DEAD_LETTERS}?done={count}", status_code=303)
