"""Finding a lost tracking code again (找回查询码) through the email or mobile number given.

`ask_for_code` sends a one-time code to the address when cases of that address exist, and answers
nothing either way: the page says the same whether or not a case exists. `redeem_code` checks the
code and issues a NEW tracking code for each case of the address (the old hash is replaced, so the
old code stops working). Limits (per address, per client) are the edge's (`services.intake.pages`).
Neither the address nor the codes are ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.config import IntakeSettings
from services.intake.db import CaseView, RecoveryAddress, RecoveryCode, Submission
from services.intake.domain import hash_tracking_code, new_tracking_code
from services.intake.notifications.choice import NotifyBy
from services.intake.notifications.port import NotSent, Outgoing, Sender
from services.intake.notifications.sending import senders_from
from services.intake.recovery_rules import (
    CODE_LIFETIME,
    TRIES,
    Address,
    Check,
    address_hash,
    check_code,
    code_hash,
    new_one_time_code,
    normalise_address,
)
from shared.db import Database
from shared.events import Contact

log = logging.getLogger(__name__)

__all__ = [
    "NewCode",
    "address_key",
    "addresses_of",
    "ask_and_send",
    "ask_for_code",
    "erase_addresses",
    "redeem_code",
]


def address_key(case_key_secret: str) -> bytes:
    """The key of the address hashes, derived from the service's secret for this one use."""
    return hmac.new(case_key_secret.encode(), b"intake tracking-code recovery", hashlib.sha256).digest()


def addresses_of(key: bytes, contact: Contact | None) -> list[str]:
    """The hashes of the addresses a submission's contact can be reached at (email, mobile)."""
    if contact is None:
        return []
    found = (normalise_address(contact.email), normalise_address(contact.phone))
    return sorted({address_hash(key, address) for address in found if address is not None})


async def erase_addresses(session: AsyncSession, case_id: str) -> None:
    """The case's personal data is erased: it can no longer be found by an address (nor can a code
    sent to one of its addresses be used)."""
    hashes = (
        await session.exec(
            select(RecoveryAddress.address_hash).where(col(RecoveryAddress.case_id) == case_id)
        )
    ).all()
    await session.exec(delete(RecoveryAddress).where(col(RecoveryAddress.case_id) == case_id))
    if hashes:
        await session.exec(delete(RecoveryCode).where(col(RecoveryCode.address_hash).in_(list(hashes))))


@dataclass(frozen=True, slots=True)
class OneTimeCode:
    """A code to send (the edge sends it after answering, so the answer's timing says nothing)."""

    message: Outgoing


async def ask_for_code(
    database: Database, key: bytes, address: Address, *, office: str, now: datetime | None = None
) -> OneTimeCode | None:
    """A new one-time code for ``address`` if any case has it (replacing a live one), else None."""
    now = now or datetime.now(UTC)
    hashed = address_hash(key, address)
    code = new_one_time_code()
    try:
        if not await _keep_code(database, hashed, code_hash(key, code, hashed), now):
            return None
    except IntegrityError:  # an ask for the same address raced in and wrote the first row: replace it
        await _keep_code(database, hashed, code_hash(key, code, hashed), now)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    text = (
        f"您正在找回查询码，验证码为 {code}，{minutes} 分钟内有效，只能使用一次。"
        f"如非本人操作，请忽略本消息。{office}"
    )
    if address.by is NotifyBy.SMS:
        text = f"【{office}】{text}"
    return OneTimeCode(Outgoing(address.by, address.value, "找回查询码的验证码", text))


async def _keep_code(database: Database, hashed: str, stored: str, now: datetime) -> bool:
    """Store the live code of the address, if any case has the address; whether it has."""
    async with database.transaction() as session:
        # codes that ran out are swept as new ones are asked for: no address's hash lingers
        await session.exec(delete(RecoveryCode).where(col(RecoveryCode.expires_at) <= now))
        known = (
            await session.exec(select(RecoveryAddress.case_id).where(RecoveryAddress.address_hash == hashed))
        ).first()
        if known is None:
            return False
        row = await session.get(RecoveryCode, hashed) or RecoveryCode(
            address_hash=hashed, code_hash="", expires_at=now, tries_left=TRIES
        )
        row.code_hash, row.expires_at, row.tries_left = stored, now + CODE_LIFETIME, TRIES
        session.add(row)
    return True


async def ask_and_send(database: Database, key: bytes, address: Address, settings: IntakeSettings) -> None:
    """After the answer: a code for the address if any case has it, sent; a failure is logged by its
    kind only (the citizen asks again)."""
    try:
        code = await ask_for_code(database, key, address, office=settings.office_name)
    except Exception as exc:
        log.warning("a tracking-code recovery could not be prepared: %s", type(exc).__name__)
        return
    if code is not None:
        await send_code(senders_from(settings), code)


async def send_code(senders: dict[NotifyBy, Sender], code: OneTimeCode) -> None:
    """Send the code; a failure is logged by its kind only (the address and the code are personal)."""
    try:
        await senders[code.message.by].send(code.message)
    except NotSent as exc:
        log.warning("a tracking-code recovery message was not sent: %s", type(exc).__name__)
    except Exception as exc:  # the citizen asks again; a failure's text may hold the address: its kind only
        log.warning("a tracking-code recovery message may not have been sent: %s", type(exc).__name__)


@dataclass(frozen=True, slots=True)
class NewCode:
    """A case found by the address, with its new tracking code."""

    channel: str
    receipt_date: date
    tracking_code: str


async def redeem_code(
    database: Database, key: bytes, address: Address, entered: str, *, now: datetime | None = None
) -> tuple[Check, list[NewCode]]:
    """Check the one-time code; when right, issue a new tracking code for each of the address's cases
    (the old codes stop working). A wrong code costs a try; the last try burns it."""
    now = now or datetime.now(UTC)
    hashed = address_hash(key, address)
    async with database.transaction() as session:
        # held to the end: parallel guesses at one code are taken one after the other (PostgreSQL),
        # each costing its try — never several guesses on one read of ``tries_left``
        row = await session.get(RecoveryCode, hashed, with_for_update=True)
        check = check_code(
            entered,
            key=key,
            address=hashed,
            stored_hash=row.code_hash if row else None,
            expires_at=row.expires_at if row else None,
            now=now,
        )
        if row is None:
            return check, []
        if check is Check.WRONG and row.tries_left > 1:
            await session.exec(
                update(RecoveryCode)
                .where(col(RecoveryCode.address_hash) == hashed)
                .values(tries_left=RecoveryCode.tries_left - 1)
            )
            return check, []
        # used, burnt or expired: gone — and only the one that deletes it may use it
        claimed = await session.exec(
            delete(RecoveryCode).where(
                col(RecoveryCode.address_hash) == hashed, col(RecoveryCode.code_hash) == row.code_hash
            )
        )
        if check is not Check.ACCEPTED or claimed.rowcount != 1:
            return (Check.WRONG if check is Check.ACCEPTED else check), []
        return check, await _issue_new_codes(session, hashed)


async def _issue_new_codes(session: AsyncSession, hashed: str) -> list[NewCode]:
    case_ids = (
        await session.exec(select(RecoveryAddress.case_id).where(RecoveryAddress.address_hash == hashed))
    ).all()
    submissions = (
        await session.exec(
            select(Submission)
            .where(col(Submission.case_id).in_(list(case_ids)))
            .order_by(col(Submission.received_at))
        )
    ).all()
    issued: list[NewCode] = []
    for submission in submissions:
        code = new_tracking_code()
        changed: dict[str, Any] = {"tracking_hash": hash_tracking_code(code)}
        submission.tracking_hash = changed["tracking_hash"]
        session.add(submission)
        await session.exec(
            update(CaseView).where(col(CaseView.case_id) == submission.case_id).values(**changed)
        )
        issued.append(NewCode(submission.channel, submission.receipt_date, code))
    return issued
