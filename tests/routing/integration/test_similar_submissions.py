"""Similar submissions (相似诉求) on the real broker: clustered across channels, answered together."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.routing.app import create_app
from services.routing.config import RoutingSettings
from shared.codes import Channel, Role
from shared.dates import today
from shared.events import CommentContent, MailboxContent, SubmissionReceived
from shared.topics import Topics
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error, bearer, in_process, settings_for

pytestmark = pytest.mark.kafka

COMMS = bearer(Role.HANDLER, department="command-comms")


def letter(body: str) -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        mailbox=MailboxContent(mailbox="director", category="投诉", subject="防空警报", body=body),
    )


async def test_similar_submissions_share_a_cluster_and_one_reply_answers_each_of_them(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    first = letter("防空警报试鸣声音太大，吵醒孩子")
    second = letter("防空警报试鸣声音太大，把孩子吵醒了")
    unrelated = letter("防空警报试鸣时间是几点？")
    comment = SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.CONSULTATION_COMMENT,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        comment=CommentContent(consultation_id=uuid4(), body="防空警报试鸣声音太大，吵醒孩子"),
    )
    settings = settings_for(RoutingSettings, kafka_bootstrap, topics, database_url)
    async with in_process(create_app, settings) as (client, _):
        await producer.send_payloads(topics.case_events, [first, second, unrelated, comment])
        for submission in (first, second, unrelated, comment):
            await case_events.wait_for_event(str(submission.case_id), "case.assigned")
            await case_events.wait_for_event(str(submission.case_id), "case.clustered")

        async def inbox() -> list[dict[str, object]] | None:
            tasks: list[dict[str, object]] = (await client.get("/api/v1/tasks", headers=COMMS)).json()
            return tasks if len(tasks) == 3 else None

        tasks = {t["case_id"]: t for t in await eventually(inbox, "three letters in the inbox")}
        cluster = tasks[str(first.case_id)]["cluster_id"]
        members = {str(first.case_id), str(second.case_id), str(comment.case_id)}
        assert cluster in members, (
            "a cluster is named after its first case (cases of other keys may come first)"
        )
        assert tasks[str(second.case_id)]["cluster_id"] == cluster
        assert tasks[str(first.case_id)]["cluster_size"] == 3, (
            "the comment in 政策法规处 is in the cluster too"
        )
        assert tasks[str(unrelated.case_id)]["cluster_id"] != cluster
        assert tasks[str(unrelated.case_id)]["cluster_size"] == 1

        response = await client.post(
            f"/api/v1/clusters/{cluster}/reply", json={"text": "已调整试鸣音量。"}, headers=COMMS
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert sorted(result["replied"]) == sorted([str(first.case_id), str(second.case_id)])
        assert result["skipped"] == {str(comment.case_id): "another department's case"}
        for submission in (first, second):
            (replied,) = await case_events.wait_for_event(str(submission.case_id), "case.replied")
            assert replied.data["text"] == "已调整试鸣音量。"
        assert_error(
            await client.post("/api/v1/clusters/nope/reply", json={"text": "x"}, headers=COMMS),
            404,
            "not_found",
        )

    # After a restart the index is rebuilt from the stored cases: a new similar letter joins the cluster.
    async with in_process(create_app, settings) as (client, _):
        later = letter("防空警报试鸣声音太大，吵醒孩子了")
        await producer.send_payloads(topics.case_events, [later])
        await case_events.wait_for_event(str(later.case_id), "case.assigned")
        (decided,) = await case_events.wait_for_event(str(later.case_id), "case.clustered")
        assert decided.data["cluster_id"] == cluster

        async def clustered() -> dict[str, object] | None:
            tasks: list[dict[str, object]] = (await client.get("/api/v1/tasks", headers=COMMS)).json()
            return next((t for t in tasks if t["case_id"] == str(later.case_id)), None)

        assert (await eventually(clustered, "the later letter in the inbox"))["cluster_id"] == cluster
