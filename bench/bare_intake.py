"""The baseline for intake alone: a bare FastAPI endpoint that validates the same body with the same
schema and produces it to Kafka (idempotent producer, ``acks=all``, answered once the broker has it) —
no database, no outbox, no rate limits, no keys. Served by uvicorn like the services.

    python -m bench.bare_intake --port 8101 --bootstrap 127.0.0.1:9092 --topic bench-bare
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.intake.schemas import MailboxMessageCreate


def create_app(bootstrap: str, topic: str) -> FastAPI:
    producers: list[AIOKafkaProducer] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
        await producer.start()
        producers.append(producer)
        try:
            yield
        finally:
            await producer.stop()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/mailbox-messages", status_code=201)
    async def post(body: MailboxMessageCreate) -> dict[str, str]:
        case_id = str(uuid.uuid4())
        value = json.dumps({"case_id": case_id, **body.model_dump(mode="json")}, ensure_ascii=False)
        await producers[0].send_and_wait(topic, value.encode(), key=case_id.encode())
        return {"case_id": case_id}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(args.bootstrap, args.topic), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
