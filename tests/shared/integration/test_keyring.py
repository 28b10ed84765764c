"""The case keys in a real database (SQLite and PostgreSQL): an event is written to the outbox sealed
with its case's key, opens with it, opens erased once the key is destroyed — and an erased key never
comes back, whatever arrives later."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from shared.consumer import ProcessedEvent
from shared.db import Database
from shared.events import Contact, decode_event, new_event
from shared.keyring import CaseKey, KeyNotYetKnown, Keyring
from shared.outbox import SEALER, OutboxMessage, add_events
from shared.sealing import ERASED, SEALED
from shared.topics import Topics
from tests.support import events as support

TOPICS = Topics("k-")


async def _database(url: str, keyring: Keyring) -> Database:
    database = Database(url, [CaseKey, OutboxMessage, ProcessedEvent], session_info={SEALER: keyring})
    await database.create_schema()
    return database


async def test_what_the_outbox_writes_is_sealed_and_opens_only_while_the_key_lives(database_url: str) -> None:
    keyring = Keyring("a key secret for the tests")
    database = await _database(database_url, keyring)
    try:
        letter = support.letter(contact=Contact(name="皇甫秋月", phone="13600001234"))
        async with database.transaction() as session:
            issued = keyring.issue(session, letter.case_id)
            add_events(session, TOPICS, [issued, letter], source="/tests")
        async with database.session() as session:
            rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()  # type: ignore[arg-type]
        assert [row.event_type for row in rows] == ["case_key.issued", "submission.received"]
        assert b"\xe7\x9a\x87\xe7\x94\xab" not in rows[1].body, "皇甫 is not in the outbox"
        envelope, payload = decode_event(rows[1].body)
        assert payload is not None
        assert envelope.data["contact"]["name"] == SEALED

        async with database.session() as session:
            opened = await keyring.open(session, envelope, payload)
        assert opened == letter

        other = Keyring("another secret")
        async with database.session() as session:
            with pytest.raises(ValueError, match="CIVIC_KEY_SECRET"):
                await other.open(session, envelope, payload)

        async with database.transaction() as session:
            assert await keyring.destroy(session, letter.case_id, date(2026, 12, 1))
            assert not await keyring.destroy(session, letter.case_id, date(2026, 12, 2)), "once"
        async with database.transaction() as session:  # the key's record arrives again: ignored
            await keyring.remember(session, new_event(issued, source="/tests"), issued)
        async with database.session() as session:
            erased = await keyring.open(session, envelope, payload)
            row = await session.get(CaseKey, str(letter.case_id))
        assert erased.contact.name == ERASED
        assert erased.mailbox.body == ERASED
        assert letter.mailbox is not None
        assert erased.mailbox.category == letter.mailbox.category
        assert row is not None
        assert (row.wrapped_key, row.erased_on) == (None, date(2026, 12, 1))
    finally:
        await database.dispose()


async def test_a_sealed_event_before_its_key_waits_and_a_plain_one_is_read_as_it_is(
    database_url: str,
) -> None:
    keyring = Keyring("a key secret for the tests")
    database = await _database(database_url, keyring)
    try:
        letter = support.letter()
        plain = new_event(letter, source="/tests")  # release 0.2: no key, no seal
        async with database.session() as session:
            assert await keyring.open(session, plain, letter) == letter
        sealed = plain.model_copy(update={"personaldata": "c2VhbGVk"})
        async with database.session() as session:
            with pytest.raises(KeyNotYetKnown):
                await keyring.open(session, sealed, letter)
    finally:
        await database.dispose()
