"""How the legacy databases in this folder were made: release 0.1's schema, with real rows in it.

The upgrade test (``tests/migrations/test_upgrade.py``) loads them into fresh databases, upgrades them
to the newest revision and reads every row back through the services' APIs. They were made by running
this script on a checkout of the release (commit c91e806, the last one without migrations):

    git worktree add /tmp/civic-0.1 c91e806 && cd /tmp/civic-0.1 && make setup
    cp <this file> <tests/support/office.py> into the same places there
    uv run python <this file> --out <this folder> --postgres postgresql+asyncpg://civic:civic@127.0.0.1/postgres

It starts a broker and the four services as processes (SQLite, then PostgreSQL), drives a realistic
office through their APIs (`tests.support.office.drive`), waits until every outbox is sent, stops the
services and dumps each database as SQL (``<backend>/<service>.sql``), with the tracking codes and ids
in ``manifest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from deploy.kafka.local import LocalKafka, create_topics, free_port
from deploy.processes import ServiceProcess, start_services, stop_services
from shared.topics import Topics
from tests.support.office import SERVICES, Office, Staff, drive, until

SECRET = "legacy-fixture-secret-at-least-32-bytes-long"


async def settle(backend: str, data_dir: Path, urls: dict[str, str]) -> None:
    """Until every service's outbox is sent (what the services would publish is on the topics)."""

    async def outbox_empty(service: str) -> bool:
        if backend == "sqlite":
            with sqlite3.connect(data_dir / f"{service}.db") as db:
                (unsent,) = db.execute(
                    "SELECT count(*) FROM outbox_message WHERE published_at IS NULL"
                ).fetchone()
            return bool(unsent == 0)
        engine = create_async_engine(urls[service])
        try:
            async with engine.connect() as conn:
                result = await conn.exec_driver_sql(
                    "SELECT count(*) FROM outbox_message WHERE published_at IS NULL"
                )
                return bool(result.scalar_one() == 0)
        finally:
            await engine.dispose()

    for name in SERVICES:
        await until(lambda n=name: outbox_empty(n), f"{name}'s outbox sent")
    await asyncio.sleep(3)  # the consumers take in what was just sent (a fixture, not a test)


def dump_sqlite(database: Path, target: Path) -> None:
    with sqlite3.connect(database) as db:
        target.write_text("\n".join(db.iterdump()) + "\n")


def dump_postgres(url: str, target: Path) -> None:
    parsed = make_url(url)
    subprocess.run(
        [
            "pg_dump",
            "--inserts",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "civic",
            "-f",
            str(target),
            parsed.database or "",
        ],
        env={"PGPASSWORD": parsed.password or "", "PATH": "/usr/bin:/bin"},
        check=True,
    )


async def run_backend(
    backend: str, kafka: str, out: Path, postgres: str | None, work: Path
) -> dict[str, Any]:
    topics = Topics(f"legacy{uuid.uuid4().hex[:6]}-")
    await create_topics(kafka, topics)
    data_dir = work / backend
    env = {
        "CIVIC_JWT_SECRET": SECRET,
        "CIVIC_ENV": "test",
        "TRACKING_ALARM_CHECK_SECONDS": "1",
        "INTAKE_SUBMISSIONS_PER_CLIENT": "1000",
    }
    urls: dict[str, str] = {}
    if backend == "postgresql":
        assert postgres is not None
        engine = create_async_engine(postgres, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            for service in SERVICES:
                name = f"legacy_{service}"
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
                urls[service] = make_url(postgres).set(database=name).render_as_string(hide_password=False)
                env[f"{service.upper()}_DATABASE_URL"] = urls[service]
        await engine.dispose()
    services: list[ServiceProcess] = start_services(
        bootstrap_servers=kafka,
        data_dir=data_dir,
        ports={name: free_port() for name in SERVICES},
        topic_prefix=topics.prefix,
        extra_env=env,
    )
    try:
        await asyncio.gather(*(s.wait_healthy(timeout=90) for s in services))
        async with httpx.AsyncClient(timeout=30) as http:
            manifest = await drive(Office(http, {s.name: s.url for s in services}, Staff(SECRET)))
        await settle(backend, data_dir, urls)
    except BaseException:
        for process in services:
            print(f"----- {process.name} -----\n{process.log_tail(80)}")
        raise
    finally:
        stop_services(services)
    target = out / backend
    target.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        if backend == "sqlite":
            dump_sqlite(data_dir / f"{service}.db", target / f"{service}.sql")
        else:
            dump_postgres(urls[service], target / f"{service}.sql")
    return manifest


async def main_async(out: Path, postgres: str | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="civic-legacy-"))
    broker = LocalKafka(work / "kafka")
    broker.start()
    try:
        await broker.wait_ready()
        manifests = {"sqlite": await run_backend("sqlite", broker.bootstrap_servers, out, None, work)}
        if postgres:
            manifests["postgresql"] = await run_backend(
                "postgresql", broker.bootstrap_servers, out, postgres, work
            )
        (out / "manifest.json").write_text(json.dumps(manifests, ensure_ascii=False, indent=2) + "\n")
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server (creates legacy_* databases)")
    args = parser.parse_args()
    asyncio.run(main_async(args.out, args.postgres))


if __name__ == "__main__":
    main()
