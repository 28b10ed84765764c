"""``python -m deploy.kafka fetch | run``: the local broker's jars (``make setup``), and the local broker.

``run`` starts the local broker under ``$CIVIC_DATA_DIR/kafka`` and keeps it until Ctrl-C. The topics
on any cluster are the operator's ``civic topics create | describe | alter`` (`deploy.cli.topics`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from deploy.kafka.local import LocalKafka, create_topics, fetch
from shared.topics import Topics


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.kafka")
    parser.add_argument("command", choices=["fetch", "run"])
    args = parser.parse_args()
    prefix = os.environ.get("CIVIC_TOPIC_PREFIX", "")
    if args.command == "fetch":
        print(fetch())
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
