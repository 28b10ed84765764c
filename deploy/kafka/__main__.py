"""``python -m deploy.kafka fetch | run | create-topics``.

``run`` starts the local broker under ``$CIVIC_DATA_DIR/kafka`` and keeps it until Ctrl-C;
``create-topics`` creates the topics on ``KAFKA_BOOTSTRAP_SERVERS`` (compose's one-shot job).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from deploy.kafka.local import LocalKafka, create_topics, fetch, wait_for_broker
from shared.topics import Topics


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.kafka")
    parser.add_argument("command", choices=["fetch", "run", "create-topics"])
    args = parser.parse_args()
    prefix = os.environ.get("CIVIC_TOPIC_PREFIX", "")
    if args.command == "fetch":
        print(fetch())
    elif args.command == "create-topics":
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        asyncio.run(wait_for_broker(bootstrap))
        created = asyncio.run(create_topics(bootstrap, Topics(prefix)))
        print(f"created: {', '.join(created) or 'none (all exist)'}")
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
