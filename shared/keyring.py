"""Each case's data key, kept wrapped in the service's own database (密钥登记).

Intake issues a case's key with its submission and sends it on the compacted ``case-keys`` topic;
routing and publishing keep a copy (`Keyring.remember`). Every service that writes an event seals its
personal fields with the key as the outbox row is written (`Keyring.seal`), and every consumer opens
them again with it (`Keyring.open`). Erasure (`Keyring.destroy`) keeps the row without its key: an
erased case never gets its key back, and its events open with ``［已删除］`` — in a replay too.

The table is not rebuilt by a replay: it is what the replay opens the log with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Column, String, Table, update
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consumer import ConsumerSpec
from shared.db import checkpoint_after_commit, insert_ignoring_duplicates
from shared.events import CaseKeyIssued, Envelope, EventPayload, PersonalDataErased, personal_fields
from shared.failures import Awaited
from shared.sealing import (
    erase_fields,
    kek_from_secret,
    new_data_key,
    open_fields,
    seal_fields,
    unwrap_key,
    wrap_key,
)
from shared.topics import CASE_KEYS

__all__ = ["CaseKey", "KeyNotYetKnown", "Keyring", "Scrub", "key_feed"]


class CaseKey(SQLModel, table=True):
    """A case's data key, wrapped; once the case's personal data is erased, only the date it was."""

    __tablename__ = "civic_case_key"

    case_id: str = Field(sa_column=Column(String(36), primary_key=True))
    wrapped_key: str | None = None
    erased_on: date | None = None


CASE_KEY_TABLE: Table = CaseKey.__table__  # type: ignore[attr-defined]


class KeyNotYetKnown(Awaited):
    """An event sealed with a key this service has not received yet: it waits for ``case-keys``."""


class Keyring:
    """Issues, keeps, destroys, and seals and opens with, the cases' data keys."""

    def __init__(self, secret: str) -> None:
        self._kek = kek_from_secret(secret)

    def issue(self, session: AsyncSession, case_id: UUID) -> CaseKeyIssued:
        """A new case's key, stored with the case; the event sends it to the other services."""
        wrapped = wrap_key(self._kek, new_data_key())
        session.add(CaseKey(case_id=str(case_id), wrapped_key=wrapped))
        return CaseKeyIssued(case_id=case_id, wrapped_key=wrapped)

    async def remember(
        self, session: AsyncSession, _envelope: Envelope, payload: CaseKeyIssued
    ) -> list[EventPayload]:
        """Keep another service's key (use case of ``case_key.issued``); an erased case's stays erased."""
        await insert_ignoring_duplicates(
            session, CASE_KEY_TABLE, {"case_id": str(payload.case_id), "wrapped_key": payload.wrapped_key}
        )
        return []

    async def destroy(self, session: AsyncSession, case_id: UUID, on: date) -> bool:
        """Destroy the case's key for good; False when it already was."""
        row = await self._row(session, str(case_id))
        if row is not None and row.erased_on is not None:
            return False
        if row is None:
            await insert_ignoring_duplicates(
                session, CASE_KEY_TABLE, {"case_id": str(case_id), "wrapped_key": None, "erased_on": on}
            )
        else:
            await session.exec(
                update(CASE_KEY_TABLE)
                .where(CASE_KEY_TABLE.c.case_id == str(case_id))
                .values(wrapped_key=None, erased_on=on)
            )
        return True

    async def is_erased(self, session: AsyncSession, case_id: str) -> bool:
        row = await self._row(session, case_id)
        return row is not None and row.erased_on is not None

    async def seal(self, session: AsyncSession, envelope: Envelope) -> Envelope:
        """The envelope as it goes on the wire: personal fields sealed with the case's key, erased for
        an erased case, as they are for a case from before keys (release 0.2)."""
        personal = personal_fields(envelope.type)
        if not personal:
            return envelope
        row = await self._row(session, envelope.subject)
        if row is None:
            return envelope
        if row.wrapped_key is None:
            return envelope.model_copy(update={"data": erase_fields(envelope.data, personal)})
        data, sealed = seal_fields(
            envelope.data,
            personal,
            unwrap_key(self._kek, row.wrapped_key),
            event_id=envelope.id,
            subject=envelope.subject,
        )
        return envelope.model_copy(update={"data": data, "personaldata": sealed})

    async def open(self, session: AsyncSession, envelope: Envelope, payload: Any) -> Any:
        """The payload with its personal fields as they were written — or erased."""
        personal = personal_fields(envelope.type)
        if not personal:
            return payload
        row = await self._row(session, envelope.subject)
        if row is None:
            if envelope.personaldata is None:
                return payload  # sent before keys: as it is
            raise KeyNotYetKnown(f"{envelope.type} {envelope.id}: the key of its case has not arrived yet")
        if row.wrapped_key is None:
            data = erase_fields(envelope.data, personal)
        elif envelope.personaldata is None:
            return payload
        else:
            data = open_fields(
                envelope.data,
                envelope.personaldata,
                unwrap_key(self._kek, row.wrapped_key),
                event_id=envelope.id,
                subject=envelope.subject,
            )
        return type(payload).model_validate(data, extra="ignore")

    @staticmethod
    async def _row(session: AsyncSession, case_id: str) -> CaseKey | None:
        return await session.get(CaseKey, case_id)  # the transaction's own new key without a query


Scrub = Callable[[AsyncSession, str], Awaitable[None]]
"""What a service does to its own tables when a case's personal data is erased (by case id)."""


def key_feed(name: str, keyring: Keyring, scrub: Scrub) -> ConsumerSpec:
    """The consumer group that keeps a service's copy of the case keys and erases with intake.

    Not part of a replay: the keys are what a replay opens the log with, and an erased case's events
    open erased, so the rebuilt tables hold none of its data without scrubbing again."""

    async def erased(
        session: AsyncSession, _envelope: Envelope, payload: PersonalDataErased
    ) -> list[EventPayload]:
        if await keyring.destroy(session, payload.case_id, payload.erased_on):
            await scrub(session, str(payload.case_id))
            checkpoint_after_commit(session)
        return []

    return ConsumerSpec(name, CASE_KEYS, {CaseKeyIssued: keyring.remember, PersonalDataErased: erased})
