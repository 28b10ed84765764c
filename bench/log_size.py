"""What keeping the log for ever costs: disk per million cases (``make bench-log``).

The topics are the system of record, kept for ever (``retention.ms=-1``). This writes the events of
N cases — each case's real events, encoded as the services encode them: a letter, a disclosure
request or a comment with the citizen's text, its assignment, its deadlines, its acceptance, its reply
and its closing — to a fresh local broker, once as the services send them (uncompressed) and once to
a topic compressed with zstd, then reads the size of the partitions' log files on disk.

Printed beside each figure, measured in the same run: the bytes of the events themselves (the JSON the
services encode), so the broker's overhead shows; and the per-million extrapolation, once per replica.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.kafka.local import LocalKafka
from shared.codes import ApplicantType, Channel, ClockKind, DeliveryForm, DeliveryMethod, Outcome
from shared.events import (
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseReplied,
    CommentContent,
    Contact,
    DeadlineSet,
    DisclosureContent,
    EventPayload,
    MailboxContent,
    SubmissionReceived,
    encode_event,
    new_event,
)
from shared.settings import TopicSettings
from shared.topics import CASE_EVENTS

LETTER = (
    "您好！我是本市历下区某小区的业主。小区地下有一处人防工程，目前被物业用作停车场，收费标准不清楚，"
    "也没有公示。请问：一、人防工程平时可以用于停车吗？二、收费标准由谁制定，收入用于何处？三、战时如何"
    "保证能够及时腾空？希望主管部门能够答复，并督促物业公示相关信息。谢谢！"
)
REPLY = (
    "您好！来信收悉。根据《中华人民共和国人民防空法》和本市有关规定，人防工程平时可以依法用于停车等用途，"
    "但须办理平时使用登记，并保证战时能够及时转换。收费标准由使用单位按照价格主管部门的规定制定，并应当"
    "公示。我办已联系该小区物业，要求其在十个工作日内公示人防车位的使用登记和收费依据。感谢您的监督！"
)
DEPARTMENTS = [
    ("engineering", "人防工程管理处"),
    ("open-government", "政务公开办公室"),
    ("policy", "政策法规处"),
]


def case_events(n: int) -> Iterator[EventPayload]:
    """The events of one case, as the services emit them over its life."""
    case_id, received = uuid4(), datetime(2026, 11, 2, 1, 30, tzinfo=UTC) + timedelta(minutes=n)
    day = received.date()
    channel = (Channel.MAILBOX, Channel.DISCLOSURE_REQUEST, Channel.CONSULTATION_COMMENT)[n % 3]
    department, name = DEPARTMENTS[n % 3]
    contact = Contact(name="张三丰", phone="13812345678", email="zhang@example.cn")
    if channel is Channel.MAILBOX:
        content: dict[str, object] = {
            "mailbox": MailboxContent(
                mailbox="director", category="咨询", subject="小区人防工程停车收费", body=LETTER
            )
        }
    elif channel is Channel.DISCLOSURE_REQUEST:
        content = {
            "disclosure": DisclosureContent(
                applicant_type=ApplicantType.NATURAL_PERSON,
                description="2025年本市防空地下室易地建设费收缴和使用情况，包括收缴金额、使用项目和审计结果",
                purpose="了解人防经费使用情况",
                delivery_form=DeliveryForm.ELECTRONIC,
                delivery_method=DeliveryMethod.EMAIL,
            )
        }
        contact = Contact(
            name="李四", id_number="11010519491231002X", phone="13912345678", email="li@example.cn"
        )
    else:
        content = {"comment": CommentContent(consultation_id=uuid4(), body=LETTER[:120], clause="第十二条")}
    yield SubmissionReceived(
        case_id=case_id,
        channel=channel,
        received_at=received,
        receipt_date=day,
        contact=contact,
        **content,
    )
    yield CaseAssigned(
        case_id=case_id,
        channel=channel,
        department_id=department,
        department_name=name,
        rule_id="rule",
        reason="按分办规则：内容涉及人防工程",
        assigned_on=day,
    )
    for clock in (ClockKind.RETURN_WINDOW, ClockKind.REPLY):
        yield DeadlineSet(
            case_id=case_id,
            clock=clock,
            due_date=day + timedelta(days=7),
            provisional=False,
            cause="case.assigned",
            note=f"{day.month}月{day.day}日转办，按5个工作日计算（当日不计），2026年11月9日到期",
        )
    yield CaseAccepted(case_id=case_id, department_id=department, by="李四（li-si）")
    yield CaseReplied(
        case_id=case_id,
        channel=channel,
        department_id=department,
        department_name=name,
        text=REPLY,
        replied_on=day + timedelta(days=4),
        outcome=Outcome.DISCLOSED if channel is Channel.DISCLOSURE_REQUEST else None,
        by="李四（li-si）",
    )
    yield CaseClosed(case_id=case_id, closed_on=date(2026, 11, 20), by="李四（li-si）")


async def write(bootstrap: str, topic: str, cases: int, compression: str | None) -> tuple[int, int]:
    """The events of ``cases`` cases written to a new ``topic``; how many, and their bytes."""
    settings = TopicSettings()
    configs = {**settings.configs(), **({"compression.type": compression} if compression else {})}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, CASE_EVENTS.partitions, 1, topic_configs=configs)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5)
    await producer.start()
    count = size = 0
    try:
        for n in range(cases):
            for payload in case_events(n):
                body = encode_event(new_event(payload, source="/civic/bench"))
                await producer.send(topic, body, key=payload.subject().encode())
                count, size = count + 1, size + len(body)
        await producer.flush()
    finally:
        await producer.stop()
    return count, size


def on_disk(log_dirs: Path, topic: str) -> int:
    """Bytes of the topic's log segments (the indexes are preallocated and sparse: not counted)."""
    return sum(f.stat().st_size for d in log_dirs.glob(f"{topic}-*") for f in d.glob("*.log"))


async def main_async(cases: int) -> None:
    with tempfile.TemporaryDirectory(prefix="civic-log-size-") as home:
        broker = LocalKafka(Path(home))
        broker.start()
        try:
            await broker.wait_ready()
            rows = []
            for label, compression in (
                ("as the services send them", None),
                ("topic compressed (zstd)", "zstd"),
            ):
                topic = f"bench-{compression or 'plain'}"
                count, size = await write(broker.bootstrap_servers, topic, cases, compression)
                broker.stop()  # the segments are flushed and closed
                disk = on_disk(Path(home) / "data", topic)
                broker.start()
                await broker.wait_ready()
                rows.append((label, count, size, disk))
        finally:
            broker.stop()
    print(
        f"{cases} cases, {rows[0][1] // cases} events each (letters, disclosure requests and comments in turn)\n"
    )
    print(
        f"{'':<28}{'events':>10}{'event bytes':>14}{'on disk':>12}{'per case':>10}{'per 1M cases':>15}{'× 3 replicas':>15}"
    )
    for label, count, size, disk in rows:
        per_case = disk / cases
        print(
            f"{label:<28}{count:>10}{size / 1e6:>11.1f} MB{disk / 1e6:>9.1f} MB{per_case / 1e3:>7.1f} kB"
            f"{per_case * 1e6 / 1e9:>12.2f} GB{3 * per_case * 1e6 / 1e9:>12.2f} GB"
        )
    plain, packed = rows[0][3], rows[1][3]
    print(
        f"\nbaseline (the events' own bytes) → on disk: ×{plain / rows[0][2]:.2f}; zstd: ×{packed / plain:.2f} of that"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    asyncio.run(main_async(args.cases))


if __name__ == "__main__":
    main()
