"""Dead letters from the command line (`shared.dead_letters`):

    python -m deploy.dlq list                      # every topic's dead letters, newest first
    python -m deploy.dlq show case-events 0 12     # one, with why it failed and its body
    python -m deploy.dlq replay case-events        # back to its topic, once the cause is fixed

The same is a page of the workbench for admins: ``/workbench/dead-letters``.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from shared.dead_letters import dead_letter, list_dead_letters, replay_dead_letters
from shared.topics import Topics

__all__ = ["replay_dead_letters"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.dlq", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every topic's dead letters, newest first")
    show = commands.add_parser("show", help="one dead letter, with its body")
    show.add_argument("topic")
    show.add_argument("partition", type=int)
    show.add_argument("offset", type=int)
    replay = commands.add_parser("replay", help="publish a topic's dead letters to it again")
    replay.add_argument("topic", help="the topic whose dead letters to replay, e.g. case-events")
    args = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    topics = Topics(os.environ.get("CIVIC_TOPIC_PREFIX", ""))
    if args.command == "list":
        for letter in asyncio.run(list_dead_letters(bootstrap, topics)):
            state = "replayed" if letter.replayed else "waiting"
            print(
                f"{letter.topic} {letter.partition} {letter.offset}  {letter.at:%Y-%m-%d %H:%M:%S}  "
                f"{letter.event_type}  {state}  {letter.error[:100]}"
            )
    elif args.command == "show":
        found = asyncio.run(dead_letter(bootstrap, topics, args.topic, args.partition, args.offset))
        if found is None:
            parser.exit(1, "no such dead letter\n")
        print(f"{found.event_type} {found.event_id} ({found.subject}), {found.at:%Y-%m-%d %H:%M:%S}")
        print(f"consumer {found.consumer}, {found.attempts} attempts: {found.error}\n\n{found.body}")
    else:
        count = asyncio.run(replay_dead_letters(bootstrap, topics, args.topic))
        print(f"replayed {count} dead letter(s) to {args.topic}")


if __name__ == "__main__":
    main()
