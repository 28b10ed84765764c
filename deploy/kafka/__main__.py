"""``python -m deploy.kafka fetch | run | create-topics [--add-partitions]``.

``run`` starts the local broker under ``$CIVIC_DATA_DIR/kafka`` and keeps it until Ctrl-C;
``create-topics`` creates the topics on ``KAFKA_BOOTSTRAP_SERVERS`` as ``CIVIC_TOPICS_*`` want them
(compose's one-shot job), alters those that differ, and says what it changed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from deploy.kafka.local import LocalKafka, create_topics, fetch, wait_for_broker
from deploy.kafka.topics import ensure_topics, plan_topics
from shared.settings import TopicSettings
from shared.topics import Topics


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.kafka")
    parser.add_argument("command", choices=["fetch", "run", "create-topics"])
    parser.add_argument(
        "--add-partitions",
        action="store_true",
        help="create-topics: grow topics to the partitions the settings want (moves keys: drain consumers first)",
    )
    args = parser.parse_args()
    prefix = os.environ.get("CIVIC_TOPIC_PREFIX", "")
    if args.command == "fetch":
        print(fetch())
    elif args.command == "create-topics":
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        asyncio.run(wait_for_broker(bootstrap))
        plans = plan_topics(Topics(prefix), TopicSettings())
        report = asyncio.run(ensure_topics(bootstrap, plans, add_partitions=args.add_partitions))
        print("\n".join(report.lines()) or "every topic is as the settings want")
    else:
        kafka = LocalKafka(Path(os.environ.get("CIVIC_DATA_DIR", ".run")) / "kafka", port=19092)
        kafka.start()
        try:
            asyncio.run(kafka.wait_ready())
            asyncio.run(create_topics(kafka.bootstrap_servers, Topics(prefix)))
            print(f"Kafka ready at {kafka.bootstrap_servers} (Ctrl-C stops it)", flush=True)
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        finally:
            kafka.stop()


if __name__ == "__main__":
    main()
