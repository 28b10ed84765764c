"""``make run``: the whole system on this machine.

Starts the local Kafka broker (unless ``KAFKA_BOOTSTRAP_SERVERS`` points at a cluster), creates the
topics, starts the four services, seeds the demo consultation, prints where everything is, and on
Ctrl-C stops what it started, by PID. State lives in ``CIVIC_DATA_DIR`` (default ``.run/``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from datetime import timedelta
from types import FrameType

import httpx

from deploy.kafka.local import LocalKafka, wait_for_broker
from deploy.kafka.topics import ensure_topics, plan_topics
from deploy.processes import DEFAULT_PORTS, ServiceProcess, start_services, stop_services
from shared.auth import mint_token
from shared.codes import Role
from shared.dates import today as shanghai_today
from shared.settings import ServiceSettings, TopicSettings
from shared.topics import Topics

log = logging.getLogger("civic.run")


async def seed_demo(publishing: str, admin_token: str) -> None:
    """One open consultation, created through publishing's API like an admin would."""
    async with httpx.AsyncClient(base_url=publishing, timeout=10) as client:
        if (await client.get("/api/v1/consultations")).json():
            return
        today = shanghai_today()
        response = await client.post(
            "/api/v1/consultations",
            headers={"Authorization": f"Bearer {admin_token}"},
            json={
                "title": "《济南市人民防空工程维护管理办法（征求意见稿）》",
                "summary": "为规范人防工程平时使用和维护管理，现公开征求社会各界意见。",
                "draft_text": "第一条 为规范本市人民防空工程的维护管理，根据有关法律法规，制定本办法。\n"
                "第二条 本市行政区域内人民防空工程的维护管理，适用本办法。",
                "opens_on": today.isoformat(),
                "closes_on": (today + timedelta(days=30)).isoformat(),
            },
        )
        response.raise_for_status()


def banner(services: list[ServiceProcess], bootstrap: str, handler_token: str) -> str:
    urls = "\n".join(f"  {s.name:<11} {s.url}   (API docs: {s.url}/docs)" for s in services)
    intake = services[0].url
    return f"""
Civic Channels is running. Kafka: {bootstrap}
{urls}

Citizen's portal (市民端): {intake}/

Write to the director's mailbox:
  curl -s -X POST {intake}/api/v1/mailbox-messages -H 'Content-Type: application/json' \\
    -d '{{"mailbox":"director","category":"咨询","subject":"小区人防工程能否停车","body":"请问小区地下人防工程平时可以作为停车场吗？","contact":{{"name":"张三丰","phone":"13812345678"}},"publish_consent":true}}'
Follow it:   curl -s {intake}/api/v1/cases/<tracking_code>
A handler token (人防工程管理处): {handler_token}

Logs: {services[0].log_path.parent}    Ctrl-C stops everything.
"""


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    settings = ServiceSettings()
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    kafka: LocalKafka | None = None
    services: list[ServiceProcess] = []
    # SIGINT too: a shell that starts us in the background leaves SIGINT ignored, and Python keeps that.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        if "KAFKA_BOOTSTRAP_SERVERS" in os.environ:
            bootstrap = settings.kafka_bootstrap_servers
            asyncio.run(wait_for_broker(bootstrap, timeout=60))
        else:
            kafka = LocalKafka(data_dir / "kafka", port=19092, controller_port=19093)
            log.info("starting Kafka (first run fetches it from Maven Central)")
            kafka.start()
            asyncio.run(kafka.wait_ready())
            bootstrap = kafka.bootstrap_servers
        plans = plan_topics(Topics(settings.topic_prefix), TopicSettings())
        for line in asyncio.run(ensure_topics(bootstrap, plans)).lines():
            log.info("topic %s", line)
        ports = {
            name: int(os.environ.get(f"{name.upper()}_PORT", port)) for name, port in DEFAULT_PORTS.items()
        }
        services = start_services(
            bootstrap_servers=bootstrap, data_dir=data_dir, ports=ports, topic_prefix=settings.topic_prefix
        )

        async def ready() -> None:
            await asyncio.gather(*(s.wait_healthy() for s in services))

        asyncio.run(ready())
        key = settings.jwt_key
        admin = mint_token(key, sub="demo-admin", name="系统管理员", roles=[Role.ADMIN])
        asyncio.run(seed_demo(services[3].url, admin))
        handler = mint_token(
            key, sub="demo-handler", name="李四", roles=[Role.HANDLER], department="engineering"
        )
        print(banner(services, bootstrap, handler), flush=True)
        while all(s.process is not None and s.process.poll() is None for s in services):
            time.sleep(1)
        crashed = [s for s in services if s.process is not None and s.process.poll() is not None]
        for service in crashed:
            print(f"{service.name} stopped unexpectedly:\n{service.log_tail()}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        # Ctrl-C reaches every process of the terminal's group, make included, and a second signal can
        # follow: nothing may interrupt the shutdown, or services and the broker are left running.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stop_services(services)
        if kafka is not None:
            kafka.stop()


if __name__ == "__main__":
    main()
