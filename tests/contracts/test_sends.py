"""Each service's ``SENDS`` (in its ``app.py``) is true to its code: every event payload constructed
in ``services/<name>/`` — or by a function of ``shared`` the service calls — is declared, and every
declared one is constructed there. Each event type has one sender, and every type a service receives
is sent by one of them."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from services.contracts import SERVICES, service_contract
from shared.events import EVENT_TYPES
from tests.contracts.sent_events import ROOT, constructed_in, shared_constructors


@pytest.mark.parametrize("service", list(SERVICES))
def test_sends_names_every_event_the_service_constructs_and_no_other(service: str) -> None:
    constructed = constructed_in(ROOT / "services" / service, shared_constructors())
    sends = service_contract(service).sends  # as its create_app hands them to its runtime
    declared = {payload.__name__ for payload in sends}
    undeclared = {
        name: sorted(map(str, paths)) for name, paths in constructed.items() if name not in declared
    }
    assert not undeclared, f"constructed in {service} but not in its SENDS: {undeclared}"
    assert not declared - constructed.keys(), f"in {service}'s SENDS but constructed nowhere in it"
    assert len(declared) == len(sends), "named twice"


def test_each_event_type_has_one_sender_and_every_received_type_is_sent() -> None:
    senders: dict[str, list[str]] = {}
    received: set[str] = set()
    for service in SERVICES:
        contract = service_contract(service)
        for payload in contract.sends:
            senders.setdefault(payload.event_type, []).append(service)
        received |= {payload.event_type for group in contract.receives for payload in group.events}
    assert {event_type: len(services) for event_type, services in senders.items()} == dict.fromkeys(
        EVENT_TYPES, 1
    )
    assert received <= senders.keys()


def test_the_finder_counts_constructions_and_not_reads(tmp_path: Path) -> None:
    (tmp_path / "use_case.py").write_text(
        dedent(
            """
            from shared.events import CaseAccepted, CaseClosed, CaseReopened, DeadlineBreached, DeadlineWarning
            from shared.events import SubmissionReceived, CaseKeyIssued

            def close(case_id, on):
                return [CaseClosed(case_id=case_id, closed_on=on)]

            def alarm(breached, case_id):
                kind = DeadlineBreached if breached else DeadlineWarning
                return kind(case_id=case_id)

            def react(payload: CaseAccepted, raw):
                match payload:
                    case CaseReopened():
                        return SubmissionReceived.model_validate(raw)
                return keyring.issue(payload.case_id)
            """
        )
    )
    found = constructed_in(tmp_path, {"issue": {"CaseKeyIssued"}}, root=tmp_path)
    assert set(found) == {"CaseClosed", "DeadlineBreached", "DeadlineWarning", "CaseKeyIssued"}
    assert shared_constructors()["issue"] == {"CaseKeyIssued"}  # `shared.keyring.Keyring.issue`
