"""``make run`` serves everything behind one front door with a demo account for every role — one of
them signs in through it with the password the banner printed — and stops everything it started on
Ctrl-C, even when the signal comes twice.

A terminal's Ctrl-C reaches every process of the foreground group (make, deploy.run); a second signal
during the shutdown once left services running. This runs ``python -m deploy.run`` against the test
session's broker (no second broker), on free ports, and interrupts its whole process group twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from deploy.demo import DEMO_STAFF
from deploy.kafka.local import free_port
from deploy.processes import DEFAULT_PORTS
from tests.support.staff import sign_in_with_password

pytestmark = pytest.mark.kafka


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _signs_in(front_door: str, login: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=front_door, timeout=30) as client:
        return await sign_in_with_password(client, login, password)


def test_ctrl_c_twice_stops_every_service(kafka_bootstrap: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CIVIC_TOPIC_PREFIX": f"run{uuid.uuid4().hex[:8]}-",
        "CIVIC_DATA_DIR": str(tmp_path),
        **{f"{name.upper()}_PORT": str(free_port()) for name in DEFAULT_PORTS},
        "FRONT_DOOR_PORT": str(door_port := free_port()),
    }
    log = (tmp_path / "run.log").open("wb")
    run = subprocess.Popen(
        [sys.executable, "-m", "deploy.run"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    pids: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 120
        while b"Civic Channels is running" not in (tmp_path / "run.log").read_bytes():
            assert run.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "deploy.run did not come up in 120 s"
            time.sleep(0.5)
        pids.update({p.stem: int(p.read_text()) for p in (tmp_path / "pids").glob("*.pid")})
        assert set(pids) == {*DEFAULT_PORTS, "front-door"}
        assert all(_alive(pid) for pid in pids.values())

        printed = (tmp_path / "run.log").read_text()
        for account in DEMO_STAFF:
            assert account.login in printed, f"the banner names {account.login}"
        kept = dict(line.split("\t") for line in (tmp_path / "demo-staff.txt").read_text().splitlines())
        assert (tmp_path / "demo-staff.txt").stat().st_mode & 0o077 == 0, "the passwords are the owner's only"
        assert kept["demo-reviewer-1"] in printed, "the banner prints each password"
        signed_in = asyncio.run(
            _signs_in(f"http://127.0.0.1:{door_port}", "demo-reviewer-1", kept["demo-reviewer-1"])
        )
        assert signed_in.status_code == 303, signed_in.text

        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: the whole group
        time.sleep(0.3)
        os.killpg(run.pid, signal.SIGINT)  # and again, while it is stopping
        run.wait(timeout=60)
        still = {name: pid for name, pid in pids.items() if _alive(pid)}
        assert not still, f"left running: {still}\n{(tmp_path / 'run.log').read_text()}"
        assert not list((tmp_path / "pids").glob("*.pid")), "PID files are removed"
    finally:
        if run.poll() is None:
            run.kill()
        for pid in pids.values():  # whatever a failure left running, by its own PID
            if _alive(pid):
                os.kill(pid, signal.SIGTERM)
        log.close()
