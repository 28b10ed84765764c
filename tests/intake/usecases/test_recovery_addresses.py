"""Accepting a submission records the keyed hashes of the addresses its citizen gave, to find a lost
tracking code by (找回查询码) — and nothing of the address itself."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from services.intake import handlers
from services.intake.domain import new_tracking_code
from services.intake.handlers import Draft, Registration, Submit
from services.intake.recovery import address_key, addresses_of
from shared.codes import Channel
from shared.events import Contact, MailboxContent
from tests.intake.usecases.fakes import fake_intake

AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
KEY = address_key("a secret of the service, for the tests")


def _draft(contact: Contact | None) -> Draft:
    content = MailboxContent(
        mailbox="civil-air-defence",
        category="咨询",
        subject="人防车位",
        body="能否出租？",
        publish_consent=False,
    )
    return Draft(Channel.MAILBOX, contact, {"mailbox": content}, {"subject": "人防车位"}, Registration())


async def test_the_email_and_the_mobile_given_are_kept_as_keyed_hashes_with_the_case() -> None:
    uow, _, book, _ = fake_intake()
    contact = Contact(name="张三", email="ZS@example.com", phone="139-1234-5678")
    submit = Submit(
        _draft(contact), uuid4(), new_tracking_code(), AT, None, tuple(addresses_of(KEY, contact))
    )

    await handlers.accept(submit, uow)

    assert {row.case_id for row in book.addresses} == {str(submit.case_id)}
    assert sorted(row.address_hash for row in book.addresses) == addresses_of(
        KEY, Contact(email="zs@example.com", phone="13912345678")
    )
    assert len(book.addresses) == 2
    assert not any("example" in row.address_hash or "139" in row.address_hash for row in book.addresses)


def test_a_landline_or_no_contact_gives_no_address() -> None:
    assert addresses_of(KEY, None) == []
    assert addresses_of(KEY, Contact(name="张三", phone="0531-12345678")) == []
    assert addresses_of(address_key("another secret"), Contact(email="zs@example.com")) != addresses_of(
        KEY, Contact(email="zs@example.com")
    )
