"""``make run`` stops everything it started on Ctrl-C, even when the signal comes twice.

A terminal's Ctrl-C reaches every process of the foreground group (make, deploy.run); a second signal
during the shutdown once left services running. This runs ``python -m deploy.run`` against the test
session's broker (no second broker), on free ports, and interrupts its whole process group twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from deploy.kafka.local import free_port
from deploy.processes import DEFAULT_PORTS

pytestmark = pytest.mark.kafka


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_twice_stops_every_service(kafka_bootstrap: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CIVIC_TOPIC_PREFIX": f"run{uuid.uuid4().hex[:8]}-",
        "CIVIC_DATA_DIR": str(tmp_path),
        **{f"{name.upper()}_PORT": str(free_port()) for name in DEFAULT_PORTS},
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
        assert set(pids) == set(DEFAULT_PORTS)
        assert all(_alive(pid) for pid in pids.values())

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
