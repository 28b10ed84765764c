"""Replay dead letters: ``python -m deploy.dlq replay case-events``.

After the cause of a failure is fixed, every message waiting in ``<topic>.dlq`` is published again to
the topic it came from (header ``x-dlq-topic``), with its key, so it keeps its place in its case's
order from now on. The consumer group ``dlq-replay`` remembers how far it got: running it twice does
not replay a message twice, and a consumer that had already applied the event ignores it by its id.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.kafka import partitions_of
from shared.topics import ALL_TOPICS, Topics

__all__ = ["replay_dead_letters"]

REPLAY_GROUP = "dlq-replay"


async def replay_dead_letters(bootstrap_servers: str, topics: Topics, topic: str) -> int:
    """Publish every dead letter of ``topic`` not replayed yet back to its topic; how many."""
    spec = next((t for t in ALL_TOPICS if t.name == topic), None)
    if spec is None:
        raise ValueError(f"unknown topic {topic!r}; one of {', '.join(t.name for t in ALL_TOPICS)}")
    dlq = topics.dlq(spec)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=f"{topics.prefix}{REPLAY_GROUP}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=True)
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        partitions = [TopicPartition(dlq, p) for p in await partitions_of(bootstrap_servers, dlq)]
        consumer.assign(partitions)
        end = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    headers = dict(record.headers)
                    target = headers.get("x-dlq-topic", topics.name(spec).encode()).decode()
                    await producer.send_and_wait(
                        target,
                        record.value,
                        key=record.key,
                        headers=[
                            ("x-dlq-replayed-from", f"{dlq}:{record.partition}:{record.offset}".encode())
                        ],
                    )
                    replayed += 1
            await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.dlq", description=__doc__)
    parser.add_argument("command", choices=["replay"])
    parser.add_argument("topic", help="the topic whose dead letters to replay, e.g. case-events")
    args = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    count = asyncio.run(
        replay_dead_letters(bootstrap, Topics(os.environ.get("CIVIC_TOPIC_PREFIX", "")), args.topic)
    )
    print(f"replayed {count} dead letter(s) to {args.topic}")


if __name__ == "__main__":
    main()
