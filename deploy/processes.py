"""Start the four services as real processes (uvicorn via ``python -m services.<name>``) and stop
them by their own PID. Used by ``make run``, the end-to-end tests and the benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = [
    "DEFAULT_PORTS",
    "FRONT_DOOR_PORT",
    "ServiceProcess",
    "start_front_door",
    "start_services",
    "stop_services",
]

DEFAULT_PORTS = {"intake": 8001, "routing": 8002, "tracking": 8003, "publishing": 8004}


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    instance: str = ""
    """Tells apart several instances of one service (their PID files), e.g. ``2``."""
    module: str = ""
    """The module to run (``services.<name>`` unless said)."""
    health_path: str = "/health"
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.name}-{self.instance}" if self.instance else self.name

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def runs(self) -> str:
        return self.module or f"services.{self.name}"

    @property
    def pid_file(self) -> Path:
        return self.log_path.parent.parent / "pids" / f"{self.label}.pid"

    def start(self) -> None:
        self.stop_stale()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.runs],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(str(self.process.pid))

    def stop_stale(self) -> None:
        """A service left running by a run that was killed holds its port: stop it, by its recorded pid."""
        if not self.pid_file.exists():
            return
        pid = int(self.pid_file.read_text())
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            cmdline = []
        if self.runs.encode() in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)

    async def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.url}{self.health_path}")).status_code == 200:
                        return
                await asyncio.sleep(0.3)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown, nothing flushed."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.pid_file.unlink(missing_ok=True)

    def stop(self, grace_seconds: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.pid_file.unlink(missing_ok=True)

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_services(
    *,
    bootstrap_servers: str,
    data_dir: Path,
    ports: Mapping[str, int] = DEFAULT_PORTS,
    topic_prefix: str = "",
    extra_env: Mapping[str, str] | None = None,
    instance: str = "",
) -> list[ServiceProcess]:
    """Start every service named in ``ports``; each gets its own SQLite file under ``data_dir`` (an
    ``instance`` label starts further instances of services already running, on the same databases)."""
    base = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
        "CIVIC_DATA_DIR": str(data_dir),
        "CIVIC_TOPIC_PREFIX": topic_prefix,
        **(extra_env or {}),
    }
    services = []
    for name, port in ports.items():
        env = {**base, f"{name.upper()}_PORT": str(port)}
        label = f"{name}-{instance}" if instance else name
        service = ServiceProcess(name, port, env, data_dir / "logs" / f"{label}.log", instance)
        service.start()
        services.append(service)
    return services


FRONT_DOOR_PORT = 8000


def start_front_door(
    *, data_dir: Path, port: int = FRONT_DOOR_PORT, upstreams: Mapping[str, str]
) -> ServiceProcess:
    """The front door (`deploy.front_door`) before the services at ``upstreams`` (name → URL)."""
    env = {
        **os.environ,
        "FRONT_DOOR_PORT": str(port),
        **{f"FRONT_DOOR_{name.upper()}_URL": url for name, url in upstreams.items()},
    }
    door = ServiceProcess(
        "front-door",
        port,
        env,
        data_dir / "logs" / "front-door.log",
        module="deploy.front_door",
        health_path="/front-door/health",
    )
    door.start()
    return door


def stop_services(services: list[ServiceProcess]) -> None:
    for service in services:
        service.stop()
