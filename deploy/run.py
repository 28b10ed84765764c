"""``make run``: the whole system on this machine.

Starts the local Kafka broker (unless ``KAFKA_BOOTSTRAP_SERVERS`` points at a cluster), creates the
topics, starts a mail catcher for the citizens' notifications (a local SMTP server on loopback that
delivers nowhere: each message logged and written to ``.run/mail``, unless ``INTAKE_SMTP_HOST`` names a
real one), starts the four services and the front door before them, seeds the demo consultation and a
demo account for every role, prints where everything is, and on Ctrl-C stops what it started, by PID. State lives in ``CIVIC_DATA_DIR`` (default ``.run/``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from types import FrameType

from deploy.demo import DEMO_STAFF, seed_demo_consultation, seed_demo_staff
from deploy.kafka.local import LocalKafka, wait_for_broker
from deploy.kafka.topics import ensure_topics, plan_topics
from deploy.mail_catcher import MailCatcher
from deploy.processes import (
    DEFAULT_PORTS,
    FRONT_DOOR_PORT,
    ServiceProcess,
    start_front_door,
    start_services,
    stop_services,
)
from shared.auth import mint_token
from shared.codes import Role
from shared.settings import ServiceSettings, TopicSettings
from shared.topics import Topics

log = logging.getLogger("civic.run")


def banner(
    services: list[ServiceProcess], door: ServiceProcess, bootstrap: str, passwords: dict[str, str]
) -> str:
    urls = "\n".join(f"  {s.name:<11} {s.url}   (API docs: {s.url}/docs)" for s in services)
    accounts = "\n".join(
        f"  {account.login:<16} {passwords.get(account.login, '?'):<18} {account.does}"
        for account in DEMO_STAFF
    )
    front = door.url
    return f"""
Civic Channels is running. Kafka: {bootstrap}

One address for everything (统一入口): {front}/
  citizen's portal (市民端)     {front}/
  public pages (政务公开)       {front}/open/
  staff workbench (办理工作台)  {front}/workbench   — sign in with a demo account below
  each service's API            {front}/api/<intake|routing|tracking|publishing>/v1/…

Demo accounts (登录名 / 密码, kept in {door.log_path.parent.parent / "demo-staff.txt"}):
{accounts}

The services on their own ports (operators; API docs):
{urls}

Write to the director's mailbox:
  curl -s -X POST {front}/api/intake/v1/mailbox-messages -H 'Content-Type: application/json' \\
    -d '{{"mailbox":"director","category":"咨询","subject":"小区人防工程能否停车","body":"请问小区地下人防工程平时可以作为停车场吗？","contact":{{"name":"张三丰","phone":"13812345678"}},"publish_consent":true}}'
Follow it:   curl -s {front}/api/intake/v1/cases/<tracking_code>

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
    mail: MailCatcher | None = None
    services: list[ServiceProcess] = []
    # SIGINT too: a shell that starts us in the background leaves SIGINT ignored, and Python keeps that.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        security = settings.kafka_security
        if "KAFKA_BOOTSTRAP_SERVERS" in os.environ:
            bootstrap = settings.kafka_bootstrap_servers
            log.info("using Kafka at %s (%s)", bootstrap, security.summary())
            asyncio.run(wait_for_broker(bootstrap, timeout=60, security=security))
        elif security.security_protocol != "PLAINTEXT":
            sys.exit(
                f"KAFKA_SECURITY_PROTOCOL={security.security_protocol} is for a cluster named in "
                "KAFKA_BOOTSTRAP_SERVERS; the local broker is plain (see docs/managed-kafka.md)"
            )
        else:
            kafka = LocalKafka(data_dir / "kafka", port=19092, controller_port=19093)
            log.info("starting Kafka (first run fetches it from Maven Central)")
            kafka.start()
            asyncio.run(kafka.wait_ready())
            bootstrap = kafka.bootstrap_servers
        plans = plan_topics(Topics(settings.topic_prefix), TopicSettings())
        for line in asyncio.run(ensure_topics(bootstrap, plans, security=security)).lines():
            log.info("topic %s", line)
        ports = {
            name: int(os.environ.get(f"{name.upper()}_PORT", port)) for name, port in DEFAULT_PORTS.items()
        }
        front_port = int(os.environ.get("FRONT_DOOR_PORT", FRONT_DOOR_PORT))
        # Behind the front door every citizen comes from its address: intake counts each by the
        # address the door forwards.
        intake_env = {
            "INTAKE_TRUSTED_PROXIES": '["127.0.0.1"]',
            "INTAKE_PORTAL_URL": f"http://127.0.0.1:{front_port}",
        }
        if "INTAKE_SMTP_HOST" not in os.environ:
            mail = MailCatcher(port=int(os.environ.get("MAIL_CATCHER_PORT", 1025)), folder=data_dir / "mail")
            mail.start()
            log.info("mail catcher on 127.0.0.1:%d: notifications land in %s", mail.port, mail.folder)
            intake_env |= {"INTAKE_SMTP_HOST": "127.0.0.1", "INTAKE_SMTP_PORT": str(mail.port)}
        services = start_services(
            bootstrap_servers=bootstrap,
            data_dir=data_dir,
            ports=ports,
            topic_prefix=settings.topic_prefix,
            extra_env=intake_env,
        )
        door = start_front_door(
            data_dir=data_dir,
            port=front_port,
            upstreams={s.name: s.url for s in services},
        )
        services.append(door)

        async def ready() -> None:
            await asyncio.gather(*(s.wait_healthy() for s in services))

        asyncio.run(ready())
        key = settings.jwt_key
        admin = mint_token(key, sub="make-run", name="make run", roles=[Role.ADMIN])
        by_name = {s.name: s.url for s in services}
        asyncio.run(seed_demo_consultation(by_name["publishing"], admin))
        passwords = asyncio.run(seed_demo_staff(by_name["routing"], admin, data_dir))
        print(banner(services[:-1], door, bootstrap, passwords), flush=True)
        if mail is not None:
            print(f"Mail to citizens is caught, not sent: logged here, kept in {mail.folder}/", flush=True)
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
        if mail is not None:
            mail.stop()
        if kafka is not None:
            kafka.stop()


if __name__ == "__main__":
    main()
