"""A single-node Apache Kafka (KRaft) broker run from its Maven Central jars, without Docker.

One code path for ``make run`` (``python -m deploy.kafka run``) and the test suite's session fixture:

    fetch()  → libs cached per version (``CIVIC_KAFKA_CACHE``, default ~/.cache/civic-channels)
    format() → storage formatted once (standalone KRaft controller)
    start()  → java process; pid written beside its logs
    wait_ready() → an admin call succeeds
    create_topics() → every topic of ``shared.topics`` and its .dlq topic, as `TopicSettings` want them
    stop()   → SIGTERM to that pid, SIGKILL after a grace period

``LocalKafka(home, secured=SecuredListeners(users={...}))`` adds a SASL_SSL and an mTLS listener beside
the plain one, to test Kafka security against a real broker; off by default (``make run``, the tests'
shared broker).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, KafkaError

from deploy.kafka.tls import TlsFiles, make_tls_files
from deploy.kafka.topics import ensure_topics, plan_topics
from shared.kafka_security import check_access, client_options
from shared.settings import KafkaSecurity, TopicSettings
from shared.topics import Topics

__all__ = [
    "KAFKA_VERSION",
    "LocalKafka",
    "SecuredListeners",
    "create_topics",
    "free_port",
    "wait_for_broker",
]

log = logging.getLogger(__name__)

KAFKA_VERSION = "4.4.0"
HERE = Path(__file__).resolve().parent
JVM_FLAGS = [
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Djava.awt.headless=true",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def cache_dir() -> Path:
    configured = os.environ.get("CIVIC_KAFKA_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "civic-channels"


@dataclass
class FetchProgress:
    """What Maven has done so far, from its output: files downloaded (and their size), jars copied."""

    downloaded: int = 0
    kilobytes: float = 0.0
    copied: int = 0

    def read(self, line: str) -> bool:
        """Count one line of Maven's output; whether it moved anything."""
        if line.startswith("[INFO] Downloaded from"):
            self.downloaded += 1
            size = re.search(r"\(([\d.]+) (kB|MB|B)", line)
            if size:
                factor = {"B": 1 / 1024, "kB": 1.0, "MB": 1024.0}[size.group(2)]
                self.kilobytes += float(size.group(1)) * factor
            return True
        if line.startswith("[INFO] Copying "):
            self.copied += 1
            return True
        return False

    def __str__(self) -> str:
        return f"{self.downloaded} files downloaded ({self.kilobytes / 1024:.1f} MB), {self.copied} jars in place"


def report_progress(
    lines: Iterable[str],
    report: Callable[[str], None],
    *,
    every: float = 3.0,
    clock: Callable[[], float] = time.monotonic,
) -> list[str]:
    """Read Maven's output, telling ``report`` how far it got at most every ``every`` seconds and once
    at the end, so a first ``make run`` is not silent while the broker comes down; the lines, for an error."""
    progress, seen, last = FetchProgress(), [], clock()
    for raw in lines:
        line = raw.rstrip()
        seen.append(line)
        if progress.read(line) and clock() - last >= every:
            report(str(progress))
            last = clock()
    report(f"done: {progress}")
    return seen


def fetch(version: str = KAFKA_VERSION) -> Path:
    """The folder of the broker's runtime jars, fetched with Maven the first time."""
    libs = cache_dir() / f"kafka-{version}" / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    staging = libs.with_name(f"libs.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    log.info("fetching Apache Kafka %s from Maven Central into %s (the first run only)", version, libs)
    maven = subprocess.Popen(
        [
            "mvn",
            "-B",
            "-f",
            str(HERE / "pom.xml"),
            f"-Dkafka.version={version}",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert maven.stdout is not None
    output = report_progress(maven.stdout, lambda line: log.info("Kafka %s: %s", version, line))
    if maven.wait() != 0:
        raise RuntimeError(f"Maven could not fetch Kafka {version}:\n" + "\n".join(output[-20:]))
    if not any(staging.glob("kafka_2.13-*.jar")):
        raise RuntimeError(f"Maven fetched no kafka_2.13 jar into {staging}")
    (staging / ".complete").write_text(version)
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    return libs


SCRAM_MECHANISM = "SCRAM-SHA-512"
_SCRAM_WORD = re.compile(r"[A-Za-z0-9_.-]+")
UNSECURED_OAUTH_VALIDATOR = (
    "org.apache.kafka.common.security.oauthbearer.internals.unsecured."
    "OAuthBearerUnsecuredValidatorCallbackHandler"
)


@dataclass(frozen=True)
class SecuredListeners:
    """Two listeners beside the plain one, to test Kafka security against a real broker:

    - ``SECURE`` (SASL_SSL): SCRAM-SHA-512 for ``users`` (name → password, created when the storage is
      first formatted — on the storage tool's command line: test passwords only), and OAUTHBEARER
      checked by Kafka's *unsecured* validator, which accepts any unsigned JWT (``"alg": "none"``)
      with a ``sub`` and a future ``exp`` — for tests only;
    - ``MTLS`` (SSL): only clients presenting a certificate the broker's CA signed.

    Both present a certificate for 127.0.0.1 and localhost from a CA made for this broker
    (`deploy.kafka.tls`). Brokers and `LocalKafka.wait_ready` keep using the plain listener."""

    users: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, password in self.users.items():
            if not (_SCRAM_WORD.fullmatch(name) and _SCRAM_WORD.fullmatch(password)):
                raise ValueError("SCRAM user names and passwords here: letters, digits, '.', '_' and '-'")


@dataclass
class LocalKafka:
    """A broker whose config, data, logs and pid live under ``home``."""

    home: Path
    port: int = 0
    controller_port: int = 0
    version: str = KAFKA_VERSION
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    secured: SecuredListeners | None = None
    secure_port: int = field(default=0, init=False)
    """The SASL_SSL listener's port (with ``secured``)."""
    mtls_port: int = field(default=0, init=False)
    """The mutual-TLS listener's port (with ``secured``)."""

    def __post_init__(self) -> None:
        self.home = self.home.resolve()
        self.home.mkdir(parents=True, exist_ok=True)
        ports_file = self.home / "ports.json"
        saved = json.loads(ports_file.read_text()) if ports_file.exists() else {}
        if saved:  # a formatted KRaft log remembers its controller's address
            self.port, self.controller_port = saved["port"], saved["controller_port"]
        else:
            self.port = self.port if self.port and _port_is_free(self.port) else free_port()
            self.controller_port = (
                self.controller_port
                if self.controller_port and _port_is_free(self.controller_port)
                else free_port()
            )
        self.secure_port = saved.get("secure_port", 0)
        self.mtls_port = saved.get("mtls_port", 0)
        if self.secured is not None and not self.secure_port:
            self.secure_port, self.mtls_port = free_port(), free_port()
        ports = {"port": self.port, "controller_port": self.controller_port}
        if self.secure_port:
            ports |= {"secure_port": self.secure_port, "mtls_port": self.mtls_port}
        if ports != saved:
            ports_file.write_text(json.dumps(ports))

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def secure_bootstrap_servers(self) -> str:
        """The SASL_SSL listener (SCRAM-SHA-512 and OAUTHBEARER), with ``secured``."""
        return f"127.0.0.1:{self.secure_port}"

    @property
    def mtls_bootstrap_servers(self) -> str:
        """The SSL listener that wants a client certificate, with ``secured``."""
        return f"127.0.0.1:{self.mtls_port}"

    @property
    def tls(self) -> TlsFiles:
        """The secured listeners' CA, keystore and client certificate (made at the first start)."""
        return TlsFiles(self.home / "tls")

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "server.log"

    def _config(self) -> Path:
        properties = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.home / "data"),
            "num.partitions": "1",
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # A stopped service finds its place again however long it was away (Kafka's default
            # forgets a group's offsets a week after it empties; then it re-reads and skips by inbox).
            "offsets.retention.minutes": str(60 * 24 * 365),
            # The compacted case-keys topic drops an erased case's key soon after (Kafka's default 15 s).
            "log.cleaner.backoff.ms": "1000",
            **self._secured_config(),
        }
        path = self.home / "server.properties"
        path.write_text("".join(f"{key}={value}\n" for key, value in properties.items()))
        return path

    def _secured_config(self) -> dict[str, str]:
        """The SASL_SSL and mTLS listeners (`SecuredListeners`) beside the plain one."""
        if self.secured is None:
            return {}
        tls = make_tls_files(self.tls.folder)
        keystore = {
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(tls.keystore),
            "ssl.keystore.password": tls.keystore_password,
            "ssl.key.password": tls.keystore_password,
        }
        listeners = (
            f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port},"
            f"SECURE://127.0.0.1:{self.secure_port},MTLS://127.0.0.1:{self.mtls_port}"
        )
        scram_login = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        oauth_login = (
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
            'unsecuredLoginStringClaim_sub="broker";'
        )
        return {
            "listeners": listeners,
            "advertised.listeners": listeners,
            "listener.security.protocol.map": (
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SECURE:SASL_SSL,MTLS:SSL"
            ),
            "listener.name.secure.sasl.enabled.mechanisms": f"{SCRAM_MECHANISM},OAUTHBEARER",
            f"listener.name.secure.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": scram_login,
            "listener.name.secure.oauthbearer.sasl.jaas.config": oauth_login,
            "listener.name.secure.oauthbearer.sasl.server.callback.handler.class": UNSECURED_OAUTH_VALIDATOR,
            **{f"listener.name.secure.{key}": value for key, value in keystore.items()},
            **{f"listener.name.mtls.{key}": value for key, value in keystore.items()},
            "listener.name.mtls.ssl.truststore.type": "PEM",
            "listener.name.mtls.ssl.truststore.location": str(tls.ca),
            "listener.name.mtls.ssl.client.auth": "required",
        }

    def _java(self, libs: Path, *args: str) -> list[str]:
        return [
            "java",
            *JVM_FLAGS,
            f"-Dlog4j2.configurationFile=file:{HERE / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.home / 'logs'}",
            "-cp",
            f"{libs}/*",
            *args,
        ]

    def format(self, libs: Path) -> None:
        config = self._config()
        if (self.home / "data" / "meta.properties").exists():
            return
        cluster_id = "-"
        while cluster_id.startswith("-"):  # the storage tool would read "-…" as one of its options
            cluster_id = base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()
        users = self.secured.users if self.secured is not None else {}
        scram = [
            argument
            for name, password in users.items()
            for argument in ("--add-scram", f"{SCRAM_MECHANISM}=[name={name},password={password}]")
        ]
        subprocess.run(
            self._java(
                libs,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(config),
                "--standalone",
                *scram,
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        """Fetch, format and start the broker in the background (does not wait for it)."""
        self.stop_stale()
        libs = fetch(self.version)
        self.format(libs)
        (self.home / "logs").mkdir(exist_ok=True)
        console = (self.home / "logs" / "console.log").open("ab")
        self.process = subprocess.Popen(
            self._java(libs, "kafka.Kafka", str(self.home / "server.properties")),
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        console.close()
        self.pid_file.write_text(str(self.process.pid))

    def stop_stale(self) -> None:
        """A broker left by a run that was killed holds our ports: stop it, by its recorded pid."""
        if not self.pid_file.exists():
            return
        pid = int(self.pid_file.read_text())
        if _is_our_java(pid, self.home):
            _terminate(pid)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL the broker, as a crash would (its log is recovered at the next start)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None
        self.pid_file.unlink(missing_ok=True)

    def stop(self, grace_seconds: float = 15.0) -> None:
        if self.process is not None and self.process.poll() is None:
            _terminate(self.process.pid, grace_seconds)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        self.process = None
        self.pid_file.unlink(missing_ok=True)

    async def wait_ready(self, timeout: float = 120.0) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"Kafka exited with {self.process.returncode}; see {self.home / 'logs'}")
        await wait_for_broker(self.bootstrap_servers, timeout=timeout, process=self.process)


def _is_our_java(pid: int, home: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return "kafka.Kafka" in cmdline and str(home) in cmdline


def _terminate(pid: int, grace_seconds: float = 15.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child still "exists" until reaped
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


async def wait_for_broker(
    bootstrap_servers: str,
    *,
    timeout: float = 120.0,
    process: subprocess.Popen[bytes] | None = None,
    security: KafkaSecurity | None = None,
) -> None:
    """Until an admin call (list topics) succeeds; a broker that refuses this client (``security``:
    credentials, certificate) is not waited for: `KafkaAccessRefused` says why at once."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"Kafka exited with {process.returncode} while starting")
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers, request_timeout_ms=5000, **client_options(security)
        )
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, KafkaConnectionError, OSError) as exc:
            last_error = exc
            await check_access(bootstrap_servers, security)
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
        await asyncio.sleep(0.5)
    raise TimeoutError(f"Kafka at {bootstrap_servers} not ready after {timeout}s: {last_error}")


async def create_topics(
    bootstrap_servers: str,
    topics: Topics,
    settings: TopicSettings | None = None,
    *,
    security: KafkaSecurity | None = None,
) -> list[str]:
    """Create every topic that is missing and bring the others in line (`deploy.kafka.topics`); the
    names created."""
    report = await ensure_topics(
        bootstrap_servers, plan_topics(topics, settings or TopicSettings()), security=security
    )
    for change in report.changes:
        log.warning("topic %s", change)
    return report.created
